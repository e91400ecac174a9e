import type { Decision, Kernel, ScheduleStrategy } from '@kdsim/core';
import { checkInvariants, type InvariantOptions } from './invariants.js';
import { chosenOf, ScheduleReplay, scheduleOf, type Schedule } from './schedule.js';
import type { BootHooks, ExploreTarget } from './target.js';
import { TraceHasher } from './trace-hasher.js';

/** The outcome of one boot under one schedule. */
export interface RunVerdict {
  /** Failed expectations and invariants (empty: the run passed). */
  readonly failures: readonly string[];
  /** {@link traceHash} of the boot: equal input and schedule must give equal hashes. */
  readonly hash: string;
  /** The option chosen at every choice point of the boot, in order. */
  readonly chosen: readonly number[];
  /** The boot's decisions (kind, time, options, chosen). */
  readonly decisions: readonly Decision[];
  /** Virtual time the boot ended at (ns). */
  readonly endTime: number;
}

/**
 * Hashes what a boot did — every klog record still in the ring (time, level,
 * text) and every decision (kind, time, chosen, number of options) — into 16
 * hex digits with a fast non-cryptographic 64-bit hash: it
 * tells traces apart and checks replays, it is not a security token.
 */
export function traceHash(k: Kernel): string {
  const h = new TraceHasher();
  for (const r of k.klog.records()) h.num(r.time).num(r.level).str(r.text);
  for (const d of k.scheduler.decisions) h.num(KIND_CODE[d.kind]).num(d.time).num(d.chosen).num(d.count);
  return h.digest();
}

// Choice kinds as numbers for the hash (a decision's kind is hashed per choice).
const KIND_CODE: Readonly<Record<Decision['kind'], number>> = { thread: 1, initcall: 2, 'module-order': 3, landing: 4 };

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
  return determinismFailure(run, runSchedule(target, scheduleOf(run.chosen), invariants));
}

/** {@link checkDeterminism} given the replay `again` of `run`'s choices. */
export function determinismFailure(run: RunVerdict, again: RunVerdict): string | null {
  if (again.hash === run.hash) return null;
  return `determinism: replaying the same schedule gave trace ${again.hash.slice(0, 12)}, not ${run.hash.slice(0, 12)}`;
}
