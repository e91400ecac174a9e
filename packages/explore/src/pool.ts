import { availableParallelism } from 'node:os';
import Tinypool from 'tinypool';
import type { ChoiceKind } from '@kdsim/core';
import { ExploreError } from './errors.js';
import type { InvariantOptions } from './invariants.js';
import { mergeChunks, type ChunkResult, type ChunkTask, type TargetSpec } from './pool-task.js';
import { REAL_CHOICE_KINDS } from './search.js';

/** Options of {@link exploreParallel}. */
export interface ParallelOptions {
  /** Base seed (default 1). */
  readonly seed?: number;
  /** First run index (default 0) and number of runs (default 1000): the range `[first, first + runs)`. */
  readonly first?: number;
  /** Number of runs. */
  readonly runs?: number;
  /** Worker threads (default: available parallelism). */
  readonly workers?: number;
  /** Runs per task (default 256: enough to amortise messaging, small enough to stop soon after a failure). */
  readonly chunk?: number;
  /** Stop once the lowest failing index is known (default true). */
  readonly stopAtFirst?: boolean;
  /** Choice kinds to vary. */
  readonly kinds?: readonly ChoiceKind[];
  /** Invariants. */
  readonly invariants?: InvariantOptions;
  /** Called as each range completes (progress). */
  readonly onChunk?: (done: ChunkResult) => void;
  /** Aborts the search (a wall-time budget): ranges not finished are dropped. */
  readonly signal?: AbortSignal;
}

/**
 * Seeded random exploration on worker threads (tinypool). The run range is cut
 * into fixed chunks in index order; a chunk is skipped or cancelled only when
 * it starts after a failure already found, so the failure reported is the
 * lowest failing index — the same for any worker count.
 */
export async function exploreParallel(target: TargetSpec, options: ParallelOptions = {}): Promise<ChunkResult> {
  const first = options.first ?? 0;
  const runs = options.runs ?? 1000;
  const chunk = Math.max(1, options.chunk ?? 256);
  const stopAtFirst = options.stopAtFirst ?? true;
  const workers = Math.max(1, options.workers ?? availableParallelism());
  // Workers run the build with no inherited flags (a test runner's source-resolution conditions would not apply there).
  const pool = new Tinypool({ filename: new URL('./worker.js', import.meta.url).href, minThreads: workers, maxThreads: workers, execArgv: [] });
  let lowest = Infinity;
  const controllers: { from: number; ac: AbortController }[] = [];
  const done: ChunkResult[] = [];
  // One listener on the caller's signal for all chunks (one per chunk trips Node's listener-leak warning).
  const abortAll = (): void => {
    for (const c of controllers) c.ac.abort();
  };
  options.signal?.addEventListener('abort', abortAll, { once: true });
  try {
    const jobs: Promise<void>[] = [];
    for (let from = first; from < first + runs; from += chunk) {
      const to = Math.min(from + chunk, first + runs);
      const task: ChunkTask = {
        target, seed: options.seed ?? 1, from, to, stopAtFirst, kinds: options.kinds ?? REAL_CHOICE_KINDS,
        ...(options.invariants !== undefined ? { invariants: options.invariants } : {}),
      };
      const ac = new AbortController();
      controllers.push({ from, ac });
      if (options.signal?.aborted === true) ac.abort();
      jobs.push(pool.run(task, { signal: ac.signal }).then((r: ChunkResult) => {
        done.push(r);
        options.onChunk?.(r);
        if (stopAtFirst && r.failure !== null && r.failure.index < lowest) {
          lowest = r.failure.index;
          for (const c of controllers) if (c.from > lowest) c.ac.abort();
        }
      }, (e: unknown) => {
        if (ac.signal.aborted) return;
        throw e instanceof Error ? e : new ExploreError('target', 'worker', 'a chunk result', String(e));
      }));
    }
    await Promise.all(jobs);
  } finally {
    options.signal?.removeEventListener('abort', abortAll);
    await pool.destroy();
  }
  return mergeChunks(done);
}
