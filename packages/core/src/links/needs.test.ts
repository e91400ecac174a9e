import { describe, expect, it } from 'vitest';
import type { Kernel } from '../kernel.js';
import { node, ref, World } from '../testing/world.js';
import { DL_FLAG } from './flags.js';
import { needs, renderNeeds } from './needs.js';
import { renderDevlinks } from './views.js';

// soc (bound) ─┬─ clk (bound) ── supplies uart and i2c
//              ├─ pmic (no driver) ── supplies uart
//              ├─ uart (bound) ── needs clk, pmic
//              └─ i2c (bound) ── needs clk
// gpio (bound) ── sync-state-only proxy consumer: keys (a device-less child wants it)
function board(): Kernel {
  const w = new World();
  const soc = node('soc', null, { compatible: ['simple-bus'] });
  const clk = node('clk', soc, { compatible: ['acme,clk'], '#clock-cells': [0] });
  const pmic = node('pmic', soc, { compatible: ['acme,pmic'], '#power-domain-cells': [0] });
  const uart = node('uart', soc, { compatible: ['acme,uart'], clocks: [ref(clk)], 'power-domains': [ref(pmic)] });
  const i2c = node('i2c', soc, { compatible: ['acme,i2c'], clocks: [ref(clk)] });
  const gpio = node('gpio', null, { compatible: ['acme,gpio'], '#gpio-cells': [2] });
  const keys = node('keys', null, { compatible: ['gpio-keys'] });
  node('key', keys, { gpios: [ref(gpio, 1, 0)] });
  w.at('arch_sync', 'populate', (k) => w.fwDevices(k, soc, clk, pmic, uart, i2c, gpio, keys));
  w.at('device', 'drivers', (k) => {
    for (const c of ['simple-bus', 'acme,clk', 'acme,uart', 'acme,i2c', 'acme,gpio', 'gpio-keys']) k.driverRegister(w.driver(c, () => 0, { matchTable: [c] }));
  });
  const k = w.kernel();
  k.boot();
  return k;
}

describe('needs (scripts/dev-needs.sh)', () => {
  it('lists the transitive suppliers and parents breadth-first, skipping suppliers without a driver', () => {
    const k = board();
    expect(k.device('uart')?.bound).toBe(true);
    expect(renderNeeds(needs([k.device('uart')!]))).toBe('uart\nclk\nsoc\n');
  });

  it('follows driverless suppliers with allowNoDriver, and can leave out parents or device links', () => {
    const k = board();
    const uart = k.device('uart')!;
    // The relaxed link to the driverless pmic went away when uart bound; a driver's own (stateless) link stays.
    k.deviceLinkAdd(uart, k.device('pmic')!, DL_FLAG.STATELESS);
    expect(renderNeeds(needs([uart], { allowNoDriver: true }))).toBe('uart\nclk\npmic\nsoc\n');
    expect(renderNeeds(needs([uart], { parents: false }))).toBe('uart\nclk\n');
    expect(renderNeeds(needs([uart], { devlinks: false }))).toBe('uart\nsoc\n');
  });

  it('prints Graphviz edges and tsort pairs, and never follows sync-state-only links', () => {
    const k = board();
    expect(renderNeeds(needs([k.device('uart')!, k.device('i2c')!]), 'dot')).toBe('"clk"->"uart"\n"soc"->"uart"\n"clk"->"i2c"\n"soc"->"i2c"\n"soc"->"clk"\n"soc"\n');
    expect(renderNeeds(needs([k.device('i2c')!]), 'tsort')).toBe('"clk" "i2c"\n"soc" "i2c"\n"soc" "clk"\n"ROOT" "soc"\n');
    expect(renderNeeds(needs([k.device('keys')!]))).toBe('keys\n');
    expect(renderNeeds(needs([k.device('uart')!]), 'list', 'fwnode')).toBe('/soc/uart\n/soc/clk\n/soc\n');
    expect(renderNeeds(needs([k.device('uart')!]), 'list', 'driver')).toBe('acme,uart\nacme,clk\nsimple-bus\n');
  });

  it('walks nothing for a device without a driver', () => {
    const k = board();
    expect(renderNeeds(needs([k.device('pmic')!]))).toBe('');
  });
});

describe('renderDevlinks', () => {
  it('dumps /sys/class/devlink, the supplier:/consumer: links and waiting_for_supplier like the calibration machines', () => {
    const k = board();
    const text = renderDevlinks(k);
    expect(text).toContain('LINK name=sim:clk--sim:uart supplier=clk consumer=uart status=active sync_state_only=0 auto_remove_on=never runtime_pm=1\n');
    // keys bound: its sync-state-only proxy link to gpio is gone.
    expect(text).not.toContain('sim:gpio--sim:keys');
    expect(text).toContain('DL uart supplier:sim:clk\n');
    expect(text).toContain('DL clk consumer:sim:uart\n');
    expect(text).toContain('WFS pmic 0\n');
  });
});
