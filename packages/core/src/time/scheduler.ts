import { KernelOops } from '../oops.js';
import type { VirtualClock } from './clock.js';
import type { ChoiceKind, ChoicePoint, ScheduleStrategy } from './strategy.js';

/** The kernel execution contexts kdsim models. */
export type ThreadKind = 'init' | 'deferred' | 'async' | 'userspace' | 'timer';

/** A thread blocks until `until()` holds (wait_event(), flush_work()). */
export interface WaitFor {
  /** The condition to wait for. */
  readonly until: () => boolean;
  /** What is waited for, for diagnostics. */
  readonly what: string;
}

/** A thread sleeps until virtual time `at` (msleep(), a timer). */
export interface SleepUntil {
  /** Wake-up time (ns). */
  readonly at: number;
}

/**
 * What a thread body yields: nothing (a preemption point: let another ready
 * thread run), a wait, or a sleep.
 */
export type Yield = undefined | WaitFor | SleepUntil;

/** A thread body: a generator that runs until its next yield. */
export type ThreadBody = Generator<Yield, void, void>;

// The labels of a choice whose strategy asked for none.
const NO_LABELS: readonly string[] = Object.freeze([]);

// A thread body's exception: an oops ends the thread; anything else is a bug of the simulation.
function killedBy(e: unknown): void {
  if (!(e instanceof KernelOops)) throw e;
}

// The body of every one-step thread: never resumed (the scheduler runs the job instead).
const JOB_BODY: ThreadBody = (function* (): ThreadBody {})();

/** Something with a name (a device): a thread's label may end with it. */
export interface Named {
  /** The name. */
  readonly name: string;
}

/** One simulated execution context. */
export class SimThread {
  /** Time at which the thread can run next (ns). */
  readyAt: number;
  /** The condition it waits for, if blocked. */
  waitFor: WaitFor | null = null;
  /** True when the body has returned. */
  done = false;
  /** A one-step thread's job (see {@link Scheduler.spawnJob}), run on its subject instead of the body. @internal */
  job: ((subject: Named) => void) | null = null;

  readonly #prefix: string;

  /** @internal */
  constructor(
    readonly id: number,
    prefix: string,
    /** What the thread works on (a device), named at the end of its name; null for none. */
    readonly subject: Named | null,
    readonly kind: ThreadKind,
    readonly body: ThreadBody,
    at: number,
    readonly daemon: boolean,
  ) {
    this.readyAt = at;
    this.#prefix = prefix;
  }

  /** The thread's name (`init`, `async:<device>`); made when asked, since most are never shown. */
  get name(): string {
    return this.subject === null ? this.#prefix : this.#prefix + this.subject.name;
  }
}

/** A choice the strategy made, kept so a run can be replayed. */
export interface Decision extends ChoicePoint {
  /** The index chosen. */
  readonly chosen: number;
}

/** How a run of the scheduler ended. */
export interface RunResult {
  /**
   * `idle`: nothing left to do; `stuck`: threads wait for something that can never happen;
   * `limit`: the step cap was hit; `panic`: the kernel panicked (see {@link Scheduler.panic}).
   */
  readonly end: 'idle' | 'stuck' | 'limit' | 'panic';
  /** The threads still blocked at the end, with what they wait for. */
  readonly blocked: readonly { readonly thread: string; readonly what: string }[];
}

// Orders ready threads by ready time, then spawn order. They arrive in spawn
// order (the thread list keeps it), so a stable insertion sort on the ready time
// suffices, and most steps find them already sorted.
function sortReady(ready: SimThread[], n: number): void {
  for (let i = 1; i < n; i++) {
    const t = ready[i]!;
    let j = i - 1;
    if (ready[j]!.readyAt <= t.readyAt) continue;
    while (j >= 0 && ready[j]!.readyAt > t.readyAt) {
      ready[j + 1] = ready[j]!;
      j--;
    }
    ready[j + 1] = t;
  }
}

