import type { Command } from 'commander';
import { decodeSchedule, ScheduleReplay } from '@kdsim/explore';
import type { RunOptions } from '@kdsim/scenario';
import { CliError } from '../output/errors.js';
import type { CommandContext } from './context.js';

/** One `kdsim` sub-command (or a family of them): adds itself to the program. */
export type RegisterCommand = (program: Command, ctx: CommandContext) => void;

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
  /** --schedule: a replay token from `kdsim explore` */
  readonly schedule?: string;
}

/** Adds --profile, --policy, --seed and --cmdline to `cmd`. */
export function withRunFlags(cmd: Command): Command {
  return cmd
    .option('--profile <profile>', 'kernel profile instead of the scenario\'s (linux-6.12)')
    .option('--policy <name=value>', 'policy override (repeatable): fw_devlink=strict, deferred_probe_timeout=never', (v: string, prev: string[] = []) => [...prev, v])
    .option('--seed <n>', 'draw timing-dependent choices from this seed')
    .option('--cmdline <text>', 'appended to the scenario\'s kernel command line')
    .option('--schedule <token>', 'replay one ordering found by `kdsim explore` (a k1.… token)');
}

/** Run options from the flags; bad values are usage errors. */
export function runOptions(flags: RunFlags): RunOptions {
  const policy: Record<string, string> = {};
  for (const p of flags.policy ?? []) {
    const i = p.indexOf('=');
    if (i <= 0) throw new CliError('usage', `bad --policy '${p}'`, 'write --policy name=value, e.g. --policy fw_devlink=strict');
    policy[p.slice(0, i)] = p.slice(i + 1);
  }
  let seed: number | undefined;
  if (flags.seed !== undefined) {
    seed = Number(flags.seed);
    if (!Number.isInteger(seed)) throw new CliError('usage', `bad --seed '${flags.seed}'`, 'the seed is an integer');
  }
  return {
    ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
    ...(Object.keys(policy).length > 0 ? { policy } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(flags.cmdline !== undefined ? { cmdline: flags.cmdline } : {}),
    ...(flags.schedule !== undefined ? { strategy: new ScheduleReplay(decodeSchedule(flags.schedule)) } : {}),
  };
}
