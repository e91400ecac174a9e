import { describe, expect, it } from 'vitest';
import type { Device } from '../base/device.js';
import { Errno } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { World } from '../testing/world.js';
import { DL_FLAG } from './flags.js';
import { initStatus } from './device-links.js';
import { devlinkClass } from './views.js';

const DYNDBG = 'dyndbg="file drivers/base/core.c +p"';
const { STATELESS, AUTOREMOVE_CONSUMER, AUTOREMOVE_SUPPLIER, AUTOPROBE_CONSUMER, SYNC_STATE_ONLY, MANAGED, INFERRED, PM_RUNTIME } = DL_FLAG;

/** A kernel with devices `names` added at arch_initcall_sync and nothing else (tests drive it by hand). */
function devices(...names: string[]): { w: World; k: Kernel; d: Record<string, Device> } {
  const w = new World();
  const k = w.kernel({ cmdline: `deferred_probe_timeout=-1 ${DYNDBG}` });
  k.boot();
  k.busRegister(w.bus);
  const d: Record<string, Device> = {};
  for (const n of names) d[n] = k.deviceRegister({ name: n, bus: w.bus });
  return { w, k, d };
}

describe('device_link_add()', () => {
  it('refuses invalid flag combinations, a self link and an unregistered supplier', () => {
    const { k, d } = devices('a', 'b');
    expect(k.deviceLinkAdd(d.a!, d.b!, STATELESS | AUTOREMOVE_CONSUMER)).toBeNull();
    expect(k.deviceLinkAdd(d.a!, d.b!, STATELESS | SYNC_STATE_ONLY)).toBeNull();
    expect(k.deviceLinkAdd(d.a!, d.b!, AUTOPROBE_CONSUMER | AUTOREMOVE_SUPPLIER)).toBeNull();
    expect(k.deviceLinkAdd(d.a!, d.b!, SYNC_STATE_ONLY | AUTOPROBE_CONSUMER)).toBeNull();
    expect(k.deviceLinkAdd(d.a!, d.b!, 1 << 12)).toBeNull();
    expect(k.deviceLinkAdd(d.a!, d.a!, 0)).toBeNull();
    const unregistered = k.deviceCreate({ name: 'c' });
    expect(k.deviceLinkAdd(d.a!, unregistered, 0)).toBeNull();
    expect(k.links.all()).toEqual([]);
  });

  it('makes every non-stateless link managed and prefers AUTOREMOVE_SUPPLIER over AUTOREMOVE_CONSUMER', () => {
    const { k, d } = devices('a', 'b');
    const l = k.deviceLinkAdd(d.a!, d.b!, AUTOREMOVE_CONSUMER | AUTOREMOVE_SUPPLIER)!;
    expect(l.flags).toBe(MANAGED | AUTOREMOVE_SUPPLIER);
    expect(devlinkClass(k)[0]).toMatchObject({ name: 'sim:b--sim:a', autoRemoveOn: 'supplier unbind', status: 'dormant' });
    expect(k.dmesg()).toContain('sim a: Linked as a consumer to b');
  });

  it('refuses a link that would close a loop, and a device consuming from its own descendant', () => {
    const { k, d } = devices('a', 'b', 'c');
    expect(k.deviceLinkAdd(d.a!, d.b!, 0)).not.toBeNull();
    expect(k.deviceLinkAdd(d.b!, d.c!, 0)).not.toBeNull();
    expect(k.deviceLinkAdd(d.c!, d.a!, 0)).toBeNull();
    // Sync-state-only links are not dependencies: they may close loops.
    expect(k.deviceLinkAdd(d.c!, d.a!, SYNC_STATE_ONLY)).not.toBeNull();
    const child = k.deviceRegister({ name: 'child', bus: d.a!.bus, parent: d.a! });
    expect(k.deviceLinkAdd(d.a!, child, 0)).toBeNull();
    expect(k.deviceLinkAdd(child, d.a!, 0)).not.toBeNull();
  });

  it('merges a second request into the existing link', () => {
    const { k, d } = devices('a', 'b');
    const inferred = k.deviceLinkAdd(d.a!, d.b!, INFERRED | AUTOREMOVE_CONSUMER)!;
    // A driver asking for the same link: no longer inferred; the longer lifetime wins.
    expect(k.deviceLinkAdd(d.a!, d.b!, AUTOREMOVE_SUPPLIER | PM_RUNTIME)).toBe(inferred);
    expect(inferred.flags).toBe(MANAGED | AUTOREMOVE_SUPPLIER | PM_RUNTIME);
    expect(k.deviceLinkAdd(d.a!, d.b!, 0)).toBe(inferred);
    expect(inferred.flags).toBe(MANAGED | PM_RUNTIME);
    // A stateless user takes a reference; deleting it leaves the managed link alone.
    expect(k.deviceLinkAdd(d.a!, d.b!, STATELESS)).toBe(inferred);
    k.deviceLinkDel(inferred);
    expect(k.links.all()).toEqual([inferred]);
    expect(k.links.all()).toHaveLength(1);
  });

  it('refuses a sync-state-only link once the consumer has probed', () => {
    const { w, k, d } = devices('a', 'b');
    k.driverRegister(w.driver('a'));
    expect(d.a!.bound).toBe(true);
    expect(k.deviceLinkAdd(d.a!, d.b!, SYNC_STATE_ONLY)).toBeNull();
    expect(k.deviceLinkAdd(d.a!, d.b!, 0)).not.toBeNull();
  });

  it('deletes a stateless link when its last reference goes', () => {
    const { k, d } = devices('a', 'b');
    const l = k.deviceLinkAdd(d.a!, d.b!, STATELESS)!;
    expect(l.status).toBe('NONE');
    expect(devlinkClass(k)[0]?.status).toBe('not tracked');
    k.deviceLinkAdd(d.a!, d.b!, STATELESS);
    k.deviceLinkDel(l);
    expect(k.links.all()).toHaveLength(1);
    k.deviceLinkDel(l);
    expect(k.links.all()).toHaveLength(0);
    expect(k.dmesg()).toContain('sim a: Dropping the link to b');
  });

  it('moves the consumer and its dependants behind the supplier in devices_kset', () => {
    const { k, d } = devices('consumer', 'child-holder', 'supplier');
    const child = k.deviceRegister({ name: 'cchild', bus: d.consumer!.bus, parent: d.consumer! });
    const order = (): string[] => k.devicesKset.toArray().map((x) => x.name);
    expect(order()).toEqual(['consumer', 'child-holder', 'supplier', 'cchild']);
    k.deviceLinkAdd(d.consumer!, d.supplier!, 0);
    expect(order()).toEqual(['child-holder', 'supplier', 'consumer', 'cchild']);
    expect(child.registered).toBe(true);
  });

  it('finds the existing link of a pair between devices with many links (merge, not a second link), also after deletions', () => {
    // 20 consumers × 40 suppliers: both lists past the length where the pair lookup switches to an index.
    const sups = Array.from({ length: 40 }, (_, i) => `s${i}`);
    const cons = Array.from({ length: 20 }, (_, i) => `c${i}`);
    const { k, d } = devices(...cons, ...sups);
    const links = cons.map((c) => sups.map((s) => k.deviceLinkAdd(d[c]!, d[s]!, STATELESS)!));
    expect(k.links.all()).toHaveLength(800);
    const c = d.c7!;
    // A second device_link_add() of a stateless pair takes a reference on the same link.
    expect(k.deviceLinkAdd(c, d.s30!, STATELESS)).toBe(links[7]![30]);
    expect(links[7]![30]!.refcount).toBe(2);
    k.deviceLinkDel(links[7]![30]!);
    k.deviceLinkDel(links[7]![30]!);
    k.deviceLinkDel(links[7]![5]!);
    expect(c.links.suppliers).toHaveLength(38);
    // Deleted pairs get a new link; the others still merge.
    const again = k.deviceLinkAdd(c, d.s30!, STATELESS)!;
    expect(again).not.toBe(links[7]![30]);
    expect(again.refcount).toBe(1);
    expect(k.deviceLinkAdd(c, d.s30!, STATELESS)).toBe(again);
    expect(k.deviceLinkAdd(c, d.s5!, STATELESS)).not.toBe(links[7]![5]);
    expect(k.deviceLinkAdd(c, d.s39!, STATELESS)).toBe(links[7]![39]);
    expect(k.deviceLinkAdd(d.c8!, d.s30!, STATELESS)).toBe(links[8]![30]);
    expect(c.links.suppliers).toHaveLength(40);
    expect(k.links.all()).toHaveLength(800);
  });
});