// The order of the options at a step: ready time, then spawn order.
function runsBefore(x: SimThread, y: SimThread): boolean {
  return x.readyAt < y.readyAt || (x.readyAt === y.readyAt && x.id < y.id);
}

// Merges two lists each ordered by ready time, then spawn order, into `out`.
function mergeReady(a: SimThread[], na: number, b: SimThread[], nb: number, out: SimThread[]): SimThread[] {
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < na && j < nb) {
    const x = a[i]!;
    const y = b[j]!;
    if (runsBefore(x, y)) {
      out[k++] = x;
      i++;
    } else {
      out[k++] = y;
      j++;
    }
  }
  while (i < na) out[k++] = a[i++]!;
  while (j < nb) out[k++] = b[j++]!;
  return out;
}

/**
 * A discrete-event scheduler on the virtual clock. Threads are generators;
 * each step runs one thread from one yield to the next, and the code it runs
 * advances the clock by what its work costs. When several threads are ready,
 * the {@link ScheduleStrategy} picks one: that is the only source of
 * nondeterminism in a boot, and it is seeded.
 */
export class Scheduler {
  // Live threads in spawn order are #threads[0 .. #live); the slots after them are stale
  // (shrinking the array on every finished thread costs more than keeping them).
  readonly #threads: SimThread[] = [];
  #live = 0;
  // One-step threads (spawnJob()) are kept apart, in spawn order: they are ready from the
  // moment they are spawned and never wait, so a step need not scan them to find that out.
  // #jobs[0 .. #jobCount) are the ones not yet run.
  readonly #jobs: SimThread[] = [];
  #jobCount = 0;
  readonly #decisions: Decision[] = [];
  #nextId = 0;
  #current: SimThread | null = null;
  #steps = 0;
  #panicked = false;

  /** Creates a scheduler driving `clock` with `strategy`. */
  constructor(
    readonly clock: VirtualClock,
    public strategy: ScheduleStrategy,
    readonly maxSteps = 50_000_000,
  ) {}

  /** Jobs ({@link spawnJob}) not finished: waiting to run, or running now. */
  get unfinishedJobs(): number {
    return this.#jobCount + (this.#current !== null && this.#current.job !== null ? 1 : 0);
  }

  /** The thread running now, or null outside a step. */
  get current(): SimThread | null {
    return this.#current;
  }

  /** Every choice made so far, in order. */
  get decisions(): readonly Decision[] {
    return this.#decisions;
  }

  /** Steps run so far. */
  get steps(): number {
    return this.#steps;
  }

