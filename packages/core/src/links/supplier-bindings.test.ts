import { describe, expect, it } from 'vitest';
import type { SwnodePropertyValue } from '../fwnode/swnode.js';
import { node, ref, World } from '../testing/world.js';

// The suppliers fw_devlink parses from one consumer property on `profile`'s kernel.
function suppliers(profile: string, prop: string, value: (sup: ReturnType<typeof node>) => SwnodePropertyValue): string[] {
  const w = new World();
  const soc = node('soc', null, { compatible: ['simple-bus'] });
  const sup = node('sup@1000', soc, {
    compatible: ['vendor,supplier'],
    '#pwm-cells': [0], '#reset-cells': [0], '#msi-cells': [0], '#pse-cells': [0], '#gpio-cells': [0],
    '#io-backend-cells': [0], '#access-controller-cells': [0],
  });
  node('consumer@2000', soc, { compatible: ['vendor,consumer'], [prop]: value(sup) });
  const k = w.kernel({ profile });
  k.links.fw.parseFwtree(soc);
  const con = soc.children.find((c) => c.name === 'consumer@2000')!;
  return (k.links.fwnodes.peek(con)?.supplierLinks() ?? []).map((l) => l.supplier.name);
}

// [property, last release without the binding, first release with it] — docs/kernel-profiles.md has the commits.
const FIRST_RELEASE: [string, string, string][] = [
  ['pwms', 'linux-5.14', 'linux-5.15'],
  ['resets', 'linux-5.14', 'linux-5.15'],
  ['leds', 'linux-5.14', 'linux-5.15'],
  ['backlight', 'linux-5.14', 'linux-5.15'],
  ['panel', 'linux-6.5', 'linux-6.6'],
  ['msi-parent', 'linux-6.6', 'linux-6.7'],
  ['io-backends', 'linux-6.8', 'linux-6.9'],
  ['pses', 'linux-6.9', 'linux-6.10'],
  ['power-supplies', 'linux-6.9', 'linux-6.10'],
  ['access-controllers', 'linux-6.9', 'linux-6.10'],
  ['mmc-pwrseq', 'linux-6.19', 'linux-7.0'],
  ['gpios', 'linux-5.11', 'linux-5.12'],
];

describe('of_supplier_bindings[]: the release each binding first appears in', () => {
  for (const [prop, without, first] of FIRST_RELEASE) {
    it(`${prop}: not parsed by ${without}, parsed from ${first}`, () => {
      expect(suppliers(without, prop, (s) => [ref(s)])).toEqual([]);
      expect(suppliers(first, prop, (s) => [ref(s)])).toEqual(['sup@1000']);
    });
  }

  it('the named profiles: 5.15 has leds/backlight, 6.6 has panel but not msi-parent, 6.12 and 6.18 have no mmc-pwrseq', () => {
    expect(suppliers('linux-5.15', 'backlight', (s) => [ref(s)])).toEqual(['sup@1000']);
    expect(suppliers('linux-6.6', 'panel', (s) => [ref(s)])).toEqual(['sup@1000']);
    expect(suppliers('linux-6.6', 'msi-parent', (s) => [ref(s)])).toEqual([]);
    expect(suppliers('linux-6.12', 'mmc-pwrseq', (s) => [ref(s)])).toEqual([]);
    expect(suppliers('linux-6.18', 'mmc-pwrseq', (s) => [ref(s)])).toEqual([]);
  });

  it('a `<vendor>,nr-gpios` property is read as a GPIO list before v5.12 and skipped from v5.12', () => {
    expect(suppliers('linux-5.10', 'snps,nr-gpios', (s) => [ref(s)])).toEqual(['sup@1000']);
    expect(suppliers('linux-5.12', 'snps,nr-gpios', (s) => [ref(s)])).toEqual([]);
    expect(suppliers('linux-5.12', 'reset-gpios', (s) => [ref(s)])).toEqual(['sup@1000']);
  });
});

describe('the interrupt-parent supplier binding', () => {
  it('links a node to its interrupt-parent up to v6.12; v6.13 dropped the binding ("Do not use interrupt-parent directly")', () => {
    expect(suppliers('linux-6.12', 'interrupt-parent', (s) => [ref(s)])).toEqual(['sup@1000']);
    expect(suppliers('linux-6.13', 'interrupt-parent', (s) => [ref(s)])).toEqual([]);
  });
});
