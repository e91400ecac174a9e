import type { Decision, Kernel, ScheduleStrategy } from '@kdsim/core';
import { checkInvariants, type InvariantOptions } from './invariants.js';
import { chosenOf, ScheduleReplay, scheduleOf, type Schedule } from './schedule.js';
import type { BootHooks, ExploreTarget } from './target.js';
import { TraceHasher } from './trace-hasher.js';

/** The outcome of one boot under one schedule. */
export interface RunVerdict {
  /** Failed expectations and invariants (empty: the run passed). */
  readonly failures: readonly string[];
  /**
   * {@link traceHash} of the boot: equal input and schedule must give equal hashes. It is
   * worked out on first read: only a determinism check or a report needs the klog hashed.
   */
  readonly hash: string;
  /** {@link scheduleHash} of the boot: what an exploration counts distinct traces by. */
  readonly scheduleHash: string;
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
  return hashDecisions(h, k.scheduler.decisions).digest();
}

/**
 * Hashes a boot's decisions alone (kind, time, chosen, number of options). By the
 * determinism invariant a boot's trace is a function of its input and its decisions, and
 * the decisions are part of the trace, so within one target two boots have equal traces
 * exactly when they have equal schedule hashes; this one does not read the klog, which
 * on a real machine holds hundreds of lines.
 */
export function scheduleHash(decisions: readonly Decision[]): string {
  return hashDecisions(new TraceHasher(), decisions).digest();
}

function hashDecisions(h: TraceHasher, decisions: readonly Decision[]): TraceHasher {
  for (let i = 0; i < decisions.length; i++) {
    const d = decisions[i]!;
    h.num4(kindCode(d.kind), d.time, d.chosen, d.count);
  }
  return h;
}

// A choice kind as a number for the hash. A switch, not a lookup table: a table read
// with a different key per decision runs through V8's megamorphic keyed load. It has no
// default, so a new kind fails to compile until it is given a code.
function kindCode(kind: Decision['kind']): number {
  switch (kind) {
    case 'thread': return 1;
    case 'initcall': return 2;
    case 'module-order': return 3;
    case 'landing': return 4;
  }
}

/** Boots `target` under `strategy` and judges the run against its expectations and `invariants`. */
export function runOnce(target: ExploreTarget, strategy: ScheduleStrategy, invariants: InvariantOptions = {}, hooks: BootHooks = {}): RunVerdict {
  const run = target.boot(strategy, hooks);
  const k = run.kernel;
  return new BootVerdict(k, [...run.failures.map((f) => `expect: ${f}`), ...checkInvariants(k, invariants)]);
}

/**
 * `run` with `failures` and `decisions` in place of its own (a spread would copy
 * {@link BootVerdict}'s fields but not its `hash`, which is a getter).
 */
export function amendVerdict(run: RunVerdict, change: { readonly failures?: readonly string[]; readonly decisions?: readonly Decision[] }): RunVerdict {
  return {
    failures: change.failures ?? run.failures,
    hash: run.hash,
    scheduleHash: run.scheduleHash,
    chosen: run.chosen,
    decisions: change.decisions ?? run.decisions,
    endTime: run.endTime,
  };
}

// A verdict that hashes its boot's klog when its `hash` is first read. The getter is a
// class's, not an object literal's: V8 keeps a literal's accessors in its hidden class,
// so each literal with its own getter would get a hidden class of its own, held in the
// old generation with the closure and the kernel it reaches — every boot's kernel would
// outlive the young-generation collections (×1.7 instructions per ordering, measured).
class BootVerdict implements RunVerdict {
  readonly scheduleHash: string;
  readonly chosen: readonly number[];
  readonly decisions: readonly Decision[];
  readonly endTime: number;
  #kernel: Kernel | null;
  #hash: string | null = null;

  constructor(k: Kernel, readonly failures: readonly string[]) {
    const decisions = k.scheduler.decisions;
    this.scheduleHash = scheduleHash(decisions);
    this.chosen = chosenOf(decisions);
    this.decisions = decisions;
    this.endTime = k.clock.now;
    this.#kernel = k;
  }

  get hash(): string {
    if (this.#hash === null) {
      this.#hash = traceHash(this.#kernel!);
      this.#kernel = null;
    }
    return this.#hash;
  }
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
