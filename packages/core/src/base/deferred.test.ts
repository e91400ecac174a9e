import { describe, expect, it } from 'vitest';
import { Errno } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { LogLevel } from '../klog/levels.js';
import { NSEC_PER_SEC } from '../time/clock.js';
import { needs, World } from '../testing/world.js';

const DYNDBG = 'dyndbg="file drivers/base/dd.c +p; file drivers/base/core.c +p; file drivers/base/bus.c +p"';

// One driver `chain` binds device Dk only once D(k-1) is bound; D1 needs nothing.
function chain(n: number, order: 'reverse' | 'forward', cmdline = '') {
  const w = new World();
  let k!: Kernel;
  const names = Array.from({ length: n }, (_, i) => `D${i + 1}`);
  w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, ...(order === 'reverse' ? [...names].reverse() : names)));
  const probe = (dev: { name: string }): number => {
    const i = Number(dev.name.slice(1));
    return i === 1 || k.device(`D${i - 1}`)?.bound === true ? 0 : -Errno.EPROBE_DEFER;
  };
  w.at('device', 'chain_init', (kk) => kk.driverRegister(w.driver('chain', probe, { matchTable: names })));
  k = w.kernel({ cmdline });
  k.boot();
  return { w, k, names };
}

const count = (xs: readonly string[], x: string): number => xs.filter((y) => y === x).length;

