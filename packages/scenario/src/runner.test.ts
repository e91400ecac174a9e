import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { Errno } from '@kdsim/core';
import { defaultRegistry } from './defaults.js';
import { loadScenario, parseScenario } from './scenario.js';
import { runScenario } from './runner.js';

// An IOMMU-like supplier whose driver is a module loaded at 2 s, a consumer
// with `iommus` (a strict fw_devlink supplier), a device whose driver keeps deferring.
const LATE_SMMU = `
name: smmu module loaded late
machine:
  nodes:
    - name: soc
      children:
        - name: iommu@5000000
          properties: { compatible: "vendor,smmu", "#iommu-cells": 1 }
        - name: ethernet@6000000
          properties: { compatible: "vendor,endpoint", iommus: { ref: /soc/iommu@5000000, args: [1] } }
        - name: dsp@6300000
          properties: { compatible: "vendor,dsp" }
kernel:
  profile: linux-6.12
  cmdline: fw_devlink.strict=1
  drivers:
    - { name: vendor-smmu, compatible: ["vendor,smmu"] }
    - { name: vendor-endpoint, compatible: ["vendor,endpoint"] }
    - { name: vendor-dsp, compatible: ["vendor,dsp"], result: EPROBE_DEFER, reason: firmware loader not ready }
  builtin: [vendor-endpoint, vendor-dsp]
  modules: "sleep2,vendor_smmu"
userspace:
  - { id: unbind, after: { bound: 6000000.ethernet }, unbind: 6000000.ethernet }
  - { id: bind, bind: { device: 6000000.ethernet, driver: vendor-endpoint } }
  - { id: again, bind: { device: 6000000.ethernet, driver: vendor-endpoint } }
  - { id: nodev, unbind: { device: 6300000.dsp } }
expect:
  bound: { 6000000.ethernet: vendor-endpoint, 5000000.iommu: vendor-smmu, 6300000.dsp: null }
  deferred: [{ device: 6300000.dsp, reason: "vendor-dsp: firmware loader not ready" }]
  devlinks: [{ supplier: 5000000.iommu, consumer: 6000000.ethernet, status: active }]
  errno: { unbind: 0, bind: 0, again: EBUSY, nodev: ENODEV }
  bindOrder: [5000000.iommu, 6000000.ethernet]
  klog:
    present: ["/^platform 6300000\\\\.dsp: deferred probe pending: vendor-dsp: firmware loader not ready$/"]
    absent: [vendor-endpoint 6000000.ethernet]
`;

