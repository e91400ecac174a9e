// Explorer benchmark: orderings per second on one core of a 40-device async fleet
// (built in code, and as two scenario files) and of a real machine's scenario, each
// in processes of its own; the fleet through the worker pool with 1 and 2 workers;
// the time to find and shrink the documented Xen grant-DMA example (docs/explore.md);
// and a fingerprint of what many orderings did (klog, decisions, bind order), to
// show that a speed-up changed no boot.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { asyncFleet, explore, exploreAsync, exploreParallel, runOnce, SampleStrategy, scenarioFileTarget, shrink } from '../packages/explore/dist/index.js';

const FLEET = { devices: 40, groupSize: 8 };
const XEN = new URL('../docs/examples/xen-grant-dma.yaml', import.meta.url).pathname;
// The fleet's devices and drivers written as a scenario file (one initcall per driver, devices from
// software nodes): parsed once, then booted through the scenario runner.
const FLEET_YAML = new URL('../test/scenarios/async-fleet-40.yaml', import.meta.url).pathname;
// The code-built fleet transcribed as a scenario (devices without firmware nodes, five modules):
// it boots exactly as asyncFleet() does, so its rate against the code-built one is what the runner adds.
const FLEET_DEVICES_YAML = new URL('../test/scenarios/async-fleet-40-devices.yaml', import.meta.url).pathname;
// A real machine: the arm64 virt calibration machine (devicetree, SMMUv3, 59 devices).
const TRUTH_DT = new URL('../test/scenarios/truth-arm64-virt-smmuv3-dt.yaml', import.meta.url).pathname;

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
      const v = runOnce(target, new SampleStrategy(7, i, undefined, true), {}, { observe: (kk) => { k = kk; } });
      h.update(`${v.failures.join(';')}|${v.endTime}\n`);
      for (const r of k.klog.records()) h.update(`${r.seq} ${r.time} ${r.level} ${r.file ?? ''} ${r.text}\n`);
      for (const d of k.scheduler.decisions) h.update(`${d.kind} ${d.time} ${d.chosen} ${d.options.join(',')}\n`);
      h.update(`${k.bindOrder.map((d) => d.name).join(',')}\n${[...k.devicesKset].map((d) => d.name).join(',')}\n`);
    }
  }
  return h.digest('hex').slice(0, 16);
}

// Builds the target a bench figure names: `fleet` (the code-built fleet) or a scenario file.
const targetOf = (which) => (which === 'fleet' ? asyncFleet(FLEET) : scenarioFileTarget(which));

/**
 * What one ordering of a target does, on average over `runs` sampled orderings: choice
 * points (the strategy's decisions), scheduler steps and probe attempts. Targets of the same
 * number of devices differ in these, and their rates differ with them.
 */
export function workPerOrdering(which, runs = 300) {
  const target = targetOf(which);
  const sum = { choices: 0, steps: 0, probes: 0 };
  for (let i = 0; i < runs; i++) {
    let k;
    runOnce(target, new SampleStrategy(7, i), {}, { observe: (kk) => { k = kk; } });
    sum.choices += k.scheduler.decisions.length;
    sum.steps += k.scheduler.steps;
    sum.probes += k.stats.probeAttempts;
  }
  return Object.fromEntries(Object.entries(sum).map(([n, v]) => [n, Math.round((v / runs) * 10) / 10]));
}
const workText = (w) => `${w.choices} choice points, ${w.steps} scheduler steps, ${w.probes} probe attempts per ordering`;
const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
};

/**
 * The sustained rate of one target in this process: `warmUp` orderings, then `chunks`
 * chunks of `size` with fresh seeds, each timed (wall and CPU). Functions that run once
 * per boot (the kernel's constructor, boot(), the scheduler loop) are optimised only after
 * 2 000–4 500 boots (node --trace-opt). With `cold`, the first `cold` orderings of the
 * fresh process are timed and serve as the warm-up.
 */
