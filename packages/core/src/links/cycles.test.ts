import { describe, expect, it } from 'vitest';
import { Errno } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { LogLevel } from '../klog/levels.js';
import { node, ref, World } from '../testing/world.js';
import { DL_FLAG } from './flags.js';
import { devlinkClass } from './views.js';

const DYNDBG = 'dyndbg="file drivers/base/core.c +p"';

/**
 * Nodes `names[i]` each with `clocks = <&names[i+1]>` (the last one points back
 * to the first): a dependency cycle. Devices are added in order at
 * arch_initcall_sync; one driver `cyc` binds them all at device_initcall.
 */
function cycle(profile: string, names: string[], cmdline = '', probe: (k: Kernel, name: string) => number = () => 0) {
  const w = new World();
  const nodes = names.map((n) => node(n, null, { compatible: ['acme,cyc'], '#clock-cells': [0] }));
  nodes.forEach((n, i) => n.setProperty('clocks', [ref(nodes[(i + 1) % nodes.length]!)]));
  let k!: Kernel;
  let links: ReturnType<typeof devlinkClass> = [];
  w.at('arch_sync', 'populate', (kk) => w.fwDevices(kk, ...nodes));
  // The links as they stand before any driver binds (binding drops sync-state-only supplier links).
  w.at('subsys', 'snapshot', (kk) => void (links = devlinkClass(kk)));
  w.at('device', 'cyc', (kk) => kk.driverRegister(w.driver('cyc', (dev) => probe(k, dev.name), { matchTable: ['acme,cyc'] })));
  k = w.kernel({ profile, cmdline: `deferred_probe_timeout=-1 ${DYNDBG} ${cmdline}` });
  k.boot();
  const info = k.klog.records().filter((r) => r.level === LogLevel.INFO && /cycl/.test(r.text)).map((r) => r.text);
  return { k, w, info, bound: names.filter((n) => k.device(n)?.bound === true), links };
}

describe('dependency cycles: two nodes that supply each other', () => {
  it('v6.13+: always detected from the consumer fwnode, fwnode-prefixed message, both links sync-state-only', () => {
    const r = cycle('linux-6.18', ['a', 'b']);
    expect(r.info).toEqual(['/a: Fixed dependency cycle(s) with /b', '/b: Fixed dependency cycle(s) with /a']);
    expect(r.k.dmesg()).toContain('----- cycle: start -----');
    expect(r.k.dmesg()).toContain('/b: cycle: depends on /a');
    expect(r.bound).toEqual(['a', 'b']);
    // Ordering inside the cycle falls back to registration order.
    expect(r.w.probes).toEqual(['a', 'b']);
    const cyc = DL_FLAG.CYCLE | DL_FLAG.SYNC_STATE_ONLY;
    expect(r.links.map((l) => [l.name, l.flags & cyc])).toEqual([['sim:a--sim:b', cyc], ['sim:b--sim:a', cyc]]);
    // Once the consumers bind, their sync-state-only supplier links are dropped.
    expect(r.k.links.all()).toEqual([]);
  });

  it('v6.3–v6.12: detected from the consumer device, device-prefixed message', () => {
    const r = cycle('linux-6.12', ['a', 'b']);
    expect(r.info).toEqual(['sim a: Fixed dependency cycle(s) with /b', 'sim b: Fixed dependency cycle(s) with /a']);
    expect(r.w.probes).toEqual(['a', 'b']);
    expect(r.links.map((l) => l.syncStateOnly)).toEqual([1, 1]);
  });

  it('v5.12–v6.2: the refused closing link is reported and the cycle relaxed to sync-state-only', () => {
    const r = cycle('linux-6.1', ['a', 'b']);
    expect(r.info).toEqual(['sim b: Fixing up cyclic dependency with a']);
    expect(r.w.probes).toEqual(['a', 'b']);
    expect(r.links.map((l) => [l.name, l.syncStateOnly])).toEqual([['sim:a--sim:b', 1], ['sim:b--sim:a', 1]]);
  });

  it('≤ v5.11: device_link_add() silently refuses the closing link, so creation order decides who waits', () => {
    const r = cycle('linux-5.10', ['a', 'b'], 'fw_devlink=on');
    expect(r.info).toEqual([]);
    expect(r.links.map((l) => [l.name, l.syncStateOnly])).toEqual([['sim:b--sim:a', 0]]);
    // a waits for b: b's driver probes first.
    expect(r.w.probes).toEqual(['b', 'a']);
    expect(r.bound).toEqual(['a', 'b']);
  });

  it('inside a relaxed cycle only driver-level -EPROBE_DEFER orders the devices (pitfall 11)', () => {
    // a's driver really needs b; fw_devlink no longer enforces it.
    const r = cycle('linux-6.12', ['a', 'b'], '', (k, name) => (name === 'a' && k.device('b')?.bound !== true ? -Errno.EPROBE_DEFER : 0));
    expect(r.w.probes).toEqual(['a', 'b', 'a']);
    expect(r.bound).toEqual(['a', 'b']);
  });
});

