import {
  Errno, Kernel, KernelModule, SimpleBus, driverModule, type Device, type ScheduleStrategy,
} from '@kdsim/core';
import { describe, expect, it } from 'vitest';
import { asyncFleet, xenGrantDmaStandIn } from './examples.js';
import { checkInvariants } from './invariants.js';
import { decodeSchedule, encodeSchedule, scheduleOf } from './schedule.js';
import { explore, exploreAsync, SampleStrategy } from './search.js';
import { shrink } from './shrink.js';
import type { ExploreTarget } from './target.js';
import { describeSchedule } from './report.js';
import { runOnce, runSchedule } from './verdict.js';

/**
 * Two async devices; `child` is a child device of `parent` when `related`.
 * child's probe records a failure if it runs before parent is bound — a real
 * ordering bug only when the devices are related.
 */
function pair(related: boolean, extra = 0): ExploreTarget {
  return {
    name: 'pair',
    boot(strategy: ScheduleStrategy, hooks = {}) {
      const bus = new SimpleBus('sim');
      let k!: Kernel;
      const early: string[] = [];
      const names = ['parent', 'child', ...Array.from({ length: extra }, (_, i) => `other${i}`)];
      const builtin = [
        new KernelModule('bus', { initcalls: [{ level: 'core', name: 'bus_init', fn: (kk) => kk.busRegister(bus) }] }),
        new KernelModule('pop', { initcalls: [{ level: 'arch_sync', name: 'pop', fn: (kk) => {
          const p = kk.deviceRegister({ name: 'parent', bus });
          kk.deviceRegister({ name: 'child', bus, parent: related ? p : null });
          for (const n of names.slice(2)) kk.deviceRegister({ name: n, bus });
        } }] }),
        driverModule('drivers', names.map((n) => ({
          name: n, bus, probeType: 'prefer-async' as const,
          probe: (dev: Device) => {
            if (dev.name === 'child' && k.device('parent')?.bound !== true) early.push('child probed before parent');
            return 0;
          },
        }))),
      ];
      k = new Kernel({ strategy, builtin });
      hooks.observe?.(k);
      k.boot();
      return { kernel: k, failures: early };
    },
  };
}

describe('exhaustive search', () => {
  it('finds an async completion order that breaks related devices, with or without reduction', () => {
    for (const reduction of [true, false]) {
      const r = explore(pair(true), { mode: 'exhaustive', reduction });
      expect(r.failure?.verdict.failures).toContain('expect: child probed before parent');
    }
  });

  it('the reduction makes the unbounded space of a small async fleet finite', () => {
    const target = asyncFleet({ devices: 3, groupSize: 3 });
    const full = explore(target, { mode: 'exhaustive', reduction: false, runs: 400 });
    const reduced = explore(target, { mode: 'exhaustive', reduction: true, runs: 400 });
    expect(full.complete).toBe(false);
    expect(reduced.complete).toBe(true);
    expect(reduced.runs).toBeLessThan(400);
    expect(full.failures + reduced.failures).toBe(0);
  });

  it('a deviation bound limits the space: zero deviations is the default boot alone', () => {
    const r = explore(asyncFleet({ devices: 12, groupSize: 4 }), { mode: 'exhaustive', maxDeviations: 0 });
    expect(r).toMatchObject({ runs: 1, complete: true, failures: 0 });
  });

  it('all async orderings of a fleet with suppliers keep every device bound and the invariants', () => {
    const r = explore(asyncFleet({ devices: 6, groupSize: 3 }), { mode: 'exhaustive', runs: 3000, maxDeviations: 2 });
    expect(r.failures).toBe(0);
    expect(r.complete).toBe(true);
  });
});

