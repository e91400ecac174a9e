import { describe, expect, it } from 'vitest';
import { Errno } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { SeededStrategy } from '../time/strategy.js';
import { needs, World } from '../testing/world.js';
import { BusNotify, type BusNotifyEvent } from './bus.js';

describe('matching and probing (dd.c)', () => {
  it('lets the next driver try after a driver-returned -EPROBE_DEFER, but stops the walk on a core-level deferral', () => {
    // Device side (__device_attach_driver): a positive (driver) failure continues, a negative one stops.
    const w = new World();
    w.bus.dmaConfigure = (dev) => (dev.name === 'dev2' ? -Errno.EPROBE_DEFER : 0);
    w.at('device', 'drivers', (kk) => {
      kk.driverRegister(w.driver('first', () => -Errno.EPROBE_DEFER, { matchTable: ['dev1', 'dev2'] }));
      kk.driverRegister(w.driver('second', () => 0, { matchTable: ['dev1', 'dev2'] }));
    });
    w.at('late_sync', 'add', (kk) => w.addDevices(kk, 'dev1', 'dev2'));
    const k = w.kernel({ cmdline: 'deferred_probe_timeout=-1' });
    k.boot();
    expect(k.device('dev1')?.driver?.name).toBe('second');
    // dev2's DMA configuration deferred under `first`: `second` was never tried.
    expect(k.device('dev2')?.bound).toBe(false);
    expect(w.probes.filter((p) => p === 'dev2')).toEqual([]);
    expect(k.devicesDeferred()).toBe('dev2\t\n');
  });

  it('queues a device whose bus match asks for deferral and retries it after late_initcall', () => {
    const w = new World();
    let ready = false;
    const match = w.bus.match.bind(w.bus);
    // A bus that cannot decide yet (e.g. its IDs are not read until a supplier is up) answers -EPROBE_DEFER.
    w.bus.match = (dev, drv) => (dev.name === 'late-id' && !ready ? -Errno.EPROBE_DEFER : match(dev, drv));
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'late-id'));
    w.at('device', 'drv', (kk) => kk.driverRegister(w.driver('late-id')));
    w.at('device_sync', 'ids', () => { ready = true; });
    const k = w.kernel({ cmdline: 'dyndbg="file drivers/base/dd.c +p"' });
    k.boot();
    expect(k.dmesg()).toContain('sim late-id: Device match requests probe deferral');
    expect(k.device('late-id')?.driver?.name).toBe('late-id');
    expect(w.probes).toEqual(['late-id']);
  });

  // A real 6.1.176 printed the first form, 6.12.117 the second (test/calibration).
  it('names the device in the text of its probe debug lines before v6.9, by the prefix from v6.9', () => {
    const lines = (profile: string): string[] => {
      const w = new World();
      w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'dev0'));
      w.at('device', 'drv', (kk) => kk.driverRegister(w.driver('dev0')));
      const k = w.kernel({ profile, cmdline: 'dyndbg="file drivers/base/dd.c +p"' });
      k.boot();
      return k.dmesg().split('\n').map((l) => l.slice(l.indexOf(']') + 2)).filter((l) => /matched|probing|bound/.test(l));
    };
    expect(lines('linux-6.8')).toEqual([
      "bus: 'sim': __driver_probe_device: matched device dev0 with driver dev0",
      "bus: 'sim': really_probe: probing driver dev0 with device dev0",
      "driver: 'dev0': driver_bound: bound to device 'dev0'",
      "bus: 'sim': really_probe: bound device dev0 to driver dev0",
    ]);
    expect(lines('linux-6.9')).toEqual([
      "sim dev0: bus: 'sim': __driver_probe_device: matched device with driver dev0",
      "sim dev0: bus: 'sim': really_probe: probing driver dev0 with device",
      "dev0 dev0: driver: 'dev0': driver_bound: bound to device",
      "dev0 dev0: bus: 'sim': really_probe: bound device to driver dev0",
    ]);
  });

  it('sends BIND_DRIVER then BOUND_DRIVER on success, BIND_DRIVER then DRIVER_NOT_BOUND on a failed probe, and nothing for a DMA deferral', () => {
    const w = new World();
    const events: [string, BusNotifyEvent][] = [];
    w.bus.registerNotifier((e, dev) => events.push([dev.name, e]));
    w.bus.dmaConfigure = (dev) => (dev.name === 'late' ? -Errno.EPROBE_DEFER : 0);
    w.at('device', 'drivers', (kk) => {
      kk.driverRegister(w.driver('ok'));
      kk.driverRegister(w.driver('bad', () => -Errno.EIO));
      kk.driverRegister(w.driver('late'));
    });
    w.at('late_sync', 'add', (kk) => w.addDevices(kk, 'ok', 'bad', 'late'));
    const k = w.kernel({ cmdline: 'deferred_probe_timeout=-1' });
    k.boot();
    const of = (n: string) => events.filter(([d]) => d === n).map(([, e]) => e);
    expect(of('ok')).toEqual([BusNotify.ADD_DEVICE, BusNotify.BIND_DRIVER, BusNotify.BOUND_DRIVER]);
    expect(of('bad')).toEqual([BusNotify.ADD_DEVICE, BusNotify.BIND_DRIVER, BusNotify.DRIVER_NOT_BOUND]);
    expect(of('late')).toEqual([BusNotify.ADD_DEVICE]);
  });

  it('logs a failed probe as the profile\'s kernel does and never retries it', () => {
    for (const [profile, line] of [
      ['linux-6.12', 'bad bad: probe with driver bad failed with error -5'],
      ['linux-6.6', 'bad: probe of bad failed with error -5'],
    ] as const) {
      const w = new World();
      w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'bad'));
      w.at('device', 'drv', (kk) => kk.driverRegister(w.driver('bad', () => -Errno.EIO)));
      const k = w.kernel({ profile });
      k.boot();
      expect(k.dmesg()).toContain(line);
      expect(w.probes).toEqual(['bad']);
      expect(k.devicesDeferred()).toBe('');
    }
  });

  it('reports a deferral to a sysfs bind as -EAGAIN without queueing the device', () => {
    const w = new World();
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'dev', 'supplier'));
    const k: Kernel = w.kernel();
    k.boot();
    k.driverRegister({ ...w.driver('manual', needs(() => k, 'supplier')), matchTable: ['dev'] });
    // Registration already tried and deferred it; take it off the list and bind by hand.
    k.deferred.del(k.device('dev')!);
    const drv = k.findDriver(w.bus, 'manual')!;
    expect(k.deviceDriverAttach(drv, k.device('dev')!)).toBe(-Errno.EAGAIN);
    expect(k.devicesDeferred()).toBe('');
  });

  it('answers a sysfs bind with the probe\'s errno from v5.14, and -ENODEV for any failed probe or DMA configuration before', () => {
    const bind = (profile: string): Record<string, number> => {
      const w = new World();
      w.bus.dmaConfigure = (dev) => (dev.name === 'dma' ? -Errno.EPROBE_DEFER : 0);
      w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'bad', 'dma', 'later'));
      const k: Kernel = w.kernel({ profile });
      k.boot();
      const failing = (dev: { name: string }): number => (dev.name === 'bad' ? -Errno.EINVAL : -Errno.EPROBE_DEFER);
      k.driverRegister({ ...w.driver('manual', failing), matchTable: ['bad', 'dma', 'later'] });
      const drv = k.findDriver(w.bus, 'manual')!;
      return Object.fromEntries(['bad', 'dma', 'later'].map((n) => [n, k.deviceDriverAttach(drv, k.device(n)!)]));
    };
    expect(bind('linux-6.1')).toEqual({ bad: -Errno.EINVAL, dma: -Errno.EAGAIN, later: -Errno.EAGAIN });
    expect(bind('linux-5.10')).toEqual({ bad: -Errno.ENODEV, dma: -Errno.ENODEV, later: -Errno.ENODEV });
  });

  it('binds only the driver named by driver_override', () => {
    const w = new World();
    w.at('device', 'drivers', (kk) => {
      kk.driverRegister(w.driver('generic', () => 0, { matchTable: ['nic'] }));
      kk.driverRegister(w.driver('vfio', () => 0, { matchTable: [] }));
    });
    const k = w.kernel();
    k.boot();
    const nic = k.deviceCreate({ name: 'nic', bus: w.bus });
    nic.driverOverride = 'vfio';
    k.deviceAdd(nic);
    expect(nic.driver?.name).toBe('vfio');
  });

  it('unbinds a driver\'s devices last bound first when it is unregistered', () => {
    const w = new World();
    const removed: string[] = [];
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'a', 'b', 'c'));
    w.at('device', 'drv', (kk) => kk.driverRegister(w.driver('multi', () => 0, { matchTable: ['a', 'b', 'c'], remove: (d) => removed.push(d.name) })));
    const k = w.kernel();
    k.boot();
    k.driverUnregister(k.findDriver(w.bus, 'multi')!);
    expect(removed).toEqual(['c', 'b', 'a']);
    expect(k.device('a')?.bound).toBe(false);
  });

  it('refuses a second driver of the same name on a bus (driver_find()), and takes the name again once it is unregistered', () => {
    const w = new World();
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'a'));
    const k = w.kernel();
    k.boot();
    const first = w.driver('dup', () => 0, { matchTable: ['a'] });
    expect(k.driverRegister(first)).toBe(0);
    expect(k.driverRegister(w.driver('dup', () => 0))).toBe(-Errno.EBUSY);
    expect(k.klog.records().some((r) => r.text === "Error: Driver 'dup' is already registered, aborting...")).toBe(true);
    k.driverUnregister(k.findDriver(w.bus, 'dup')!);
    expect(k.findDriver(w.bus, 'dup')).toBeUndefined();
    expect(k.driverRegister(w.driver('dup', () => 0, { matchTable: ['a'] }))).toBe(0);
    expect(k.device('a')?.driver?.name).toBe('dup');
  });

  it('moves a retried device and its children to the end of devices_kset', () => {
    const w = new World();
    let k!: Kernel;
    w.at('arch_sync', 'populate', (kk) => {
      const [p] = w.addDevices(kk, 'parent', 'other', 'supplier');
      kk.deviceRegister({ name: 'child', bus: w.bus, parent: p! });
    });
    w.at('device', 'drivers', (kk) => kk.driverRegister(w.driver('parent', needs(() => k, 'supplier'))));
    w.module('sup', [w.driver('supplier')]);
    k = w.kernel({ userspace: [{ kind: 'insmod', module: 'sup' }] });
    k.boot();
    expect(k.devicesKset.toArray().map((d) => d.name)).toEqual(['other', 'supplier', 'parent', 'child']);
  });

  it('removes a device: children first, off the deferred list', () => {
    const w = new World();
    w.at('arch_sync', 'populate', (kk) => {
      const [p] = w.addDevices(kk, 'p');
      kk.deviceRegister({ name: 'c', bus: w.bus, parent: p! });
    });
    w.at('device', 'drv', (kk) => kk.driverRegister(w.driver('p', () => -Errno.EPROBE_DEFER)));
    const k = w.kernel({ cmdline: 'deferred_probe_timeout=-1' });
    k.boot();
    expect(k.devicesDeferred()).toBe('p\t\n');
    k.deviceDel(k.device('p')!);
    expect(k.devicesDeferred()).toBe('');
    expect(k.device('c')).toBeUndefined();
  });
});

