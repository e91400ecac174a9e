import type { Command } from 'commander';
import { ScenarioError, type RunOptions } from '@kdsim/scenario';

/** What a command writes to and how it sets the exit code. */
export interface CliIo {
  /** Writes to standard output. */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** Sets the exit code (0 ok, 1 an expectation failed, 2 user error). */
  exit(code: number): void;
}

/** One `kdsim` sub-command: adds itself to the program. */
export interface CliCommand {
  /** The sub-command name. */
  readonly name: string;
  /** Registers the sub-command, its options and its action. */
  register(program: Command, io: CliIo): void;
}

/** A user error the CLI prints as one line plus a hint, exiting 2. */
export class UsageError extends Error {
  /** Creates the error with the hint printed under it. */
  constructor(message: string, readonly hint: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const HINTS: Readonly<Record<string, string>> = {
  io: 'check the path; scenario files are YAML (see docs/scenarios.md)',
  yaml: 'fix the YAML syntax at that line',
  schema: 'see docs/scenarios.md or packages/scenario/schema/scenario.schema.json for the allowed keys and values',
  unknownKey: 'check the spelling; docs/scenarios.md lists every key',
  unknownProfile: 'profiles are linux-X.Y (see docs/kernel-profiles.md)',
  unknownDriver: 'define the driver under kernel.drivers, or use a name the catalogue knows',
  unknownPolicy: 'docs/scenarios.md lists the policies and their variants',
  unknownStep: 'each userspace step has one action key: insmod, rmmod, sleep, snap, bind, unbind, driver_override, state_synced, drivers_probe',
  unknownNode: 'use the full path of the node (/soc/iommu@5000000)',
  unknownDevice: 'device names are as dev_name() gives them (6000000.ethernet, 0000:00:03.0)',
  missingFirmware: 'firmware paths are relative to the scenario file',
  firmware: 'the firmware file is malformed; `kdsim decode` shows what it contains',
  timeline: 'the timeline lists modules (from kernel.modules), sleepN and snap, comma-separated',
  unsupported: 'this part of the machine needs a package not in this build yet',
};

/** Runs `fn`, turning user errors into one line plus a hint and exit code 2. */
export function guarded(io: CliIo, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof ScenarioError) {
      io.err(`kdsim: ${e.message}\nhint: ${HINTS[e.kind] ?? 'see docs/scenarios.md'}\n`);
      io.exit(2);
    } else if (e instanceof UsageError) {
      io.err(`kdsim: ${e.message}\nhint: ${e.hint}\n`);
      io.exit(2);
    } else {
      throw e;
    }
  }
}

/** The run options every scenario command accepts. */
export interface RunFlags {
  /** --profile */
  readonly profile?: string;
  /** --policy name=value, repeatable */
  readonly policy?: readonly string[];
  /** --seed */
  readonly seed?: string;
  /** --cmdline */
  readonly cmdline?: string;
}

/** Adds --profile, --policy, --seed and --cmdline to `cmd`. */
export function withRunFlags(cmd: Command): Command {
  return cmd
    .option('--profile <profile>', 'kernel profile instead of the scenario\'s (linux-6.12)')
    .option('--policy <name=value>', 'policy override (repeatable): fw_devlink=strict, deferred_probe_timeout=never', (v: string, prev: string[] = []) => [...prev, v])
    .option('--seed <n>', 'draw timing-dependent choices from this seed')
    .option('--cmdline <text>', 'appended to the scenario\'s kernel command line');
}

/** Run options from the flags; bad values are usage errors. */
export function runOptions(flags: RunFlags): RunOptions {
  const policy: Record<string, string> = {};
  for (const p of flags.policy ?? []) {
    const i = p.indexOf('=');
    if (i <= 0) throw new UsageError(`bad --policy '${p}'`, 'write --policy name=value, e.g. --policy fw_devlink=strict');
    policy[p.slice(0, i)] = p.slice(i + 1);
  }
  let seed: number | undefined;
  if (flags.seed !== undefined) {
    seed = Number(flags.seed);
    if (!Number.isInteger(seed)) throw new UsageError(`bad --seed '${flags.seed}'`, 'the seed is an integer');
  }
  return {
    ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
    ...(Object.keys(policy).length > 0 ? { policy } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(flags.cmdline !== undefined ? { cmdline: flags.cmdline } : {}),
  };
}

/** Pretty JSON with a trailing newline. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