describe('link states (spec §6.2, §6.4)', () => {
  it('computes the initial state from both ends (device_link_init_status())', () => {
    const { w, k, d } = devices('sup', 'con', 'other');
    expect(k.deviceLinkAdd(d.con!, d.sup!, 0)!.status).toBe('DORMANT');
    k.driverRegister(w.driver('sup'));
    expect(k.deviceLinkAdd(d.other!, d.sup!, 0)!.status).toBe('AVAILABLE');
    k.driverRegister(w.driver('other'));
    expect(d.other!.links.suppliers[0]!.status).toBe('ACTIVE');
    // Created by the consumer's probe while the supplier is bound: CONSUMER_PROBE, then ACTIVE.
    let during = '';
    const late = k.deviceRegister({ name: 'late', bus: w.bus });
    k.driverRegister(w.driver('late', (dev) => {
      during = k.deviceLinkAdd(dev, d.sup!, 0)!.status;
      return 0;
    }));
    expect(during).toBe('CONSUMER_PROBE');
    expect(late.links.suppliers[0]!.status).toBe('ACTIVE');
  });

  it('walks DORMANT → AVAILABLE → CONSUMER_PROBE → ACTIVE, and back when the probe fails', () => {
    const { w, k, d } = devices('sup', 'con');
    const link = k.deviceLinkAdd(d.con!, d.sup!, 0)!;
    let seenInProbe = '';
    let fail = true;
    k.driverRegister(w.driver('con', () => {
      seenInProbe = link.status;
      return fail ? -Errno.EIO : 0;
    }));
    // Blocked before the driver runs.
    expect(seenInProbe).toBe('');
    expect(d.con!.deferredReason).toBe('sim: supplier sup not ready');
    k.driverRegister(w.driver('sup'));
    expect(link.status).toBe('AVAILABLE');
    k.deviceAttach(d.con!);
    expect(seenInProbe).toBe('CONSUMER_PROBE');
    expect(link.status).toBe('AVAILABLE');
    fail = false;
    k.deviceAttach(d.con!);
    expect(link.status).toBe('ACTIVE');
  });

  it('deletes an AUTOREMOVE_CONSUMER link when the consumer fails to probe', () => {
    const { w, k, d } = devices('sup', 'con');
    k.driverRegister(w.driver('sup'));
    k.deviceLinkAdd(d.con!, d.sup!, AUTOREMOVE_CONSUMER);
    k.driverRegister(w.driver('con', () => -Errno.EIO));
    expect(k.links.all()).toEqual([]);
  });

  it('queues an AUTOPROBE_CONSUMER consumer for a retry when the supplier binds', () => {
    const w = new World();
    w.at('arch_sync', 'populate', (kk) => {
      const [sup, con] = w.addDevices(kk, 'sup', 'con');
      kk.deviceLinkAdd(con!, sup!, AUTOPROBE_CONSUMER);
    });
    w.at('device', 'con', (kk) => kk.driverRegister(w.driver('con')));
    w.module('sup_mod', [w.driver('sup')]);
    const k = w.kernel({ userspace: [{ kind: 'insmod', module: 'sup_mod' }] });
    k.boot();
    expect(k.device('con')?.bound).toBe(true);
    expect(w.probes).toEqual(['sup', 'con']);
  });
});

