import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SoftwareNode } from '../fwnode/swnode.js';
import { SimpleBus } from './bus.js';
import { Device } from './device.js';
import { Driver } from './driver.js';

// The rule SimpleBus documents, with no shortcut: driver_override, then a `compatible`
// entry or the device name in the table, then equal names.
function reference(name: string, compatible: readonly string[] | undefined, override: string | null, drvName: string, table: readonly unknown[] | undefined): number {
  if (override !== null) return override === drvName ? 1 : 0;
  if (table !== undefined && ((compatible ?? []).some((c) => table.includes(c)) || table.includes(name))) return 1;
  return name === drvName ? 1 : 0;
}

// Few, similar ids, so that pairs match and nearly match.
const id = fc.constantFrom('', 'a', 'x,dev1', 'x,dev2', 'x,dev12', 'y,dev1', 'x,uart', 'uart', 'dev1', 'drv');
const drivers = fc.array(fc.record({
  name: id,
  table: fc.option(fc.array(fc.oneof(id, fc.integer({ min: 0, max: 3 })), { maxLength: 3 }), { nil: undefined }),
}), { minLength: 1, maxLength: 4 });
const devices = fc.array(fc.record({
  name: id,
  compatible: fc.option(fc.array(id, { maxLength: 3 }), { nil: undefined }),
  override: fc.option(id, { nil: null }),
  // A later change of the device's `compatible` and driver_override (of_overlay, sysfs).
  later: fc.record({ compatible: fc.array(id, { maxLength: 3 }), override: fc.option(id, { nil: null }) }),
}), { minLength: 1, maxLength: 4 });

describe('SimpleBus.match()', () => {
  it('answers as its documented rule for any ids, also after `compatible` and driver_override change', () => {
    fc.assert(fc.property(devices, drivers, (devs, drvs) => {
      const bus = new SimpleBus('test');
      const ds = drvs.map((d) => new Driver({ name: d.name, bus, matchTable: d.table }));
      for (const d of devs) {
        const fwnode = d.compatible === undefined ? null : new SoftwareNode('n', null, { compatible: [...d.compatible] });
        const dev = new Device({ name: d.name, bus, fwnode });
        dev.driverOverride = d.override;
        const check = (compatible: readonly string[] | undefined): void => {
          drvs.forEach((drv, i) => expect(bus.match(dev, ds[i]!)).toBe(reference(d.name, compatible, dev.driverOverride, drv.name, drv.table)));
        };
        check(d.compatible);
        const node = fwnode ?? new SoftwareNode('m', null, {});
        if (fwnode === null) dev.fwnode = node;
        node.setProperty('compatible', [...d.later.compatible]);
        dev.driverOverride = d.later.override;
        check(d.later.compatible);
      }
    }), { numRuns: 500 });
  });
});
