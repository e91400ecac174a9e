// Explorer benchmark: orderings per second on a 40-device async fleet, with 1
// and 2 worker threads, and the time to find and shrink the documented
// Xen grant-DMA example (docs/explore.md).
import { performance } from 'node:perf_hooks';
import { asyncFleet, explore, exploreParallel, scenarioFileTarget, shrink } from '../packages/explore/dist/index.js';

const FLEET = { devices: 40, groupSize: 8 };

export async function exploreBench() {
  const t = asyncFleet(FLEET);
  const runs = 400;
  let t0 = performance.now();
  const r = explore(t, { runs, determinism: 'off', stopAtFirst: false });
  const single = r.runs / ((performance.now() - t0) / 1000);
  if (r.failures !== 0) throw new Error('async fleet: an ordering failed');
  const spec = { module: new URL('../packages/explore/dist/index.js', import.meta.url).href, export: 'asyncFleet', args: [FLEET] };
  const rates = {};
  for (const workers of [1, 2]) {
    t0 = performance.now();
    const p = await exploreParallel(spec, { runs: 2 * runs, workers, chunk: 50, stopAtFirst: false });
    rates[workers] = p.runs / ((performance.now() - t0) / 1000);
  }
  const xen = scenarioFileTarget(new URL('../docs/examples/xen-grant-dma.yaml', import.meta.url).pathname);
  t0 = performance.now();
  const found = explore(xen, { runs: 1000 });
  if (found.failure === null) throw new Error('xen example: no failure found');
  const s = shrink(xen, found.failure.verdict);
  const shrinkMs = performance.now() - t0;
  return {
    explore_fleet40_runs_per_s: { value: Math.round(single), unit: 'orderings/s (1 core, in-thread)' },
    explore_pool1_runs_per_s: { value: Math.round(rates[1]), unit: 'orderings/s (1 worker)' },
    explore_pool2_runs_per_s: { value: Math.round(rates[2]), unit: 'orderings/s (2 workers)' },
    explore_xen_find_shrink_ms: { value: Math.round(shrinkMs), unit: `ms (${s.schedule.choices.length} choice left)` },
  };
}
