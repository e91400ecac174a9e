/** Nanoseconds per unit, for readable durations (`2 * NSEC_PER_SEC`). */
export const NSEC_PER_USEC = 1_000;
/** Nanoseconds per millisecond. */
export const NSEC_PER_MSEC = 1_000_000;
/** Nanoseconds per second. */
export const NSEC_PER_SEC = 1_000_000_000;

/**
 * The virtual clock of one simulated boot, in nanoseconds since power-on.
 * Nothing in kdsim reads the wall clock: time moves only when simulated work
 * says it took time.
 */
export class VirtualClock {
  #now = 0;

  /** Current virtual time (ns). */
  get now(): number {
    return this.#now;
  }

  /** Moves time forward by `ns` (the cost of the work just done). */
  advance(ns: number): void {
    this.#now += ns;
  }

  /** Moves time forward to `t` if it is later than now. */
  advanceTo(t: number): void {
    if (t > this.#now) this.#now = t;
  }
}

/** Formats a virtual time as printk does: `    1.466751` (seconds, 5 wide, microseconds). */
export function formatTimestamp(ns: number): string {
  const us = Math.floor(ns / NSEC_PER_USEC);
  const secs = Math.floor(us / 1_000_000);
  const frac = String(us % 1_000_000).padStart(6, '0');
  return `${String(secs).padStart(5, ' ')}.${frac}`;
}