describe('unbind ordering (spec §9)', () => {
  function chain() {
    const w = new World();
    const removed: string[] = [];
    const remove = (dev: Device): void => void removed.push(dev.name);
    w.at('arch_sync', 'populate', (kk) => {
      const [a, b, c, side] = w.addDevices(kk, 'a', 'b', 'c', 'side');
      kk.deviceLinkAdd(b!, a!, 0);
      kk.deviceLinkAdd(c!, b!, 0);
      kk.deviceLinkAdd(side!, a!, AUTOREMOVE_SUPPLIER);
    });
    w.at('device', 'drivers', (kk) => {
      for (const n of ['a', 'b', 'c', 'side']) kk.driverRegister(w.driver(n, () => 0, { remove }));
    });
    const k = w.kernel({ cmdline: 'deferred_probe_timeout=-1' });
    k.boot();
    return { k, removed };
  }

  it('unbinds consumers before their supplier, recursively (remove() order)', () => {
    const { k, removed } = chain();
    expect(['a', 'b', 'c', 'side'].map((n) => k.device(n)?.bound)).toEqual([true, true, true, true]);
    k.deviceReleaseDriver(k.device('a')!);
    expect(removed).toEqual(['c', 'b', 'side', 'a']);
  });

  it('leaves links dormant after the supplier unbinds, and drops AUTOREMOVE_SUPPLIER links', () => {
    const { k } = chain();
    k.deviceReleaseDriver(k.device('a')!);
    expect(devlinkClass(k).map((e) => [e.name, e.status])).toEqual([
      ['sim:a--sim:b', 'dormant'],
      ['sim:b--sim:c', 'dormant'],
    ]);
  });

  it('purges every link of a deleted device', () => {
    const { k } = chain();
    k.deviceDel(k.device('b')!);
    expect(devlinkClass(k).map((e) => e.name)).toEqual(['sim:a--sim:side']);
    expect(k.device('c')?.bound).toBe(false);
  });
});

describe('device_link_init_status()', () => {
  it('follows the table of spec §6.2', () => {
    const states = ['PROBING', 'DRIVER_BOUND', 'NO_DRIVER', 'UNBINDING'] as const;
    const table = states.map((sup) => states.slice(0, 3).map((con) => initStatus(con, sup)));
    expect(table).toEqual([
      ['CONSUMER_PROBE', 'DORMANT', 'DORMANT'],
      ['CONSUMER_PROBE', 'ACTIVE', 'AVAILABLE'],
      ['DORMANT', 'DORMANT', 'DORMANT'],
      ['SUPPLIER_UNBIND', 'SUPPLIER_UNBIND', 'SUPPLIER_UNBIND'],
    ]);
  });
});
