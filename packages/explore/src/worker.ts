// A pool worker: builds the target named by a TargetSpec once, then runs
// ranges of random-run indices and returns the lowest failing one.
import { resolveTarget, type ChunkTask, type ChunkResult } from './pool-task.js';
import { explore } from './search.js';
import type { ExploreTarget } from './target.js';

const targets = new Map<string, Promise<ExploreTarget>>();

/** Runs one chunk of random runs. */
export default async function runChunk(task: ChunkTask): Promise<ChunkResult> {
  const key = JSON.stringify(task.target);
  let t = targets.get(key);
  if (t === undefined) {
    t = resolveTarget(task.target);
    targets.set(key, t);
  }
  const target = await t;
  const r = explore(target, {
    mode: 'random', seed: task.seed, firstIndex: task.from, runs: task.to - task.from, stopAtFirst: task.stopAtFirst, kinds: task.kinds,
    ...(task.invariants !== undefined ? { invariants: task.invariants } : {}), determinism: 'off',
  });
  return {
    from: task.from, to: task.to, runs: r.runs, failures: r.failures,
    failure: r.failure === null ? null : { index: r.failure.index, chosen: [...r.failure.verdict.chosen], failures: [...r.failure.verdict.failures], hash: r.failure.verdict.hash },
  };
}