export async function targetRate(which, { warmUp = 5000, chunks = 3, size = 4000, cold = 0, round = 0 } = {}) {
  const target = targetOf(which);
  const out = { wall: [], cpu: [], failures: 0 };
  if (cold > 0) {
    const t0 = performance.now();
    const c0 = cpuSeconds();
    const r = await exploreAsync(target, { runs: cold, determinism: 'off', stopAtFirst: false });
    out.coldWall = r.runs / ((performance.now() - t0) / 1000);
    out.coldCpu = r.runs / (cpuSeconds() - c0);
  } else {
    await exploreAsync(target, { runs: warmUp, determinism: 'off', stopAtFirst: false });
  }
  for (let i = 0; i < chunks; i++) {
    const t0 = performance.now();
    const c0 = cpuSeconds();
    const r = await exploreAsync(target, { runs: size, seed: 2 + round * chunks + i, determinism: 'off', stopAtFirst: false });
    out.cpu.push(r.runs / (cpuSeconds() - c0));
    out.wall.push(r.runs / ((performance.now() - t0) / 1000));
    out.failures += r.failures;
  }
  return out;
}

// targetRate() in a process of its own. Targets measured one after another in one process
// share the kernel's functions, whose type feedback the first target shapes: a scenario
// measured after the code-built fleet ran about 10 % slower than alone. `kdsim explore`
// runs one scenario per process, so each target is measured alone.
function targetRateAlone(which, options) {
  const script = `const m = await import(${JSON.stringify(import.meta.url)}); process.stdout.write(JSON.stringify(await m.targetRate(${JSON.stringify(which)}, ${JSON.stringify(options)})));`;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.toString());
}

/**
 * The sustained rates of `targets` (name → scenario file or `fleet`), each measured in
 * `rounds` fresh processes taken in turn (three chunks of 4 000 each): the host's speed
 * drifts by up to ×1.7 within minutes, and taking the targets in turn spreads a drift over
 * all of them, so their ratios hold. Each rate is the median of its chunks.
 */
function interleavedRates(targets, rounds = 2) {
  const all = Object.fromEntries(Object.keys(targets).map((n) => [n, { wall: [], cpu: [], failures: 0 }]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, { which, options }] of Object.entries(targets)) {
      const r = targetRateAlone(which, { ...options, round });
      const a = all[name];
      a.wall.push(...r.wall);
      a.cpu.push(...r.cpu);
      a.failures += r.failures;
      if (r.coldWall !== undefined && a.coldWall === undefined) Object.assign(a, { coldWall: r.coldWall, coldCpu: r.coldCpu });
    }
  }
  return Object.fromEntries(Object.entries(all).map(([n, a]) => [n, { ...a, wall: median(a.wall), cpu: median(a.cpu) }]));
}

