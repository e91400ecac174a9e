// Explorer benchmark: orderings per second on a 40-device async fleet, in-thread
// and through the worker pool with 1 and 2 workers, the time to find and shrink
// the documented Xen grant-DMA example (docs/explore.md), and a fingerprint of
// what many orderings did (klog, decisions, bind order), to show that a speed-up
// changed no boot.
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { asyncFleet, explore, exploreParallel, runOnce, SampleStrategy, scenarioFileTarget, shrink } from '../packages/explore/dist/index.js';

const FLEET = { devices: 40, groupSize: 8 };
const XEN = new URL('../docs/examples/xen-grant-dma.yaml', import.meta.url).pathname;

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** SHA-256 over `runs` seeded orderings of each target: every klog record, decision and bind. */
export function traceFingerprint(runs = 200) {
  const h = createHash('sha256');
  for (const target of [asyncFleet(FLEET), scenarioFileTarget(XEN)]) {
    for (let i = 0; i < runs; i++) {
      let k;
      const v = runOnce(target, new SampleStrategy(7, i), {}, { observe: (kk) => { k = kk; } });
      h.update(`${v.failures.join(';')}|${v.endTime}\n`);
      for (const r of k.klog.records()) h.update(`${r.seq} ${r.time} ${r.level} ${r.file ?? ''} ${r.text}\n`);
      for (const d of k.scheduler.decisions) h.update(`${d.kind} ${d.time} ${d.chosen} ${d.options.join(',')}\n`);
      h.update(`${k.bindOrder.map((d) => d.name).join(',')}\n${[...k.devicesKset].map((d) => d.name).join(',')}\n`);
    }
  }
  return h.digest('hex').slice(0, 16);
}

export async function exploreBench() {
  const t = asyncFleet(FLEET);
  explore(t, { runs: 500, determinism: 'off', stopAtFirst: false });
  const runs = 5000;
  let t0 = performance.now();
  const c0 = cpuSeconds();
  const r = explore(t, { runs, determinism: 'off', stopAtFirst: false });
  const cpu = cpuSeconds() - c0;
  const single = r.runs / ((performance.now() - t0) / 1000);
  if (r.failures !== 0) throw new Error('async fleet: an ordering failed');
  // The same again once the JIT has settled: functions that run once per boot
  // (the kernel's constructor, boot(), the scheduler loop) are optimised only
  // after 2 000–4 500 boots (node --trace-opt), inside the first measurement.
  const c1 = cpuSeconds();
  const r2 = explore(t, { runs, seed: 2, determinism: 'off', stopAtFirst: false });
  const steady = r2.runs / (cpuSeconds() - c1);
  const spec = { module: new URL('../packages/explore/dist/index.js', import.meta.url).href, export: 'asyncFleet', args: [FLEET] };
  const rates = {};
  const load = loadavg()[0];
  for (const workers of [1, 2]) {
    t0 = performance.now();
    const p = await exploreParallel(spec, { runs: 4 * runs, workers, chunk: 500, stopAtFirst: false });
    rates[workers] = p.runs / ((performance.now() - t0) / 1000);
  }
  const xen = scenarioFileTarget(XEN);
  t0 = performance.now();
  const found = explore(xen, { runs: 1000 });
  if (found.failure === null) throw new Error('xen example: no failure found');
  const s = shrink(xen, found.failure.verdict);
  const shrinkMs = performance.now() - t0;
  return {
    explore_fleet40_runs_per_s: { value: Math.round(single), unit: 'orderings/s (1 core, in-thread, wall)' },
    explore_fleet40_runs_per_cpu_s: { value: Math.round(r.runs / cpu), unit: 'orderings per CPU-second (in-thread)' },
    explore_fleet40_steady_per_cpu_s: { value: Math.round(steady), unit: 'orderings per CPU-second (in-thread, next 5 000 runs)' },
    explore_pool1_runs_per_s: { value: Math.round(rates[1]), unit: 'orderings/s (1 worker, wall)' },
    explore_pool2_runs_per_s: { value: Math.round(rates[2]), unit: 'orderings/s (2 workers, wall)' },
    explore_load_average: { value: Math.round(load * 10) / 10, unit: 'load average (1 min) before the pool runs' },
    explore_xen_find_shrink_ms: { value: Math.round(shrinkMs), unit: `ms (${s.schedule.choices.length} choice left)` },
    explore_trace_fingerprint: { value: traceFingerprint(), unit: 'SHA-256 prefix of 2 × 200 orderings (klog, decisions, bind and kset order)' },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [name, { value, unit }] of Object.entries(await exploreBench())) console.log(`${name.padEnd(32)} ${String(value).padStart(16)} ${unit}`);
}