describe('deferred probe (dd.c)', () => {
  it('retries a chain registered in reverse order once per bind: Dk is probed k times', () => {
    const { w, k, names } = chain(6, 'reverse');
    for (const [i, name] of names.entries()) expect(count(w.probes, name)).toBe(i + 1);
    expect(k.bindOrder.map((d) => d.name)).toEqual(names);
    expect(k.devicesDeferred()).toBe('');
  });

  it('binds a chain registered in forward order during driver_attach, one attempt each', () => {
    const { w, names } = chain(6, 'forward');
    for (const name of names) expect(count(w.probes, name)).toBe(1);
  });

  it('replays the deferred list first-in first-out after a bind', () => {
    const w = new World();
    let k!: Kernel;
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'c3', 'c1', 'c2', 'supplier'));
    w.at('device', 'consumers', (kk) => {
      // Registration order decides the order they join the pending list: c2, c3, c1.
      kk.driverRegister(w.driver('c2', needs(() => k, 'supplier')));
      kk.driverRegister(w.driver('c3', needs(() => k, 'supplier')));
      kk.driverRegister(w.driver('c1', needs(() => k, 'supplier')));
    });
    w.module('supplier_mod', [w.driver('supplier')]);
    k = w.kernel({ userspace: [{ kind: 'insmod', module: 'supplier_mod' }] });
    k.boot();
    const afterSupplier = w.probes.slice(w.probes.indexOf('supplier') + 1);
    expect(afterSupplier).toEqual(['c2', 'c3', 'c1']);
  });

  // Real 6.12 on QEMU virt (virtio_iommu,virtio_net,... loaded in that order): once the IOMMU
  // binds, the deferred work retries every waiting PCI function before virtio_net registers, so
  // each virtio device is added while its driver is not yet there.
  it('lets the deferred work a bind queued run while the next module loads', () => {
    const w = new World();
    let k!: Kernel;
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'c1', 'c2', 'c3', 'supplier', 'late'));
    w.at('device', 'consumers', (kk) => {
      for (const c of ['c1', 'c2', 'c3']) kk.driverRegister(w.driver(c, needs(() => k, 'supplier')));
    });
    w.module('supplier_mod', [w.driver('supplier')]);
    w.module('late_mod', [w.driver('late')]);
    k = w.kernel({ userspace: [{ kind: 'insmod', module: 'supplier_mod' }, { kind: 'insmod', module: 'late_mod' }] });
    k.boot();
    expect(w.probes.slice(w.probes.indexOf('supplier'))).toEqual(['supplier', 'c1', 'c2', 'c3', 'late']);
  });

  it('does not retry anything before late_initcall, even when a supplier binds', () => {
    const w = new World();
    let k!: Kernel;
    let consumerProbesBeforeLate = -1;
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'consumer', 'supplier'));
    w.at('device', 'consumer_init', (kk) => kk.driverRegister(w.driver('consumer', needs(() => k, 'supplier'))));
    // The supplier binds later in the same level: its bind triggers, but triggers are off until late_initcall.
    w.at('device', 'supplier_init', (kk) => kk.driverRegister(w.driver('supplier')));
    k = w.kernel();
    k.trace$.subscribe((e) => {
      if (e.type === 'initcall' && e.name === 'deferred_probe_initcall') consumerProbesBeforeLate = count(w.probes, 'consumer');
    });
    k.boot();
    expect(consumerProbesBeforeLate).toBe(1);
    expect(w.probes).toEqual(['consumer', 'supplier', 'consumer']);
    expect(k.device('consumer')?.bound).toBe(true);
  });

  it('a new driver registration re-probes deferred devices during initcalls', () => {
    const w = new World();
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'dev'));
    // Two drivers match `dev`: the first defers in its own probe, so the walk goes on to the second.
    w.at('device', 'a_init', (kk) => kk.driverRegister(w.driver('a', () => -Errno.EPROBE_DEFER, { matchTable: ['dev'] })));
    w.at('device', 'b_init', (kk) => kk.driverRegister(w.driver('b', () => 0, { matchTable: ['dev'] })));
    const k = w.kernel();
    k.boot();
    expect(k.device('dev')?.driver?.name).toBe('b');
  });

  it('re-triggers when a bind happened while the device was probing (the trigger-count race fix)', () => {
    const w = new World();
    let k!: Kernel;
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'supplier'));
    // The consumer checks its supplier, then (as a concurrent probe would) the supplier binds, then it defers.
    const consumerProbe = (): number => {
      if (k.device('supplier')?.bound === true) return 0;
      k.driverRegister(w.driver('supplier'));
      return -Errno.EPROBE_DEFER;
    };
    w.module('consumer_mod', [w.driver('consumer', consumerProbe)]);
    w.at('late_sync', 'add_consumer', (kk) => w.addDevices(kk, 'consumer'));
    k = w.kernel({ userspace: [{ kind: 'insmod', module: 'consumer_mod' }] });
    k.boot();
    // Without the re-check the consumer would sit on the pending list with its supplier bound.
    expect(k.device('consumer')?.bound).toBe(true);
    expect(count(w.probes, 'consumer')).toBe(2);
  });

  it('stops a probe that binds a child and then defers (livelock) with a diagnostic', () => {
    const w = new World();
    let k!: Kernel;
    let n = 0;
    const parentProbe = (dev: { name: string }): number => {
      // The extcon-style supplier never arrives; the child binds every time (§14.4).
      const parent = k.device(dev.name)!;
      k.deviceRegister({ name: `child${n++}`, bus: w.bus, parent });
      return -Errno.EPROBE_DEFER;
    };
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'dwc3'));
    w.at('device', 'drivers', (kk) => {
      kk.driverRegister(w.driver('child', () => 0, { matchTable: Array.from({ length: 200 }, (_, i) => `child${i}`) }));
      kk.driverRegister(w.driver('dwc3', parentProbe));
    });
    k = w.kernel({ maxRetriesPerDevice: 50 });
    k.boot();
    expect(k.livelocks).toEqual(['dwc3']);
    expect(k.dmesg()).toContain('dwc3: re-triggered itself 50 times');
  });

  it('never queues a device that no driver matched (can_match)', () => {
    const w = new World();
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'orphan'));
    const k = w.kernel();
    k.boot();
    expect(k.devicesDeferred()).toBe('');
  });

  it('lists pending devices with their reasons in devices_deferred', () => {
    const w = new World();
    let k!: Kernel;
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'a', 'b'));
    w.at('device', 'drivers', (kk) => {
      kk.driverRegister(w.driver('a', (dev) => k.devErrProbe(dev, -Errno.EPROBE_DEFER, 'clock not ready')));
      kk.driverRegister(w.driver('b', () => -Errno.EPROBE_DEFER));
    });
    k = w.kernel({ cmdline: 'deferred_probe_timeout=-1' });
    k.boot();
    expect(k.devicesDeferred()).toBe('a\ta: clock not ready\nb\t\n');
  });
});

