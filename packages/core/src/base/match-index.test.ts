import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SoftwareNode } from '../fwnode/swnode.js';
import { Errno } from '../errno.js';
import { KernelModule } from '../init/module.js';
import { Kernel } from '../kernel.js';
import { World } from '../testing/world.js';
import { SimpleBus } from './bus.js';
import { Device } from './device.js';
import { Driver } from './driver.js';

// Few, similar ids, so that many pairs match.
const id = fc.constantFrom('a', 'x,dev1', 'x,dev2', 'y,dev1', 'uart', 'dev1', 'drv');

// One step of a boot that adds, removes and re-keys devices and drivers on the bus.
const op = fc.oneof(
  fc.record({ op: fc.constant('device' as const), name: id, compatible: fc.option(fc.array(id, { maxLength: 2 }), { nil: undefined }), probe: fc.constantFrom('', '!', '~') }),
  fc.record({ op: fc.constant('driver' as const), name: id, table: fc.option(fc.array(id, { maxLength: 2 }), { nil: undefined }) }),
  fc.record({ op: fc.constant('override' as const), dev: fc.nat(), name: fc.option(id, { nil: null }) }),
  fc.record({ op: fc.constant('compatible' as const), dev: fc.nat(), compatible: fc.array(id, { maxLength: 2 }) }),
  fc.record({ op: fc.constant('unregister' as const), drv: fc.nat() }),
  fc.record({ op: fc.constant('delete' as const), dev: fc.nat() }),
  fc.record({ op: fc.constant('attach' as const), dev: fc.nat() }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

// Runs `ops` at device_initcall on a World and returns every probe as `driver:device`, in
// call order, and what each device ends bound to. With `wholeWalks`, the bus's match() is
// replaced on the instance by itself, which turns the index off: every walk asks about
// every pair, as the kernel does.
function run(ops: readonly Op[], wholeWalks: boolean): string[] {
  const w = new World();
  if (wholeWalks) w.bus.match = SimpleBus.prototype.match.bind(w.bus);
  const log: string[] = [];
  const devices: Device[] = [];
  const drivers: Driver[] = [];
  let children = 0;
  let kernel: Kernel | undefined;
  const addDevice = (k: Kernel, name: string, compatible: readonly string[] | undefined): void => {
    const fwnode = compatible === undefined ? null : new SoftwareNode(name, null, { compatible: [...compatible] });
    devices.push(k.deviceRegister({ name, bus: w.bus, fwnode }));
  };
  // A probe of a device whose name ends in `!` adds a device that matches too, during the
  // walk that probes it (as an MFD or a bus controller does); that device's first probe fails,
  // so only the walk reaching it binds it. A probe of a device whose name ends in `~` deletes
  // the device added last and unregisters the driver registered last.
  const probe = (drv: string) => (dev: Device): number => {
    log.push(`${drv}:${dev.name}`);
    if (dev.name.endsWith('!')) addDevice(kernel!, `child${children++}`, ['x,dev1']);
    if (dev.name.endsWith('~')) {
      const lastDev = devices[devices.length - 1];
      if (lastDev !== undefined && lastDev !== dev) kernel!.deviceDel(lastDev);
      const lastDrv = drivers[drivers.length - 1];
      if (lastDrv !== undefined && lastDrv.name !== drv) kernel!.driverUnregister(lastDrv);
    }
    return dev.name.startsWith('child') && !log.slice(0, -1).some((l) => l.endsWith(`:${dev.name}`)) ? -Errno.ENODEV : 0;
  };
  w.at('device', 'ops', (kk) => {
    kernel = kk;
    for (const o of ops) {
      const dev = devices.length > 0 ? devices[(o as { dev?: number }).dev! % devices.length] : undefined;
      if (o.op === 'device') addDevice(kk, `${o.name}${o.probe}`, o.compatible);
      else if (o.op === 'driver') {
        const drv = new Driver({ name: o.name, bus: w.bus, matchTable: o.table, probe: probe(o.name) });
        if (kk.driverRegister(drv) === 0) drivers.push(drv);
      } else if (o.op === 'override' && dev !== undefined) dev.driverOverride = o.name;
      else if (o.op === 'compatible' && dev?.fwnode instanceof SoftwareNode) dev.fwnode.setProperty('compatible', [...o.compatible]);
      else if (o.op === 'unregister' && drivers.length > 0) kk.driverUnregister(drivers[o.drv % drivers.length]!);
      else if (o.op === 'delete' && dev !== undefined) kk.deviceDel(dev);
      else if (o.op === 'attach' && dev !== undefined) kk.busProbeDevice(dev);
    }
  });
  w.kernel().boot();
  return [...log, ...devices.map((d) => `${d.name} -> ${d.driver?.name ?? '-'}`)];
}

describe('the match index of driver_attach() and __device_attach()', () => {
  it('probes the same pairs in the same order as walks that ask about every pair', () => {
    // Devices and drivers come and go, driver_override and `compatible` change, and probes
    // add and remove devices and drivers during walks; the index must never skip a pair the
    // kernel would probe.
    fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 14 }), (ops) => {
      expect(run(ops, false)).toEqual(run(ops, true));
    }), { numRuns: 400 });
  });

  it('files every device and driver that can match under a shared key (SimpleBus)', () => {
    const ids = fc.option(fc.array(id, { maxLength: 2 }), { nil: undefined });
    fc.assert(fc.property(id, ids, id, ids, (devName, compatible, drvName, table) => {
      const bus = new SimpleBus('sim');
      const fwnode = compatible === undefined ? null : new SoftwareNode('n', null, { compatible: [...compatible] });
      const dev = new Device({ name: devName, bus, fwnode });
      const drv = new Driver({ name: drvName, bus, matchTable: table });
      const drvKeys = bus.driverMatchKeys(drv);
      if (bus.match(dev, drv) !== 0) expect(bus.deviceMatchKeys(dev).some((key) => drvKeys.includes(key))).toBe(true);
    }));
  });

  it('does not probe a device deleted during the walk of driver_attach(), and reaches one added', () => {
    const w = new World();
    let k!: Kernel;
    w.at('device', 'walk', (kk) => {
      k = kk;
      w.addDevices(kk, 'first', 'second');
      kk.driverRegister(w.driver('all', (dev) => {
        // Probing `first` deletes `second` and adds `third`, whose own first probe (at its
        // device_add) fails: the walk, reaching it at the end, probes it again.
        if (dev.name === 'first') {
          kk.deviceDel(kk.device('second')!);
          w.addDevices(kk, 'third');
        }
        return dev.name === 'third' && w.probes.filter((p) => p === 'third').length === 1 ? -Errno.ENODEV : 0;
      }, { matchTable: ['first', 'second', 'third'] }));
    });
    w.kernel().boot();
    expect(w.probes).toEqual(['first', 'third', 'third']);
    expect(k.device('third')?.driver?.name).toBe('all');
  });

  it('does not ask a driver unregistered during the walk of __device_attach()', () => {
    const w = new World();
    w.at('device', 'walk', (kk) => {
      kk.driverRegister(w.driver('a', () => {
        kk.driverUnregister(kk.findDriver(w.bus, 'b')!);
        return -Errno.ENODEV;
      }, { matchTable: ['dev1'] }));
      kk.driverRegister(w.driver('b', undefined, { matchTable: ['dev1'] }));
      w.addDevices(kk, 'dev1');
    });
    const k = w.kernel().boot();
    expect(w.probes).toEqual(['dev1']);
    expect(k.device('dev1')?.driver).toBeNull();
  });

  it('asks a driver once per walk when it can match a device in two ways', () => {
    // `dev1` matches `dev1` by name and by its table; the failed probe is not tried twice.
    const w = new World();
    w.at('device', 'walk', (kk) => {
      kk.driverRegister(w.driver('dev1', () => -Errno.ENODEV, { matchTable: ['dev1'] }));
      w.addDevices(kk, 'dev1');
      kk.driverRegister(w.driver('dev1-too', () => -Errno.ENODEV, { matchTable: ['dev1'] }));
    });
    w.kernel().boot();
    expect(w.probes).toEqual(['dev1', 'dev1']);
  });

  it('binds a device to the driver its driver_override names when that driver registers later', () => {
    const w = new World();
    w.at('device', 'drivers', (k) => {
      const [dev] = w.addDevices(k, 'dev1');
      dev!.driverOverride = 'vfio-sim';
      k.driverRegister(w.driver('vfio-sim'));
    });
    expect(w.kernel().boot().device('dev1')?.driver?.name).toBe('vfio-sim');
  });

  it('matches a device by a `compatible` set after device_add', () => {
    const w = new World();
    w.at('device', 'drivers', (k) => {
      const fwnode = new SoftwareNode('n', null, { compatible: ['vendor,old'] });
      k.deviceRegister({ name: 'dev1', bus: w.bus, fwnode });
      fwnode.setProperty('compatible', ['vendor,new']);
      k.driverRegister(w.driver('new-drv', undefined, { matchTable: ['vendor,new'] }));
    });
    expect(w.kernel().boot().device('dev1')?.driver?.name).toBe('new-drv');
  });

  it('walks every pair of a bus whose class replaced match() but kept the keys of its parent', () => {
    // A policy being prototyped: every driver named `catch-all` matches every device.
    class CatchAllBus extends SimpleBus {
      override match(dev: Device, drv: Driver): number {
        return drv.name === 'catch-all' ? 1 : super.match(dev, drv);
      }
    }
    const bus = new CatchAllBus('sim');
    const k = new Kernel({ builtin: [new KernelModule('sim', { initcalls: [
      { level: 'core', name: 'bus', fn: (kk) => kk.busRegister(bus) },
      { level: 'device', name: 'drivers', fn: (kk) => {
        for (const name of ['dev1', 'dev2']) kk.deviceRegister({ name, bus });
        kk.driverRegister({ name: 'catch-all', bus });
      } },
    ] })] });
    k.boot();
    expect([k.device('dev1')?.driver?.name, k.device('dev2')?.driver?.name]).toEqual(['catch-all', 'catch-all']);
  });
});