describe('dependency cycles: a → b → c → a', () => {
  it('v6.13+: every link on the cycle is relaxed, all bind in registration order', () => {
    const r = cycle('linux-6.18', ['a', 'b', 'c']);
    expect(r.info).toContain('/b: Fixed dependency cycle(s) with /c');
    expect(r.info).toContain('/c: Fixed dependency cycle(s) with /a');
    expect(r.links.map((l) => [l.name, l.syncStateOnly])).toEqual([['sim:a--sim:c', 1], ['sim:b--sim:a', 1], ['sim:c--sim:b', 1]]);
    expect(r.w.probes).toEqual(['a', 'b', 'c']);
  });

  it('v6.3–v6.12: the same cycle is found from the consumer device', () => {
    const r = cycle('linux-6.6', ['a', 'b', 'c']);
    expect(r.info).toContain('sim b: Fixed dependency cycle(s) with /c');
    expect(r.links.map((l) => l.syncStateOnly)).toEqual([1, 1, 1]);
    expect(r.w.probes).toEqual(['a', 'b', 'c']);
  });

  it('v5.12–v6.2: the links along the consumer chain are relaxed when the closing link is refused', () => {
    const r = cycle('linux-5.15', ['a', 'b', 'c']);
    expect(r.info).toEqual(['sim c: Fixing up cyclic dependency with a']);
    expect(r.links.map((l) => l.syncStateOnly)).toEqual([1, 1, 1]);
    expect(r.w.probes).toEqual(['a', 'b', 'c']);
  });

  it('≤ v5.11: the chain is enforced up to the refused link: c, then b, then a', () => {
    const r = cycle('linux-5.10', ['a', 'b', 'c'], 'fw_devlink=on');
    expect(r.links.map((l) => [l.name, l.syncStateOnly])).toEqual([['sim:b--sim:a', 0], ['sim:c--sim:b', 0]]);
    expect(r.w.probes.filter((p, i, all) => all.indexOf(p) === i && r.k.device(p)?.bound)).toEqual(['c', 'b', 'a']);
  });
});

describe('a parent that consumes from its own child', () => {
  it('v6.3+: the cycle through the parent is found and the parent is not blocked', () => {
    const w = new World();
    const parent = node('bridge@1', null, { compatible: ['acme,bridge'] });
    const child = node('clk@2', parent, { compatible: ['acme,clk'], '#clock-cells': [0] });
    parent.setProperty('clocks', [ref(child)]);
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, parent));
    w.at('device', 'drv', (k) => k.driverRegister(w.driver('bridge', () => 0, { matchTable: ['acme,bridge'] })));
    const k = w.kernel({ cmdline: `deferred_probe_timeout=-1 ${DYNDBG}` });
    k.boot();
    expect(k.device('1.bridge')?.bound).toBe(true);
    expect(k.dmesg()).toContain('sim 1.bridge: Fixed dependency cycle(s) with /bridge@1/clk@2');
  });
});
