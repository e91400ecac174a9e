import { describe, expect, it } from 'vitest';
import { node, ref, World } from '../testing/world.js';

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
});
