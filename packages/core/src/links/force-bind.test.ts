import { describe, expect, it } from 'vitest';
import type { Device } from '../base/device.js';
import type { Kernel } from '../kernel.js';
import { World } from '../testing/world.js';
import { DL_FLAG } from './flags.js';

// A consumer `c` with managed links to a bound supplier `ready` and an unbound
// supplier `absent`; then a driver binds `c` through device_bind_driver().
function forceBound(profile: string): { k: Kernel; d: Record<string, Device>; ret: number } {
  const w = new World();
  const k = w.kernel({ profile, cmdline: 'deferred_probe_timeout=-1' });
  k.boot();
  k.busRegister(w.bus);
  k.driverRegister(w.driver('ready'));
  const d: Record<string, Device> = {};
  for (const n of ['ready', 'absent', 'c']) d[n] = k.deviceRegister({ name: n, bus: w.bus });
  k.deviceLinkAdd(d.c!, d.ready!, 0);
  k.deviceLinkAdd(d.c!, d.absent!, 0);
  k.driverRegister(w.driver('parent-managed', () => 0, { matchTable: [] }));
  const ret = k.deviceBindDriver(d.c!, k.findDriver(w.bus, 'parent-managed')!);
  return { k, d, ret };
}

describe('device_bind_driver() and device_links_force_bind()', () => {
  it('v5.13+: the link to the bound supplier becomes active, the one to the unbound supplier is dropped, no warning', () => {
    const { k, d, ret } = forceBound('linux-6.12');
    expect(ret).toBe(0);
    expect(d.c!.bound).toBe(true);
    expect(k.links.all().map((l) => `${l.supplier.name}:${l.status}`)).toEqual(['ready:ACTIVE']);
    expect(k.dmesg()).not.toContain('WARNING');
  });

  it('before v5.13: link states are left as they were, device_links_driver_bound() WARNs and marks both active', () => {
    const { k, d } = forceBound('linux-5.10');
    expect(d.c!.bound).toBe(true);
    expect(k.links.all().map((l) => `${l.supplier.name}:${l.status}`)).toEqual(['ready:ACTIVE', 'absent:ACTIVE']);
    expect(k.dmesg()).toMatch(/------------\[ cut here \]------------\n.*WARNING: CPU: 0 PID: 1 at drivers\/base\/core\.c device_links_driver_bound/);
  });

  it('keeps stateless links untouched', () => {
    const w = new World();
    const k = w.kernel({ cmdline: 'deferred_probe_timeout=-1' });
    k.boot();
    k.busRegister(w.bus);
    const [s, c] = w.addDevices(k, 's', 'c');
    const link = k.deviceLinkAdd(c!, s!, DL_FLAG.STATELESS)!;
    k.driverRegister(w.driver('x', () => 0, { matchTable: [] }));
    k.deviceBindDriver(c!, k.findDriver(w.bus, 'x')!);
    expect(k.links.all()).toEqual([link]);
    expect(link.managed).toBe(false);
  });
});
