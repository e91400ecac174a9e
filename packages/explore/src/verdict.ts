import { createHash } from 'node:crypto';
import type { Decision, Kernel, ScheduleStrategy } from '@kdsim/core';
import { checkInvariants, type InvariantOptions } from './invariants.js';
import { chosenOf, ScheduleReplay, scheduleOf, type Schedule } from './schedule.js';
import type { BootHooks, ExploreTarget } from './target.js';

/** The outcome of one boot under one schedule. */
export interface RunVerdict {
  /** Failed expectations and invariants (empty: the run passed). */
  readonly failures: readonly string[];
  /** SHA-1 of the klog (times, levels, text) and the decisions: equal input and schedule must give equal hashes. */
  readonly hash: string;
  /** The option chosen at every choice point of the boot, in order. */
  readonly chosen: readonly number[];
  /** The boot's decisions (kind, time, options, chosen). */
  readonly decisions: readonly Decision[];
  /** Virtual time the boot ended at (ns). */
  readonly endTime: number;
}

/** Hashes what a boot did: every klog record still in the ring and every decision. */
export function traceHash(k: Kernel): string {
  const h = createHash('sha1');
  for (const r of k.klog.records()) h.update(`${r.time} ${r.level} ${r.text}\n`);
  for (const d of k.scheduler.decisions) h.update(`${d.kind} ${d.time} ${d.chosen}/${d.options.length}\n`);
  return h.digest('hex');
}

/** Boots `target` under `strategy` and judges the run against its expectations and `invariants`. */
export function runOnce(target: ExploreTarget, strategy: ScheduleStrategy, invariants: InvariantOptions = {}, hooks: BootHooks = {}): RunVerdict {
  const run = target.boot(strategy, hooks);
  const k = run.kernel;
  return {
    failures: [...run.failures.map((f) => `expect: ${f}`), ...checkInvariants(k, invariants)],
    hash: traceHash(k),
    chosen: chosenOf(k.scheduler.decisions),
    decisions: k.scheduler.decisions,
    endTime: k.clock.now,
  };
}

/** Boots `target` under an explicit schedule. */
export function runSchedule(target: ExploreTarget, schedule: Schedule, invariants: InvariantOptions = {}): RunVerdict {
  return runOnce(target, new ScheduleReplay(schedule), invariants);
}

/**
 * The determinism invariant: replaying the choices a run made must give the
 * same trace. Returns the failure line, or null when the replay matched.
 */
export function checkDeterminism(target: ExploreTarget, run: RunVerdict, invariants: InvariantOptions = {}): string | null {
  const again = runSchedule(target, scheduleOf(run.chosen), invariants);
  if (again.hash === run.hash) return null;
  return `determinism: replaying the same schedule gave trace ${again.hash.slice(0, 12)}, not ${run.hash.slice(0, 12)}`;
}
