import type { Command } from 'commander';
import type { Kernel } from '@kdsim/core';
import { defaultMachine } from '../default-machine.js';

/** The machine options every rendering command shares. */
export interface MachineOptions {
  /** Extra kernel command line. */
  readonly cmdline: string;
}

/** Adds the machine options to a rendering command. */
export function machineOptions(cmd: Command): Command {
  return cmd.option('--cmdline <cmdline>', 'extra kernel command line', '');
}

/**
 * Boots the machine a rendering command shows, with the trace recorded. For
 * now the built-in default machine; scenarios plug in here.
 */
export function bootMachine(opts: MachineOptions): Kernel {
  return defaultMachine(opts.cmdline, { recordTrace: true }).boot();
}