describe('asynchronous probing', () => {
  function asyncBoot(seed: number) {
    const w = new World();
    const names = ['a0', 'a1', 'a2', 'a3', 'a4'];
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, ...names));
    w.at('device', 'drv', (kk) => kk.driverRegister(w.driver('slow', () => 0, { matchTable: names, probeType: 'prefer-async' })));
    const k = w.kernel({ strategy: new SeededStrategy(seed) });
    k.boot();
    return { k, order: k.bindOrder.map((d) => d.name), names };
  }

  it('binds every device whatever order the async probes complete in', () => {
    for (const seed of [1, 2, 3]) {
      const { k, names } = asyncBoot(seed);
      expect(new Set(k.bindOrder.map((d) => d.name))).toEqual(new Set(names));
    }
  });

  it('lets the seed decide the completion order, and the same seed always gives the same order', () => {
    const orders = new Map<string, number>();
    for (let seed = 1; seed <= 20; seed++) orders.set(asyncBoot(seed).order.join(','), seed);
    expect(orders.size).toBeGreaterThan(1);
    for (const [order, seed] of orders) expect(asyncBoot(seed).order.join(',')).toBe(order);
  });

  it('probes asynchronously the drivers driver_async_probe= names, and with * all but the named (v5.19+)', () => {
    const w = new World();
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'x', 'y'));
    w.at('device', 'drv', (kk) => {
      kk.driverRegister(w.driver('x'));
      kk.driverRegister(w.driver('y'));
    });
    const k = w.kernel({ cmdline: 'driver_async_probe=*,y' });
    const ctx = new Map<string, string>();
    k.trace$.subscribe((e) => { if (e.type === 'bound') ctx.set(e.device, e.ctx); });
    k.boot();
    expect(ctx.get('x')).toMatch(/^async:/);
    expect(ctx.get('y')).toBe('init');
  });
});

describe('determinism', () => {
  it('gives a byte-identical klog for the same inputs and seed', () => {
    const run = (seed: number): string => {
      const w = new World();
      let k!: Kernel;
      const names = Array.from({ length: 12 }, (_, i) => `n${i}`);
      w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, ...names));
      w.at('device', 'drv', (kk) => kk.driverRegister(w.driver('n', (dev) => {
        const i = Number(dev.name.slice(1));
        return i % 3 === 0 || k.device(`n${i - 1}`)?.bound === true ? 0 : -Errno.EPROBE_DEFER;
      }, { matchTable: names, probeType: 'prefer-async' })));
      k = w.kernel({ strategy: new SeededStrategy(seed), cmdline: 'dyndbg="file drivers/base/dd.c +p; file drivers/base/core.c +p"' });
      k.boot();
      return k.dmesg();
    };
    expect(run(7)).toBe(run(7));
    expect(run(7).length).toBeGreaterThan(1000);
  });
});