  /**
   * Starts a thread that first runs at `at` (default now), or once `waitFor`
   * holds. Daemons may wait forever without the run counting as stuck. A thread
   * that starts by waiting should say so here rather than in its first step, so
   * that its start is not a choice point.
   */
  spawn(name: string, kind: ThreadKind, body: ThreadBody, options: { at?: number; daemon?: boolean; waitFor?: WaitFor } = {}): SimThread {
    const t = new SimThread(this.#nextId++, name, null, kind, body, options.at ?? this.clock.now, options.daemon ?? false);
    if (options.waitFor !== undefined) t.waitFor = options.waitFor;
    this.#threads[this.#live++] = t;
    return t;
  }

  /**
   * Starts a thread that runs `job(subject)` to completion in its one step, first
   * at the current time (an async work item). It behaves as a body that never
   * yields, without a generator per thread. Its name is `prefix` followed by
   * `subject`'s name. A job takes its subject as an argument so that callers can
   * pass one function for all their jobs instead of a closure per job.
   */
  spawnJob<T extends Named>(prefix: string, subject: T, kind: ThreadKind, job: (subject: T) => void): SimThread {
    const t = new SimThread(this.#nextId++, prefix, subject, kind, JOB_BODY, this.clock.now, false);
    t.job = job as (subject: Named) => void;
    this.#jobs[this.#jobCount++] = t;
    return t;
  }

  /**
   * Asks the strategy to pick one of `options` (index 0 is the default) and
   * records the decision, so every timing-dependent choice of a boot, whoever
   * makes it, is in one replayable list. A single option is no choice.
   */
  choose(kind: ChoiceKind, options: readonly string[]): number {
    if (options.length < 2) return 0;
    return this.#decide(kind, options.length, this.strategy.labels ? options : NO_LABELS);
  }

  /**
   * {@link choose} among the first `count` of `items` (threads, initcalls), labelled by
   * their names: the labels are made only if the strategy asks for them, since a choice
   * is made at nearly every step of a boot.
   */
  chooseNamed(kind: ChoiceKind, items: readonly Named[], count: number): number {
    if (count < 2) return 0;
    let labels = NO_LABELS;
    if (this.strategy.labels) {
      const names = new Array<string>(count);
      for (let i = 0; i < count; i++) names[i] = items[i]!.name;
      labels = names;
    }
    return this.#decide(kind, count, labels);
  }

  #decide(kind: ChoiceKind, count: number, options: readonly string[]): number {
    // The strategy is shown the decision it is making (one object per choice, not two).
    const d: { kind: ChoiceKind; time: number; count: number; options: readonly string[]; chosen: number } = { kind, time: this.clock.now, count, options, chosen: 0 };
    const raw = this.strategy.choose(d);
    d.chosen = raw >= 0 && raw < count ? raw | 0 : 0;
    this.#decisions.push(d);
    return d.chosen;
  }

  /**
   * The thread other than the current one that will run next if nothing else
   * happens: not blocked (or its condition already holds), earliest ready time,
   * then spawn order. Null if none.
   */
  nextEvent(): SimThread | null {
    let best: SimThread | null = null;
    for (let i = 0; i < this.#live; i++) {
      const t = this.#threads[i]!;
      if (t === this.#current || t.done) continue;
      if (t.waitFor !== null && !t.waitFor.until()) continue;
      if (best === null || t.readyAt < best.readyAt) best = t;
    }
    // The earliest pending job (the first: they are in spawn order) against the best thread.
    const j = this.#jobCount > 0 ? this.#jobs[0]! : null;
    if (j !== null && (best === null || j.readyAt < best.readyAt || (j.readyAt === best.readyAt && j.id < best.id))) best = j;
    return best;
  }

  /** True if a thread other than the current one could run now: a running loop should yield. */
  contended(): boolean {
    // A pending job is ready (the running one has left the list).
    if (this.#jobCount > 0) return true;
    const now = this.clock.now;
    for (let i = 0; i < this.#live; i++) {
      const t = this.#threads[i]!;
      if (t === this.#current || t.done || t.readyAt > now) continue;
      if (t.waitFor === null || t.waitFor.until()) return true;
    }
    return false;
  }

  /** panic(): nothing runs any more; run() ends with `panic`. */
  panic(): void {
    this.#panicked = true;
  }

  /** Runs threads until nothing is left to do, or until virtual time `until` if given. */
  run(until = Infinity): RunResult {
    const threads = this.#threads;
    const jobs = this.#jobs;
    const ready = this.#readyScratch;
    for (;;) {
      if (this.#panicked) return { end: 'panic', blocked: [] };
      if (this.#steps >= this.maxSteps) return { end: 'limit', blocked: this.#blocked() };
      // One pass wakes the threads whose condition holds, finds the earliest ready
      // time and collects the threads ready at the current time.
      const now0 = this.clock.now;
      let earliest = Infinity;
      let n = 0;
      let live = 0;
      const count = this.#live;
      for (let i = 0; i < count; i++) {
        const t = threads[i]!;
        if (t.done) continue;
        // Finished threads are dropped on the way (the list keeps spawn order);
        // nothing is written until the first one is seen.
        if (live !== i) threads[live] = t;
        live++;
        if (t.waitFor !== null) {
          if (!t.waitFor.until()) continue;
          t.waitFor = null;
          if (t.readyAt < now0) t.readyAt = now0;
        }
        const at = t.readyAt;
        if (at < earliest) earliest = at;
        if (at <= now0) ready[n++] = t;
      }
      this.#live = live;
      // Pending jobs were spawned at or before now, the first one earliest.
      const nj = this.#jobCount;
      if (nj > 0 && jobs[0]!.readyAt < earliest) earliest = jobs[0]!.readyAt;
      if (earliest === Infinity) {
        const blocked = this.#blocked();
        return { end: blocked.length > 0 ? 'stuck' : 'idle', blocked };
      }
      if (earliest > until) return { end: 'idle', blocked: [] };
      // Nothing ready now: time moves to the earliest wake-up, and the threads due then are ready.
      if (n === 0 && nj === 0) {
        this.clock.advanceTo(earliest);
        for (let i = 0; i < live; i++) {
          const t = threads[i]!;
          if (t.waitFor === null && t.readyAt === earliest) ready[n++] = t;
        }
      } else if (n > 1) {
        sortReady(ready, n);
      }
      // The options: ready threads and pending jobs by ready time, then spawn order.
      let pick: SimThread;
      if (nj === 0) pick = ready[n > 1 ? this.chooseNamed('thread', ready, n) : 0]!;
      else if (n === 0) pick = this.#takeJob(nj > 1 ? this.chooseNamed('thread', jobs, nj) : 0);
      else if (this.strategy.labels) {
        // The strategy is shown every option's name, in order.
        const options = mergeReady(ready, n, jobs, nj, this.#mergeScratch);
        pick = options[this.chooseNamed('thread', options, n + nj)]!;
        if (pick.job !== null) this.#takeJob(jobs.indexOf(pick));
      } else {
        // Only the chosen option is needed: count to it through the two ordered lists.
        const chosen = this.#decide('thread', n + nj, NO_LABELS);
        let i = 0;
        let j = 0;
        for (let c = 0; c < chosen; c++) {
          if (j === nj || (i < n && runsBefore(ready[i]!, jobs[j]!))) i++;
          else j++;
        }
        pick = j === nj || (i < n && runsBefore(ready[i]!, jobs[j]!)) ? ready[i]! : this.#takeJob(j);
      }
      this.#step(pick);
    }
  }

  // A job leaves the pending list when it is picked (it never runs twice).
  #takeJob(i: number): SimThread {
    const jobs = this.#jobs;
    const t = jobs[i]!;
    const last = this.#jobCount - 1;
    for (; i < last; i++) jobs[i] = jobs[i + 1]!;
    this.#jobCount = last;
    return t;
  }

  // Reused by run(): the ready threads merged with the pending jobs, for a strategy shown labels.
  readonly #mergeScratch: SimThread[] = [];

  // Reused by run(): the threads ready at one step.
  readonly #readyScratch: SimThread[] = [];

  #step(t: SimThread): void {
    this.#steps++;
    this.#current = t;
    const job = t.job;
    if (job !== null) {
      try {
        job(t.subject!);
      } catch (e) {
        killedBy(e);
      } finally {
        this.#current = null;
      }
      t.done = true;
      return;
    }
    let r: IteratorResult<Yield, void>;
    try {
      r = t.body.next();
    } catch (e) {
      // A thread that oopsed is gone (die() ends the task): it never runs again.
      killedBy(e);
      t.done = true;
      return;
    } finally {
      this.#current = null;
    }
    if (r.done === true) {
      // run() drops it from the thread list at its next pass.
      t.done = true;
      return;
    }
    const y = r.value;
    if (y === undefined) t.readyAt = this.clock.now;
    else if ('at' in y) t.readyAt = Math.max(y.at, this.clock.now);
    else {
      t.readyAt = this.clock.now;
      t.waitFor = y;
    }
  }

  // Jobs never wait, so only the other threads can be blocked.
  #blocked(): { thread: string; what: string }[] {
    return this.#threads
      .slice(0, this.#live)
      .filter((t) => !t.done && !t.daemon && t.waitFor !== null)
      .map((t) => ({ thread: t.name, what: t.waitFor!.what }));
  }
}
