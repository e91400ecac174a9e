import { describe, expect, it } from 'vitest';
import { node, ref, World } from '../testing/world.js';
import { devlinkClass } from './views.js';

// Two nodes that supply each other's clocks, with core.c debug output on.
function dmesg(profile: string): string {
  const w = new World();
  const a = node('a', null, { compatible: ['acme,cyc'], '#clock-cells': [0] });
  const b = node('b', null, { compatible: ['acme,cyc'], '#clock-cells': [0] });
  a.setProperty('clocks', [ref(b)]);
  b.setProperty('clocks', [ref(a)]);
  w.at('arch_sync', 'populate', (k) => w.fwDevices(k, a, b));
  w.at('device', 'cyc', (k) => k.driverRegister(w.driver('cyc', () => 0, { matchTable: ['acme,cyc'] })));
  const k = w.kernel({ profile, cmdline: 'dyndbg="file drivers/base/core.c +p"' });
  k.boot();
  return k.dmesg();
}

describe('fw_devlink cycle trace lines ("driver core: fw_devlink: Improve logs for cycle detection")', () => {
  it('appear from v6.8 (merged for 6.8-rc5), not on v6.7', () => {
    const v67 = dmesg('linux-6.7');
    expect(v67).toContain('Fixed dependency cycle(s) with /b');
    expect(v67).not.toContain('cycle: start');
    const v68 = dmesg('linux-6.8');
    expect(v68).toContain('----- cycle: start -----');
    expect(v68).toContain('/b: cycle: depends on /a');
    expect(v68).toContain('----- cycle: end -----');
  });

  it('before v6.8 __fwnode_link_cycle() logs "Relaxing link with" for each marked fwnode link', () => {
    const v67 = dmesg('linux-6.7');
    expect(v67).toMatch(/\/[ab]: Relaxing link with \/[ab]/);
    expect(v67).not.toContain('cycle: depends on');
    expect(dmesg('linux-6.8')).not.toMatch(/\/[ab]: Relaxing link with \/[ab]/);
  });
});

// Two devices a and b; a has a device-less child a1, b has device-less children b1 and b2.
// a → b, b1, b2; a1 → b, b2; b → b2; b1 → a1, b2; b2 → a, b1 (clocks): intertwined cycles
// through the a/b pair (found by a random search comparing the two eras). Before v6.8 a link
// that is already sync-state-only is never searched, so one cycle keeps a managed link.
function overlapping(profile: string): string[] {
  const w = new World();
  const cells = { '#clock-cells': [0] };
  const a = node('a', null, { compatible: ['acme,x'], ...cells });
  const a1 = node('a1', a, cells);
  const b = node('b', null, { compatible: ['acme,x'], ...cells });
  const b1 = node('b1', b, cells);
  const b2 = node('b2', b, cells);
  a.setProperty('clocks', [ref(b), ref(b1), ref(b2)]);
  a1.setProperty('clocks', [ref(b), ref(b2)]);
  b.setProperty('clocks', [ref(b2)]);
  b1.setProperty('clocks', [ref(a1), ref(b2)]);
  b2.setProperty('clocks', [ref(a), ref(b1)]);
  w.at('arch_sync', 'populate', (k) => w.fwDevices(k, a, b));
  w.at('device', 'x', (k) => k.driverRegister(w.driver('x', () => 0, { matchTable: ['acme,x'] })));
  const k = w.kernel({ profile });
  k.boot();
  return devlinkClass(k).map((l) => `${l.name} ${l.status} sso=${l.syncStateOnly}`);
}

describe('overlapping cycles ("driver core: fw_devlink: Improve detection of overlapping cycles", 6442d79d880c)', () => {
  it('v6.3–v6.7 skip the search for a sync-state-only link and leave a managed link on the second cycle', () => {
    expect(overlapping('linux-6.7')).toEqual(['sim:b--sim:a active sso=0']);
  });

  it('from v6.8 a link that is sync-state-only because of a cycle is searched too, and the second cycle is relaxed', () => {
    expect(overlapping('linux-6.8')).toEqual([]);
    expect(overlapping('linux-6.12')).toEqual([]);
  });
});
