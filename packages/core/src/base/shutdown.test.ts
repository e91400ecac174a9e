import { describe, expect, it } from 'vitest';
import type { Device } from './device.js';
import { SimpleBus } from './bus.js';
import { Kernel } from '../kernel.js';
import { KernelModule } from '../init/module.js';
import { DL_FLAG } from '../links/flags.js';

const NAMES = ['consumer', 'supplier', 'parent', 'child', 'last', 'a', 'b', 'c', 's', 'x', 'late'];

// A kernel whose userspace registers `script`'s devices and links, then runs device_shutdown().
function shutdownAfter(script: (k: Kernel, bus: SimpleBus) => void, bus = new SimpleBus('sim')): { k: Kernel; calls: string[] } {
  const calls: string[] = [];
  const builtin = [
    new KernelModule('sim_bus', { initcalls: [{ level: 'core', name: 'sim_bus_init', fn: (k) => k.busRegister(bus) }] }),
    new KernelModule('sim_drv', {
      initcalls: [{ level: 'device', name: 'sim_drv_init', fn: (k) => k.driverRegister({ name: 'sim-drv', bus, matchTable: NAMES, shutdown: (d: Device) => calls.push(d.name) }) }],
    }),
  ];
  const userspace = [
    { kind: 'run' as const, name: 'populate', fn: (k: Kernel) => script(k, bus) },
    { kind: 'run' as const, name: 'reboot', fn: (k: Kernel) => k.deviceShutdown() },
  ];
  const k = new Kernel({ builtin, userspace, cmdline: 'deferred_probe_timeout=-1' });
  k.boot();
  return { k, calls };
}

describe('device_shutdown() (spec §9.3)', () => {
  it('walks devices_kset from the tail: consumers before suppliers, children before parents', () => {
    const { k, calls } = shutdownAfter((k, bus) => {
      // Registered consumer first: only device_link_add()'s reorder puts it behind its supplier.
      const con = k.deviceRegister({ name: 'consumer', bus });
      const sup = k.deviceRegister({ name: 'supplier', bus });
      const parent = k.deviceRegister({ name: 'parent', bus });
      k.deviceRegister({ name: 'child', bus, parent });
      k.deviceLinkAdd(con, sup, DL_FLAG.AUTOREMOVE_CONSUMER);
      k.deviceRegister({ name: 'last', bus });
    });
    const order = k.shutdownOrder.map((d) => d.name);
    expect(order).toEqual(['last', 'consumer', 'child', 'parent', 'supplier']);
    expect(order.indexOf('consumer')).toBeLessThan(order.indexOf('supplier'));
    // Every device here bound to the driver, whose shutdown ran in the same order.
    expect(calls).toEqual(order);
    expect(k.devicesKset.size).toBe(0);
  });

  it('a link to a later supplier moves the consumer and its own consumers behind it (device_reorder_to_tail())', () => {
    const { k } = shutdownAfter((k, bus) => {
      const a = k.deviceRegister({ name: 'a', bus });
      const b = k.deviceRegister({ name: 'b', bus });
      // b depends on a: b already sits behind a.
      k.deviceLinkAdd(b, a, 0);
      // a new consumer of b, registered last and linked: stays last.
      const c = k.deviceRegister({ name: 'c', bus });
      k.deviceLinkAdd(c, b, 0);
      // Now a later supplier of a: a (and its consumers b, c) move behind it.
      const s = k.deviceRegister({ name: 's', bus });
      k.deviceLinkAdd(a, s, 0);
    });
    expect(k.shutdownOrder.map((d) => d.name)).toEqual(['c', 'b', 'a', 's']);
  });

  it('prefers the bus shutdown over the driver shutdown and blocks probing afterwards', () => {
    const seen: string[] = [];
    class ShutdownBus extends SimpleBus {
      override shutdown(dev: Device): void {
        seen.push(`bus:${dev.name}`);
      }
    }
    const bus = new ShutdownBus('sim');
    const { k, calls } = shutdownAfter((k, b) => {
      k.deviceRegister({ name: 'x', bus: b });
    }, bus);
    expect(seen).toEqual(['bus:x']);
    expect(calls).toEqual([]);
    expect(k.deferred.deferAllProbes).toBe(true);
    // device_block_probing(): a device added now does not reach its driver's probe.
    const late = k.deviceRegister({ name: 'late', bus });
    expect(late.bound).toBe(false);
  });
});
