import { mulberry32, ScheduleStrategy, type ChoiceKind, type ChoicePoint } from '@kdsim/core';
import { HashSet64 } from './distinct.js';
import { ExploreError } from './errors.js';
import { EVERYTHING, FootprintCollector, independent, type Footprint } from './footprint.js';
import type { InvariantOptions } from './invariants.js';
import type { ExploreTarget } from './target.js';
import { amendVerdict, determinismFailure, runOnce, runSchedule, type RunVerdict } from './verdict.js';
import { scheduleOf } from './schedule.js';

/** Every kind of choice a real kernel can vary. */
export const REAL_CHOICE_KINDS: readonly ChoiceKind[] = ['thread', 'initcall', 'module-order', 'landing'];

/** How to explore. */
export interface ExploreOptions {
  /** `exhaustive`: every ordering (with reduction) up to the budget; `random`: seeded samples. Default `random`. */
  readonly mode?: 'exhaustive' | 'random';
  /** Budget: the most boots to run (default 1000). */
  readonly runs?: number;
  /** Random mode: base seed; run i is a pure function of (seed, i). Default 1. */
  readonly seed?: number;
  /** Random mode: index of the first run (for a shard of a larger run range). Default 0. */
  readonly firstIndex?: number;
  /** Stop at the first failing run (default true). */
  readonly stopAtFirst?: boolean;
  /** Built-in invariants to check. */
  readonly invariants?: InvariantOptions;
  /** `first` (default): replay the first run and every failing run to check determinism; `every`: every run; `off`. */
  readonly determinism?: 'first' | 'every' | 'off';
  /** Choice kinds to vary; the others always take option 0. Default: {@link REAL_CHOICE_KINDS}. */
  readonly kinds?: readonly ChoiceKind[];
  /** Exhaustive mode: at most this many non-default choices per schedule (default unbounded). */
  readonly maxDeviations?: number;
  /** Exhaustive mode: skip orders that only swap steps on disjoint devices (sleep sets; default true). */
  readonly reduction?: boolean;
  /** Called after every run, for progress. */
  readonly onRun?: (run: ExploredRun) => void;
  /** Polled between runs: return true to stop (a wall-time budget lives outside the simulation). */
  readonly shouldStop?: () => boolean;
}

/** One explored boot. */
export interface ExploredRun {
  /** Run index (random: the sample index; exhaustive: the DFS order). */
  readonly index: number;
  /** The verdict. */
  readonly verdict: RunVerdict;
  /** Exhaustive mode: the run only repeated orders already covered (its verdict is not counted). */
  readonly redundant: boolean;
}

/** What an exploration found. */
export interface ExploreResult {
  /** The mode that ran. */
  readonly mode: 'exhaustive' | 'random';
  /** Boots run. */
  readonly runs: number;
  /** Exhaustive mode: boots cut short by the reduction as redundant. */
  readonly redundant: number;
  /** Exhaustive mode: every ordering within the bounds was covered. */
  readonly complete: boolean;
  /** Failing runs seen. */
  readonly failures: number;
  /** Distinct traces seen (counted by {@link RunVerdict.scheduleHash}). */
  readonly distinctTraces: number;
  /** The failing run with the lowest index, or null. */
  readonly failure: ExploredRun | null;
}