describe('runScenario', () => {
  it('boots the machine and holds the expectations the spec gives for it', () => {
    const r = runScenario(parseScenario(LATE_SMMU));
    expect(r.expectations.filter((e) => !e.passed)).toEqual([]);
    expect(r.passed).toBe(true);
    // §5.6: devices_deferred is "<name>\\t<driver>: <message>"; §6: a strict `iommus` link is managed and active once both bound.
    expect(r.kernel.devicesDeferred()).toBe('6300000.dsp\tvendor-dsp: firmware loader not ready\n');
    expect(r.summary.modulesLoaded).toEqual(['vendor_smmu']);
    expect(r.stepResults.get('again')).toBe(-16);
  });

  it('fails expectations with a message and the line they are on', () => {
    const text = LATE_SMMU.replace('6000000.ethernet: vendor-endpoint,', '6000000.ethernet: vendor-dsp,').replace('again: EBUSY', 'again: 0');
    const r = runScenario(parseScenario(text));
    expect(r.passed).toBe(false);
    const failed = r.expectations.filter((e) => !e.passed);
    expect(failed.map((e) => [e.kind, e.subject, e.message])).toEqual([
      ['bound', '6000000.ethernet', 'expected bound to vendor-dsp, bound to vendor-endpoint'],
      ['errno', 'again', 'expected 0, got -EBUSY'],
    ]);
    expect(failed[0]!.line).toBe(text.split('\n').findIndex((l) => l.includes('bound: {')) + 1);
  });

  it('finds a bound entry\'s device by dev_name (the first listed) or by bus:name', () => {
    // Two devices called `twin`, on two buses: `twin` is the first registered, `acme:twin` the other.
    const r = runScenario(parseScenario(`
name: twins
machine:
  devices:
    - { name: twin, bus: platform }
    - { name: twin, bus: acme }
kernel:
  drivers:
    - { name: twin-platform, compatible: [twin] }
    - { name: twin-acme, bus: acme, compatible: [twin] }
  builtin: [twin-platform, twin-acme]
expect:
  bound: { twin: twin-platform, "acme:twin": twin-acme, "platform:twin": twin-acme, ghost: twin-acme }
`));
    expect(r.expectations.map((e) => [e.subject, e.passed, e.message])).toEqual([
      ['twin', true, 'expected bound to twin-platform, bound to twin-platform'],
      ['acme:twin', true, 'expected bound to twin-acme, bound to twin-acme'],
      ['platform:twin', false, 'expected bound to twin-acme, bound to twin-platform'],
      ['ghost', false, "no device 'ghost'"],
    ]);
  });

  it('applies policy overrides: without strict fw_devlink `iommus` makes no link (optional binding, spec §7.4)', () => {
    const r = runScenario(parseScenario(LATE_SMMU), { policy: { fw_devlink: 'nostrict' } });
    expect(r.summary.devlinks).toEqual([]);
    // Nothing holds the endpoint back any more: it binds during initcalls, before the SMMU module.
    expect(r.summary.bindOrder.slice(0, 2)).toEqual(['6000000.ethernet', '5000000.iommu']);
  });

  it('runs the same scenario on another profile: 5.10 has no deferred-probe timeout, so no pending line', () => {
    const r = runScenario(parseScenario(LATE_SMMU), { profile: 'linux-5.10' });
    expect(r.kernel.dmesg()).not.toContain('deferred probe pending');
    expect(r.summary.profile).toBe('linux-5.10');
  });

  it('boots the same way every run and on every profile, though runs share the firmware trees and modules of the scenario', () => {
    const dts = loadScenario(fileURLToPath(new URL('../../../test/scenarios/truth-arm64-virt-smmuv3-dt.yaml', import.meta.url)));
    const outcome = (r: ReturnType<typeof runScenario>): string => JSON.stringify({ ...r.summary, dmesg: r.kernel.dmesg() });
    const first = outcome(runScenario(dts));
    // Another kernel version and a policy change in between must leave nothing behind in the shared trees.
    runScenario(dts, { profile: 'linux-5.10' });
    runScenario(dts, { policy: { fw_devlink: 'off' } });
    expect(outcome(runScenario(dts))).toBe(first);
    const swnodes = parseScenario(LATE_SMMU);
    const a = outcome(runScenario(swnodes));
    runScenario(swnodes, { profile: 'linux-5.10' });
    expect(outcome(runScenario(swnodes))).toBe(a);
    // A fresh load of the same text boots the same way.
    expect(outcome(runScenario(parseScenario(LATE_SMMU)))).toBe(a);
  });

  describe('a module of several drivers', () => {
    // Three drivers in module `pair_mod` (two at device level, one at subsys) and one alone.
    const GROUPED = `
name: grouped
machine:
  nodes:
    - { name: a, properties: { compatible: "t,a" } }
    - { name: b, properties: { compatible: "t,b" } }
    - { name: c, properties: { compatible: "t,c" } }
    - { name: d, properties: { compatible: "t,d" } }
kernel:
  drivers:
    - { name: drv-b, module: pair_mod, compatible: ["t,b"] }
    - { name: drv-a, module: pair_mod, compatible: ["t,a"] }
    - { name: drv-c, module: pair_mod, compatible: ["t,c"], initcall: subsys }
    - { name: drv-d, compatible: ["t,d"] }
  builtin: [pair_mod, drv-d]
`;
    const initcalls = (r: ReturnType<typeof runScenario>): string[] =>
      r.kernel.traceLog.flatMap((e) => (e.type === 'initcall' && /^(drv|pair)/.test(e.name) ? [`${e.level} ${e.name}`] : []));

    it('has one init per initcall level, which registers its drivers in the order written', () => {
      const r = runScenario(parseScenario(GROUPED), { recordTrace: true });
      expect(initcalls(r)).toEqual(['subsys drv-c_init', 'device pair_mod_init', 'device drv-d_init']);
      expect(r.kernel.buses.get('platform')!.drivers.map((d) => d.name)).toEqual(['drv-c', 'drv-b', 'drv-a', 'drv-d']);
      expect(r.kernel.devices.every((d) => d.bound)).toBe(true);
    });

    it('is one choice in its level\'s link order, not one per driver', () => {
      // Two built-in initcalls at device level: one choice between two, in every seeded order.
      for (const seed of [1, 2, 3]) {
        const r = runScenario(parseScenario(GROUPED), { seed });
        expect(r.kernel.scheduler.decisions.filter((d) => d.kind === 'initcall').map((d) => d.options.length)).toEqual([2]);
      }
    });

    it('loads as a module: insmod registers every driver of it', () => {
      const r = runScenario(parseScenario(GROUPED.replace('builtin: [pair_mod, drv-d]', 'builtin: [drv-d]\n  modules: "pair_mod"')));
      expect(r.summary.modulesLoaded).toEqual(['pair_mod']);
      expect(r.kernel.devices.every((d) => d.bound)).toBe(true);
    });

    it('stops at the first init that fails, as platform_register_drivers() does', () => {
      const registry = defaultRegistry();
      const calls: string[] = [];
      for (const [name, ret] of [['first', 0], ['broken', -Errno.ENOMEM], ['never', 0]] as const) {
        registry.addDriver({ name, module: 'trio', description: name, level: 'device', init: () => { calls.push(name); return ret; } });
      }
      const r = runScenario(parseScenario('name: trio\nkernel:\n  builtin: [trio]\n', '<inline>', { registry }));
      expect(calls).toEqual(['first', 'broken']);
      expect(r.kernel.dmesg()).toContain('initcall trio_init returned -12');
    });

    it('goes on with the next driver once an init that waits is done', () => {
      const registry = defaultRegistry();
      const calls: string[] = [];
      registry.addDriver({
        name: 'waits', module: 'duo', description: 'waits', level: 'device',
        init: (_ctx, k) => (function* () {
          calls.push(`waits from ${k.clock.now}`);
          yield { at: k.clock.now + 1_000_000 };
          calls.push(`waited until ${k.clock.now}`);
        })(),
      });
      registry.addDriver({ name: 'after', module: 'duo', description: 'after', level: 'device', init: (_ctx, k) => { calls.push(`after at ${k.clock.now}`); return 0; } });
      runScenario(parseScenario('name: duo\nkernel:\n  builtin: [duo]\n', '<inline>', { registry }));
      expect(calls).toHaveLength(3);
      const [from, until, after] = calls.map((c) => Number(c.split(' ').pop()));
      expect(until! - from!).toBeGreaterThanOrEqual(1_000_000);
      expect(after).toBe(until);
    });
  });
});
