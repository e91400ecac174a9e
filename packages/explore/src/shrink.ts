import type { InvariantOptions } from './invariants.js';
import { scheduleOf, type Schedule } from './schedule.js';
import type { ExploreTarget } from './target.js';
import { runSchedule, type RunVerdict } from './verdict.js';

/** How to shrink. */
export interface ShrinkOptions {
  /** Invariants the failure was found with. */
  readonly invariants?: InvariantOptions;
  /** Most boots to spend (default 2000). */
  readonly budget?: number;
}

/** A shrunk failing schedule. */
export interface ShrinkResult {
  /** The minimal schedule found: it still fails. */
  readonly schedule: Schedule;
  /** Its verdict. */
  readonly verdict: RunVerdict;
  /** The failure it keeps (a line the original failure also had). */
  readonly failure: string;
  /** Boots spent. */
  readonly boots: number;
}

// Fewer non-default choices first, then the earliest last deviation (shortest
// timeline of forced behaviour), then the smallest options.
function smaller(a: Schedule, b: Schedule): boolean {
  if (a.choices.length !== b.choices.length) return a.choices.length < b.choices.length;
  const la = a.choices.at(-1)?.[0] ?? -1;
  const lb = b.choices.at(-1)?.[0] ?? -1;
  if (la !== lb) return la < lb;
  return a.choices.reduce((s, c) => s + c[1], 0) < b.choices.reduce((s, c) => s + c[1], 0);
}

/**
 * Shrinks a failing run to a minimal schedule that still fails the same way
 * (one of its failure lines recurs): drop each non-default choice, then lower
 * each remaining option, and repeat until nothing changes. After each success
 * the schedule is re-read from the boot's own decisions, since a change can
 * shift the positions of later choice points.
 */
export function shrink(target: ExploreTarget, failing: RunVerdict, options: ShrinkOptions = {}): ShrinkResult {
  const budget = options.budget ?? 2000;
  const wanted = new Set(failing.failures);
  let boots = 0;
  let best = scheduleOf(failing.chosen);
  let bestVerdict = failing;
  let failure = failing.failures[0] ?? '';

  // Runs a candidate; adopts it if it keeps a wanted failure and is smaller.
  const attempt = (cand: Schedule): boolean => {
    if (boots >= budget) return false;
    boots++;
    const v = runSchedule(target, cand, options.invariants);
    const kept = v.failures.find((f) => wanted.has(f));
    if (kept === undefined) return false;
    // What the boot actually chose: positions past its last choice point drop out, options are clamped.
    const next = scheduleOf(v.chosen);
    if (!smaller(next, best)) return false;
    best = next;
    bestVerdict = v;
    failure = kept;
    return true;
  };

  for (let changed = true; changed && boots < budget;) {
    changed = false;
    // Drop whole tail halves first (cheap big steps), then single choices from the end.
    for (let keep = Math.floor(best.choices.length / 2); keep > 0 && keep < best.choices.length; keep = Math.floor(keep / 2)) {
      if (attempt({ choices: best.choices.slice(0, keep) })) changed = true;
      else break;
    }
    for (let i = best.choices.length - 1; i >= 0; i--) {
      if (i >= best.choices.length) continue;
      if (attempt({ choices: best.choices.filter((_, j) => j !== i) })) changed = true;
    }
    for (let i = 0; i < best.choices.length; i++) {
      const [pos, opt] = best.choices[i]!;
      for (let v = 1; v < opt; v++) {
        if (attempt({ choices: best.choices.map((c, j) => (j === i ? [pos, v] as const : c)) })) {
          changed = true;
          break;
        }
      }
    }
  }
  return { schedule: best, verdict: bestVerdict, failure, boots };
}