/** The seed of random run `index` under base seed `seed` (a stateless mix, so any shard computes it alone). */
export function runSeed(seed: number, index: number): number {
  return (mulberry32((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0)() * 4294967296) >>> 0;
}

/**
 * A seeded random ordering: every choice point of an allowed kind gets a
 * uniform option; the others get 0. Run 0 of any seed is the default boot.
 */
export class SampleStrategy extends ScheduleStrategy {
  readonly #next: (() => number) | null;
  // Every kind is varied unless `kinds` says otherwise: the common case asks no question per choice.
  readonly #kinds: ReadonlySet<ChoiceKind> | null;
  readonly #labels: boolean;

  /**
   * Creates the strategy of random run `index` under base seed `seed`. Its boots record no
   * option labels unless `labels` is true: a sampled run is judged by its failures and trace
   * hash, and {@link explore} boots the failure it keeps once more, with labels, to report it.
   */
  constructor(seed: number, index: number, kinds: readonly ChoiceKind[] = REAL_CHOICE_KINDS, labels = false) {
    super();
    this.#next = index === 0 ? null : mulberry32(runSeed(seed, index));
    this.#kinds = REAL_CHOICE_KINDS.every((k) => kinds.includes(k)) ? null : new Set(kinds);
    this.#labels = labels;
  }

  override get labels(): boolean {
    return this.#labels;
  }

  choose(point: ChoicePoint): number {
    if (this.#next === null || (this.#kinds !== null && !this.#kinds.has(point.kind))) return 0;
    return Math.floor(this.#next() * point.count);
  }
}

/**
 * Runs `target` under many orderings and reports the lowest-index failure,
 * synchronously. For long explorations prefer {@link exploreAsync}: see there.
 */
export function explore(target: ExploreTarget, options: ExploreOptions = {}): ExploreResult {
  const steps = exploreSteps(target, options);
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/** Options of {@link exploreAsync}. */
export interface ExploreAsyncOptions extends ExploreOptions {
  /** Return to the event loop after this many boots (default 256). */
  readonly yieldEvery?: number;
}

/**
 * {@link explore}, returning to the event loop every `yieldEvery` boots: the
 * same runs, verdicts and result. A boot that builds an inversify container
 * leaves objects that the container's WeakRefs keep alive until the current
 * job ends (WeakRef semantics), so one synchronous exploration of a scenario
 * holds every boot's kernel until it returns; yielding lets them go. It also
 * lets timers (`--time`) and a progress bar run.
 */
export async function exploreAsync(target: ExploreTarget, options: ExploreAsyncOptions = {}): Promise<ExploreResult> {
  const every = Math.max(1, options.yieldEvery ?? 256);
  const steps = exploreSteps(target, options);
  for (let n = 1; ; n++) {
    const r = steps.next();
    if (r.done === true) return r.value;
    if (n % every === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

// The exploration as a generator that pauses after every boot.
function exploreSteps(target: ExploreTarget, options: ExploreOptions): Generator<void, ExploreResult, void> {
  return (options.mode ?? 'random') === 'exhaustive' ? exhaustive(target, options) : sample(target, options);
}

class Tally {
  runs = 0;
  redundant = 0;
  failures = 0;
  readonly hashes = new HashSet64();
  failure: ExploredRun | null = null;

  constructor(readonly target: ExploreTarget, readonly options: ExploreOptions) {}

  // Judges one run; true when the exploration should stop. The failure kept (the lowest
  // index) is reported with option labels: a run whose boot made none (`labelled` false)
  // takes its replay's, so only that one run is booted again for them.
  record(index: number, verdict0: RunVerdict, redundant: boolean, labelled = true): boolean {
    let verdict = verdict0;
    this.runs++;
    const o = this.options;
    const det = o.determinism ?? 'first';
    // The run's choices booted again, at most once for both uses below.
    let again: RunVerdict | null = null;
    const replay = (): RunVerdict => (again ??= runSchedule(this.target, scheduleOf(verdict0.chosen), o.invariants));
    if (det === 'every' || (det === 'first' && (this.runs === 1 || verdict.failures.length > 0))) {
      const d = determinismFailure(verdict, replay());
      if (d !== null) verdict = amendVerdict(verdict, { failures: [...verdict.failures, d] });
    }
    const run: ExploredRun = { index, verdict, redundant };
    o.onRun?.(run);
    if (redundant) {
      this.redundant++;
      return false;
    }
    this.hashes.add(verdict.scheduleHash);
    if (verdict.failures.length === 0) return false;
    this.failures++;
    if (this.failure === null || index < this.failure.index) {
      if (!labelled) {
        // The same trace made the same choices: the replay's decisions are the run's, labelled.
        const labelledRun = replay();
        if (labelledRun.hash === verdict.hash) verdict = amendVerdict(verdict, { decisions: labelledRun.decisions });
      }
      this.failure = { index, verdict, redundant };
    }
    return o.stopAtFirst ?? true;
  }

  result(mode: 'exhaustive' | 'random', complete: boolean): ExploreResult {
    return { mode, runs: this.runs, redundant: this.redundant, complete, failures: this.failures, distinctTraces: this.hashes.size, failure: this.failure };
  }
}

function* sample(target: ExploreTarget, o: ExploreOptions): Generator<void, ExploreResult, void> {
  const tally = new Tally(target, o);
  const budget = o.runs ?? 1000;
  const first = o.firstIndex ?? 0;
  const seed = o.seed ?? 1;
  for (let i = first; i < first + budget; i++) {
    if (o.shouldStop?.() === true) return tally.result('random', false);
    if (tally.record(i, runOnce(target, new SampleStrategy(seed, i, o.kinds), o.invariants), false, false)) break;
    yield;
  }
  return tally.result('random', false);
}

/** One choice point on the current DFS path. */
interface DfsNode {
  readonly kind: ChoiceKind;
  readonly labels: readonly string[];
  chosen: number;
  /** Not varied (kind not allowed, or the deviation bound reached). */
  readonly fixed: boolean;
  readonly tried: Set<number>;
  /** Sleep set on entry: threads whose next step is covered elsewhere, with their footprints. */
  readonly sleep: ReadonlyMap<string, Footprint>;
  /** Thread options fully explored at this node, with their footprints. */
  readonly done: Map<string, Footprint>;
  /** Non-default choices on the path before this node. */
  readonly deviationsBefore: number;
  footprint: Footprint;
}

/**
 * The strategy of one DFS run: replays the path prefix, then extends it with
 * the first option not asleep. With reduction it learns each step's footprint
 * from the trace, to carry sleep sets down the path.
 */
class DfsStrategy extends ScheduleStrategy {
  #i = 0;
  collector: FootprintCollector | null = null;
  redundant = false;

  constructor(readonly path: DfsNode[], readonly prefix: number, readonly kinds: ReadonlySet<ChoiceKind>, readonly maxDeviations: number, readonly reduction: boolean) {
    super();
  }

  choose(point: ChoicePoint): number {
    const i = this.#i++;
    const prev = i > 0 ? this.path[i - 1]! : null;
    if (prev !== null) prev.footprint = this.collector?.take() ?? EVERYTHING;
    if (i < this.prefix) {
      const node = this.path[i]!;
      if (node.labels.length !== point.options.length || node.labels.some((l, j) => l !== point.options[j])) {
        throw new ExploreError('target', `choice point ${i}`, `the options of the earlier boot (${node.labels.join(', ')})`, `got ${point.options.join(', ')}: the target is not deterministic`);
      }
      return node.chosen;
    }
    const sleep = new Map<string, Footprint>();
    if (prev !== null && this.reduction) {
      for (const [l, f] of prev.sleep) if (independent(f, prev.footprint)) sleep.set(l, f);
      for (const [l, f] of prev.done) if (independent(f, prev.footprint)) sleep.set(l, f);
    }
    const deviationsBefore = prev === null ? 0 : prev.deviationsBefore + (prev.chosen > 0 ? 1 : 0);
    // Below a redundant point every ordering is covered elsewhere: no branching.
    const fixed = this.redundant || !this.kinds.has(point.kind) || deviationsBefore >= this.maxDeviations;
    let chosen = 0;
    if (!fixed && point.kind === 'thread' && sleep.size > 0) {
      const awake = point.options.findIndex((l) => !sleep.has(l));
      if (awake < 0) this.redundant = true;
      else if (awake === 0 || deviationsBefore + 1 <= this.maxDeviations) chosen = awake;
      else this.redundant = true;
    }
    this.path.push({
      kind: point.kind, labels: point.options, chosen, fixed, tried: new Set([chosen]), sleep, done: new Map(), deviationsBefore, footprint: EVERYTHING,
    });
    return chosen;
  }

  finish(): void {
    const last = this.path[this.#i - 1];
    if (last !== undefined) last.footprint = this.collector?.take() ?? EVERYTHING;
    this.path.length = this.#i;
  }
}

// The next path to run: the deepest node with an option not tried, not done and not asleep.
function backtrack(path: DfsNode[], maxDeviations: number): number | null {
  for (let d = path.length - 1; d >= 0; d--) {
    const node = path[d]!;
    if (node.fixed) continue;
    if (node.kind === 'thread') node.done.set(node.labels[node.chosen]!, node.footprint);
    for (let j = 0; j < node.labels.length; j++) {
      if (node.tried.has(j)) continue;
      if (j > 0 && node.deviationsBefore + 1 > maxDeviations) continue;
      if (node.kind === 'thread' && (node.sleep.has(node.labels[j]!) || node.done.has(node.labels[j]!))) continue;
      node.tried.add(j);
      node.chosen = j;
      path.length = d + 1;
      return d + 1;
    }
  }
  return null;
}

function* exhaustive(target: ExploreTarget, o: ExploreOptions): Generator<void, ExploreResult, void> {
  const tally = new Tally(target, o);
  const budget = o.runs ?? 1000;
  const kinds = new Set(o.kinds ?? REAL_CHOICE_KINDS);
  const maxDeviations = o.maxDeviations ?? Infinity;
  const reduction = o.reduction ?? true;
  const path: DfsNode[] = [];
  let prefix = 0;
  for (let index = 0; index < budget; index++) {
    if (o.shouldStop?.() === true) return tally.result('exhaustive', false);
    const s = new DfsStrategy(path, prefix, kinds, maxDeviations, reduction);
    const verdict = runOnce(target, s, o.invariants, reduction ? { observe: (k) => { s.collector = new FootprintCollector(k); } } : {});
    s.finish();
    if (tally.record(index, verdict, s.redundant)) return tally.result('exhaustive', false);
    const next = backtrack(path, maxDeviations);
    if (next === null) return tally.result('exhaustive', true);
    prefix = next;
    yield;
  }
  return tally.result('exhaustive', false);
}
