import type { Command } from 'commander';
import type { Kernel } from '@kdsim/core';
import { DEFAULT_SCENARIO_PATH, loadScenario, runScenario } from '@kdsim/scenario';
import { runOptions, withRunFlags, type RunFlags } from './command.js';

/** The machine options every rendering command shares: the scenario's run flags. */
export type MachineOptions = RunFlags;

/** Adds the optional scenario argument and the run flags to a rendering command. */
export function machineOptions(cmd: Command): Command {
  return withRunFlags(cmd.argument('[scenario]', 'scenario file (default: the built-in default scenario)'));
}

/** Boots the scenario a rendering command shows (the built-in default without one), with the trace recorded. */
export function bootMachine(file: string | undefined, opts: MachineOptions): Kernel {
  return runScenario(loadScenario(file ?? DEFAULT_SCENARIO_PATH), { ...runOptions(opts), recordTrace: true }).kernel;
}