describe('random search, shrink and replay on the Xen grant-DMA stand-in (§14.1)', () => {
  const target = xenGrantDmaStandIn({ consumers: 2 });

  it('the default boot passes: the stub loads before deferred_probe_timeout', () => {
    const v = runSchedule(target, { choices: [] });
    expect(v.failures).toEqual([]);
  });

  it('finds, shrinks to one landing choice, and replays from the token', () => {
    const found = explore(target, { seed: 1, runs: 200 });
    expect(found.failure).not.toBeNull();
    const failing = found.failure!.verdict;
    const s = shrink(target, failing);
    expect(s.schedule.choices).toHaveLength(1);
    const lines = describeSchedule(s.schedule, s.verdict);
    expect(lines[0]).toMatch(/landing: after deferred_probe_timeout \(default: insmod grant_dma_iommu\)/);
    const replay = runSchedule(target, decodeSchedule(encodeSchedule(s.schedule)));
    expect(replay.hash).toBe(s.verdict.hash);
    expect(replay.failures).toContain(s.failure);
    expect(s.failure).toMatch(/probed without its IOMMU/);
  });

  it('sampled boots make no option labels, but the failure found is reported with them', () => {
    const sampled = runOnce(target, new SampleStrategy(1, 3));
    expect(sampled.decisions.length).toBeGreaterThan(0);
    expect(sampled.decisions.every((d) => d.options.length === 0 && d.count >= 2)).toBe(true);
    for (const determinism of ['first', 'off'] as const) {
      const found = explore(target, { seed: 1, runs: 200, determinism });
      const failing = found.failure!.verdict;
      expect(failing.decisions.every((d) => d.options.length === d.count)).toBe(true);
      const lines = describeSchedule(scheduleOf(failing.chosen), failing);
      expect(lines.some((l) => /landing: after deferred_probe_timeout/.test(l))).toBe(true);
    }
  });

  it('a sampled boot takes the same path with option labels as without', () => {
    // Without labels the scheduler counts to the chosen thread through its ready threads and
    // pending jobs; with them it lists every option: both must pick the same.
    const fleet = asyncFleet({ devices: 12, groupSize: 4 });
    for (let i = 0; i < 40; i++) {
      const bare = runOnce(fleet, new SampleStrategy(3, i));
      const labelled = runOnce(fleet, new SampleStrategy(3, i, undefined, true));
      expect(bare.chosen).toEqual(labelled.chosen);
      expect(bare.hash).toBe(labelled.hash);
    }
  });

  it('boots again for labels only the failure it keeps, not every failing run', () => {
    let boots = 0;
    const counted: ExploreTarget = { name: target.name, boot: (s, h) => (boots++, target.boot(s, h)) };
    const r = explore(counted, { seed: 1, runs: 200, determinism: 'off', stopAtFirst: false });
    expect(r.failures).toBeGreaterThan(1);
    expect(boots).toBe(200 + 1);
  });

  it('the lowest failing index does not depend on how the run range is split', () => {
    const whole = explore(target, { seed: 5, runs: 60, stopAtFirst: false });
    const parts = [0, 20, 40].map((first) => explore(target, { seed: 5, runs: 20, firstIndex: first, stopAtFirst: false }));
    const lowest = parts.map((p) => p.failure?.index).filter((i) => i !== undefined).sort((a, b) => a - b)[0];
    expect(lowest).toBe(whole.failure?.index);
    expect(parts.reduce((n, p) => n + p.failures, 0)).toBe(whole.failures);
  });
});

describe('invariants', () => {
  it('flag a device with a matching driver that was never probed, and a boot that got stuck', () => {
    const bus = new SimpleBus('sim');
    bus.driversAutoprobe = false;
    const k = new Kernel({ builtin: [
      new KernelModule('b', { initcalls: [{ level: 'core', name: 'b', fn: (kk) => kk.busRegister(bus) }] }),
      new KernelModule('d', { initcalls: [{ level: 'device', name: 'd', fn: (kk) => { kk.deviceRegister({ name: 'x', bus }); kk.driverRegister({ name: 'x', bus }); } }] }),
      new KernelModule('w', { initcalls: [{ level: 'late', name: 'w', fn: function* () { yield { until: () => false, what: 'never' }; } }] }),
    ] }).boot();
    const out = checkInvariants(k);
    expect(out).toContain('settled: x matches driver x but was never probed');
    expect(out.some((l) => l.startsWith('ended: boot stuck (init: never)'))).toBe(true);
  });

  it('flag a device deferred without a reason', () => {
    const bus = new SimpleBus('sim');
    const k = new Kernel({ cmdline: 'deferred_probe_timeout=-1', builtin: [
      new KernelModule('b', { initcalls: [{ level: 'core', name: 'b', fn: (kk) => kk.busRegister(bus) }] }),
      new KernelModule('d', { initcalls: [{ level: 'device', name: 'd', fn: (kk) => {
        kk.deviceRegister({ name: 'x', bus });
        kk.driverRegister({ name: 'x', bus, probe: () => -Errno.EPROBE_DEFER });
      } }] }),
    ] }).boot();
    expect(checkInvariants(k)).toEqual(['settled: x deferred without a reason']);
  });

  it('determinism: a target that leaks state between boots is caught', () => {
    let boots = 0;
    const leaky: ExploreTarget = {
      name: 'leaky',
      boot(strategy) {
        const k = new Kernel({ strategy });
        k.printk(6, `boot ${boots++}`);
        k.boot();
        return { kernel: k, failures: [] };
      },
    };
    const r = explore(leaky, { runs: 1 });
    expect(r.failure?.verdict.failures[0]).toMatch(/^determinism: /);
  });

  it('counts as distinct traces the sampled boots that made different choices', () => {
    const schedules = new Set<string>();
    const r = explore(pair(false, 1), {
      runs: 60, seed: 4, stopAtFirst: false, onRun: (run) => schedules.add(run.verdict.chosen.join(',')),
    });
    // Three async probes give a handful of orders: 60 samples repeat some of them.
    expect(schedules.size).toBeGreaterThan(1);
    expect(schedules.size).toBeLessThan(60);
    expect(r.distinctTraces).toBe(schedules.size);
  });
});

describe('exploreAsync', () => {
  it('makes the same runs and result as explore(), returning to the event loop on the way', async () => {
    const target = asyncFleet({ devices: 12, groupSize: 4 });
    for (const options of [{ runs: 40, seed: 3, stopAtFirst: false }, { mode: 'exhaustive' as const, runs: 40 }]) {
      const sync = explore(target, options);
      let immediates = 0;
      const count = (): void => { immediates++; };
      setImmediate(count);
      const indices: number[] = [];
      const r = await exploreAsync(target, { ...options, yieldEvery: 5, onRun: (run) => indices.push(run.index) });
      expect(r).toEqual(sync);
      expect(indices).toHaveLength(sync.runs);
      // A setImmediate queued before the exploration ran before it finished: it yielded
      // (without a yield the await would resume in a microtask, before any setImmediate).
      expect(immediates).toBe(1);
    }
  });
});
