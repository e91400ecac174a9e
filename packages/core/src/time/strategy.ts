/**
 * What a choice point decides. Every kind is something a real kernel leaves to
 * timing or to the build, and option 0 is always what kdsim does by default:
 * - `thread`: which of several ready execution contexts runs next (async probe
 *   completion order, deferred work against init or userspace, timers);
 * - `initcall`: which built-in initcall of one level runs next (link order
 *   within a level, i.e. driver registration order);
 * - `module-order`: which of a run of consecutive module loads lands next (udev
 *   coldplug loads modules in parallel, in no fixed order);
 * - `landing`: whether a userspace step lands now or after the next pending
 *   event of another context (userspace timing against deferred work and the
 *   deferred-probe timeout).
 */
export type ChoiceKind = 'thread' | 'initcall' | 'module-order' | 'landing';

/** A place where real timing would decide which of several ready threads runs next. */
export interface ChoicePoint {
  /** What is being decided. */
  readonly kind: ChoiceKind;
  /** Virtual time of the choice (ns). */
  readonly time: number;
  /** Number of options (at least 2); index 0 is the default. */
  readonly count: number;
  /**
   * Labels of the options, in the order the default strategy ranks them; empty when
   * the strategy deciding asks for none ({@link ScheduleStrategy.labels}).
   */
  readonly options: readonly string[];
}

/**
 * The one seeded, replaceable decision-maker of a kernel instance: every
 * choice that real timing makes (which async probe finishes first, whether a
 * module load lands before a deferred-probe work item) goes through it, so an
 * explorer can drive a boot down any ordering a real kernel could take.
 */
export abstract class ScheduleStrategy {
  /** Returns the index (below `point.count`) of the option to take. */
  abstract choose(point: ChoicePoint): number;

  /**
   * Whether choice points carry their options' labels. Labels are for people and for
   * strategies that tell options apart by name; a strategy that only draws an index
   * (an explorer's random sampling) says no, and a boot then makes no label per choice.
   */
  get labels(): boolean {
    return true;
  }
}

/** Always the first ready thread: earliest ready time, then spawn order. The default. */
export class InOrderStrategy extends ScheduleStrategy {
  choose(_point: ChoicePoint): number {
    return 0;
  }
}

/** mulberry32: a tiny seeded PRNG; the same seed gives the same sequence everywhere. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniformly random ready thread, from a seeded PRNG. */
export class SeededStrategy extends ScheduleStrategy {
  readonly #next: () => number;

  /** Creates a strategy whose choices depend only on `seed`. */
  constructor(readonly seed: number) {
    super();
    this.#next = mulberry32(seed);
  }

  choose(point: ChoicePoint): number {
    return Math.floor(this.#next() * point.count);
  }
}

/**
 * Replays an explicit list of choices (one index per choice point, in order),
 * then defers to `fallback` once the list is used up. Out-of-range entries are
 * clamped, so any list is a valid schedule.
 */
export class ReplayStrategy extends ScheduleStrategy {
  #at = 0;

  /** Creates a strategy that replays `choices`. */
  constructor(readonly choices: readonly number[], readonly fallback: ScheduleStrategy = new InOrderStrategy()) {
    super();
  }

  choose(point: ChoicePoint): number {
    const c = this.choices[this.#at++];
    if (c === undefined) return this.fallback.choose(point);
    return Math.min(Math.max(0, c), point.count - 1);
  }
}
