import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mergeChunks, type ChunkResult } from './pool-task.js';
import { explore } from './search.js';
import { xenGrantDmaStandIn } from './examples.js';
import type * as Explore from './index.js';

// Worker threads run compiled JavaScript: the pool is exercised on the build (tsc -b).
const dist = new URL('../dist/index.js', import.meta.url);
const built = existsSync(dist);

describe('merging range results', () => {
  it('keeps the lowest failing index whatever the order the parts arrive in', () => {
    const part = (from: number, fail: number | null): ChunkResult => ({
      from, to: from + 10, runs: 10, failures: fail === null ? 0 : 1, failure: fail === null ? null : { index: fail, chosen: [], failures: ['x'], hash: '' },
    });
    const parts = [part(20, 25), part(0, null), part(10, 17)];
    expect(mergeChunks(parts)).toMatchObject({ from: 0, to: 30, runs: 30, failures: 2, failure: { index: 17 } });
    expect(mergeChunks([...parts].reverse()).failure?.index).toBe(17);
  });
});

describe.skipIf(!built)('worker pool (on the build)', () => {
  it('finds the same lowest failing run with 1 and 2 workers as a single-thread search', async () => {
    const mod = await import(dist.href) as typeof Explore;
    const spec = { module: dist.href, export: 'xenGrantDmaStandIn', args: [{}] };
    const single = explore(xenGrantDmaStandIn(), { seed: 3, runs: 200 });
    for (const workers of [1, 2]) {
      const r = await mod.exploreParallel(spec, { seed: 3, runs: 200, workers, chunk: 7 });
      expect(r.failure?.index).toBe(single.failure?.index);
      expect(r.failure?.chosen).toEqual(single.failure?.verdict.chosen);
    }
  }, 30_000);

  it('listens once on the caller\'s abort signal, however many chunks, and an aborted search drops its chunks', async () => {
    const mod = await import(dist.href) as typeof Explore;
    const spec = { module: dist.href, export: 'xenGrantDmaStandIn', args: [{}] };
    const warnings: string[] = [];
    const onWarning = (w: Error): void => { warnings.push(w.name); };
    process.on('warning', onWarning);
    try {
      const ac = new AbortController();
      const r = await mod.exploreParallel(spec, { seed: 3, runs: 60, workers: 1, chunk: 3, stopAtFirst: false, signal: ac.signal });
      expect(r.runs).toBe(60);
      const aborted = new AbortController();
      aborted.abort();
      const none = await mod.exploreParallel(spec, { seed: 3, runs: 60, workers: 1, chunk: 3, signal: aborted.signal });
      expect(none.runs).toBe(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  }, 30_000);
});