export async function exploreBench() {
  const { fleet, yaml, devices, truth } = interleavedRates({
    // The code-built fleet; its first process also times its first 5 000 orderings (cold,
    // JIT warm-up included).
    fleet: { which: 'fleet', options: { cold: 5000 } },
    // The scenario path: scenario files as `kdsim explore` runs them, measured the same way.
    yaml: { which: FLEET_YAML, options: {} },
    devices: { which: FLEET_DEVICES_YAML, options: {} },
    // A real machine's boot does far more per device (DT population, PCI enumeration, IOMMU
    // groups, 400 klog lines): its rate is shown for scale. Its expectations are the one
    // order the real kernel took, so most orderings fail them; every run is still counted.
    truth: { which: TRUTH_DT, options: { warmUp: 300, chunks: 1, size: 500 } },
  });
  if (fleet.failures !== 0) throw new Error('async fleet: an ordering failed');
  if (yaml.failures !== 0 || devices.failures !== 0) throw new Error('fleet scenario: an ordering failed');
  const work = { fleet: workPerOrdering('fleet'), yaml: workPerOrdering(FLEET_YAML), devices: workPerOrdering(FLEET_DEVICES_YAML), truth: workPerOrdering(TRUTH_DT, 50) };
  const spec = { module: new URL('../packages/explore/dist/index.js', import.meta.url).href, export: 'asyncFleet', args: [FLEET] };
  const rates = { 1: [], 2: [] };
  const steady = { 1: [], 2: [] };
  const startMs = {};
  const load = loadavg()[0];
  // 1, 2, 2, 1 workers (ABBA): a drift of the host's speed that is steady over the four
  // runs then falls on both worker counts alike, and their ratio holds.
  for (const workers of [1, 2, 2, 1]) {
    // 40 000 orderings. The whole run's rate includes each worker's start-up (loading the
    // packages, about a second) and JIT warm-up; the steady rate is that of the last three
    // quarters, by when every worker is warm, and is what more workers multiply.
    const runs = 40_000;
    let done = 0;
    let firstChunkAt = 0;
    let quarterAt = 0;
    let doneAtQuarter = 0;
    const onChunk = (c) => {
      done += c.runs;
      if (firstChunkAt === 0) firstChunkAt = performance.now();
      if (quarterAt === 0 && done >= runs / 4) {
        quarterAt = performance.now();
        doneAtQuarter = done;
      }
    };
    const t0 = performance.now();
    const p = await exploreParallel(spec, { runs, workers, chunk: 500, stopAtFirst: false, onChunk });
    const end = performance.now();
    rates[workers].push(p.runs / ((end - t0) / 1000));
    steady[workers].push((p.runs - doneAtQuarter) / ((end - quarterAt) / 1000));
    startMs[workers] ??= firstChunkAt - t0;
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const xen = scenarioFileTarget(XEN);
  const t0 = performance.now();
  const found = explore(xen, { runs: 1000 });
  if (found.failure === null) throw new Error('xen example: no failure found');
  const s = shrink(xen, found.failure.verdict);
  const shrinkMs = performance.now() - t0;
  return {
    explore_fleet40_runs_per_s: { value: Math.round(fleet.wall), unit: 'orderings/s (1 core, wall; median of 2 × 3 chunks of 4 000 after warm-up, each target in processes of its own, taken in turn)' },
    explore_fleet40_runs_per_cpu_s: { value: Math.round(fleet.cpu), unit: 'orderings per CPU-second (the same chunks)' },
    explore_fleet40_cold_runs_per_s: { value: Math.round(fleet.coldWall), unit: `orderings/s (first 5 000 of a fresh process, wall; ${Math.round(fleet.coldCpu)} per CPU-second)` },
    explore_scenario40_runs_per_s: { value: Math.round(yaml.wall), unit: 'orderings/s (test/scenarios/async-fleet-40.yaml through the scenario runner, measured the same way)' },
    explore_scenario40_devices_runs_per_s: { value: Math.round(devices.wall), unit: 'orderings/s (test/scenarios/async-fleet-40-devices.yaml: the code-built fleet as a scenario, measured the same way)' },
    explore_truth_dt_runs_per_s: { value: Math.round(truth.wall), unit: 'orderings/s (test/scenarios/truth-arm64-virt-smmuv3-dt.yaml, 59 devices, 1 core; 2 × 500 after 300 warm-up)' },
    explore_fleet40_work: { value: work.fleet.choices, unit: `choice points per ordering of the code-built fleet (${workText(work.fleet)})` },
    explore_scenario40_work: { value: work.yaml.choices, unit: `the same for async-fleet-40.yaml (${workText(work.yaml)})` },
    explore_scenario40_devices_work: { value: work.devices.choices, unit: `the same for async-fleet-40-devices.yaml (${workText(work.devices)})` },
    explore_truth_dt_work: { value: work.truth.choices, unit: `the same for the real machine (${workText(work.truth)})` },
    explore_pool1_runs_per_s: { value: Math.round(mean(rates[1])), unit: 'orderings/s (1 worker, wall; mean of 2 runs of 40 000)' },
    explore_pool2_runs_per_s: { value: Math.round(mean(rates[2])), unit: 'orderings/s (2 workers, the same)' },
    explore_pool1_steady_runs_per_s: { value: Math.round(mean(steady[1])), unit: 'orderings/s (1 worker, wall, last three quarters of the same runs)' },
    explore_pool2_steady_runs_per_s: { value: Math.round(mean(steady[2])), unit: `orderings/s (2 workers, the same; ×${(mean(steady[2]) / mean(steady[1])).toFixed(2)} the 1-worker rate)` },
    explore_pool_start_ms: { value: Math.round(startMs[1]), unit: `ms to the first chunk of 500 (1 worker; ${Math.round(startMs[2])} ms with 2): start-up and a cold chunk` },
    explore_load_average: { value: Math.round(load * 10) / 10, unit: 'load average (1 min) before the pool runs' },
    explore_xen_find_shrink_ms: { value: Math.round(shrinkMs), unit: `ms (${s.schedule.choices.length} choice left)` },
    explore_trace_fingerprint: { value: traceFingerprint(), unit: 'SHA-256 prefix of 2 × 200 orderings (klog, decisions, bind and kset order)' },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [name, { value, unit }] of Object.entries(await exploreBench())) console.log(`${name.padEnd(38)} ${String(value).padStart(16)} ${unit}`);
}