describe('deferred_probe_timeout', () => {
  function timeoutWorld(cmdline: string, profile = 'linux-6.12', loads: { at: number; module: string }[] = []) {
    const w = new World();
    let k!: Kernel;
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'consumer'));
    // An opt-in subsystem (like the OF IOMMU glue) asks check_state while its supplier is missing.
    const results: number[] = [];
    w.at('device', 'consumer_init', (kk) => kk.driverRegister(w.driver('consumer', (dev) => {
      const r = k.deferred.checkState(dev);
      results.push(r);
      return r === -Errno.EPROBE_DEFER ? r : 0;
    })));
    for (const l of loads) w.module(l.module, [w.driver(`${l.module}_drv`)]);
    let t = 0;
    const userspace = loads.flatMap((l) => {
      const steps = [{ kind: 'sleep' as const, ns: l.at - t }, { kind: 'insmod' as const, module: l.module }];
      t = l.at;
      return steps;
    });
    k = w.kernel({ cmdline, profile, userspace });
    return { k, w, results };
  }

  it('fires N seconds after late_initcall and then answers -ETIMEDOUT with the kernel warning', () => {
    const { k, results } = timeoutWorld('deferred_probe_timeout=5');
    let lateAt = 0;
    k.trace$.subscribe((e) => { if (e.type === 'initcall' && e.name === 'deferred_probe_initcall') lateAt = e.time; });
    let firedAt = 0;
    k.trace$.subscribe((e) => { if (e.type === 'timeout') firedAt = e.time; });
    k.boot();
    expect(firedAt - lateAt).toBeGreaterThanOrEqual(5 * NSEC_PER_SEC);
    expect(firedAt - lateAt).toBeLessThan(5.01 * NSEC_PER_SEC);
    expect(results.at(-1)).toBe(-Errno.ETIMEDOUT);
    expect(k.dmesg()).toMatch(/consumer consumer: deferred probe timeout, ignoring dependency/);
    expect(k.device('consumer')?.bound).toBe(true);
  });

  it('is pushed back by every driver registration while pending (v5.19+)', () => {
    const { k } = timeoutWorld(`deferred_probe_timeout=10 ${DYNDBG}`, 'linux-6.12', [{ at: 3 * NSEC_PER_SEC, module: 'm1' }, { at: 8 * NSEC_PER_SEC, module: 'm2' }]);
    const regs: number[] = [];
    let firedAt = 0;
    k.trace$.subscribe((e) => {
      if (e.type === 'driver_register') regs.push(e.time);
      if (e.type === 'timeout') firedAt = e.time;
    });
    k.boot();
    expect(firedAt - regs.at(-1)!).toBeGreaterThanOrEqual(10 * NSEC_PER_SEC);
    expect(firedAt - regs.at(-1)!).toBeLessThan(10.01 * NSEC_PER_SEC);
    expect(k.dmesg()).toContain('Extended deferred probe timeout by 10 secs');
  });

  it('is not pushed back before v5.19', () => {
    const { k } = timeoutWorld('deferred_probe_timeout=10', 'linux-5.15', [{ at: 8 * NSEC_PER_SEC, module: 'm1' }]);
    let lateAt = 0;
    let firedAt = 0;
    k.trace$.subscribe((e) => {
      if (e.type === 'initcall' && e.name === 'deferred_probe_initcall') lateAt = e.time;
      if (e.type === 'timeout') firedAt = e.time;
    });
    k.boot();
    expect(firedAt - lateAt).toBeLessThan(10.01 * NSEC_PER_SEC);
  });

  it('defaults to 10 s with modules from v6.0 and prints pending devices at warning level from v6.9', () => {
    const w = new World();
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'stuck'));
    w.at('device', 'drv', (kk) => kk.driverRegister(w.driver('stuck', (dev) => kk.devErrProbe(dev, -Errno.EPROBE_DEFER, 'waiting for godot'))));
    const k = w.kernel();
    k.boot();
    expect(k.deferred.timedOut).toBe(true);
    const line = k.klog.records().find((r) => r.text.includes('deferred probe pending'));
    expect(line?.level).toBe(LogLevel.WARNING);
    expect(line?.text).toBe('sim stuck: deferred probe pending: stuck: waiting for godot');
  });

  it('has no timer by default before v6.0, so -ETIMEDOUT comes right after initcalls', () => {
    const { k, results } = timeoutWorld('', 'linux-5.15');
    k.boot();
    expect(k.deferred.timedOut).toBe(false);
    expect(results.at(-1)).toBe(-Errno.ETIMEDOUT);
  });

  it('answers -ENODEV after initcalls without module support', () => {
    const w = new World();
    let k!: Kernel;
    const results: number[] = [];
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'consumer'));
    w.at('device', 'drv', (kk) => kk.driverRegister(w.driver('consumer', (dev) => { const r = k.deferred.checkState(dev); results.push(r); return r === -Errno.EPROBE_DEFER ? r : 0; })));
    k = w.kernel({ config: { modules: false } });
    k.boot();
    expect(results.at(-1)).toBe(-Errno.ENODEV);
    expect(k.dmesg()).toContain('ignoring dependency for device, assuming no driver');
  });

  it('never gives up with deferred_probe_timeout=-1', () => {
    const { k, results } = timeoutWorld('deferred_probe_timeout=-1');
    k.boot();
    expect(results.every((r) => r === -Errno.EPROBE_DEFER)).toBe(true);
    expect(k.devicesDeferred()).toBe('consumer\t\n');
  });
});
