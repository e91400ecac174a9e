import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PciError } from './errors.js';
import { parsePciHost, pciScanOrder, type PciDeviceEntry } from './input.js';

// Entries that are sometimes well-formed and sometimes not, field by field.
const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');
const entry: fc.Arbitrary<unknown> = fc.record({
  bdf: fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0, max: 7 })).map(([b, d, f]) => `${hex(b, 2)}:${hex(d, 2)}.${f}`),
    fc.string(), fc.constant(42),
  ),
  id: fc.oneof(fc.constant('8086:10d3'), fc.string()),
  class: fc.oneof(fc.constant('0x060400'), fc.constant('0x020000'), fc.integer(), fc.string()),
  pcie: fc.option(fc.oneof(fc.constant('root-port'), fc.constant('endpoint'), fc.string()), { nil: undefined }),
  multifunction: fc.option(fc.boolean(), { nil: undefined }),
  bridge: fc.option(fc.record({ secondary: fc.integer({ min: -1, max: 5 }), configured: fc.option(fc.boolean(), { nil: undefined }) }), { nil: undefined }),
  acs: fc.option(fc.array(fc.oneof(fc.constant('SV'), fc.constant('RR'), fc.string())), { nil: undefined }),
  aliases: fc.option(fc.array(fc.oneof(fc.constant('00.1'), fc.integer(), fc.string())), { nil: undefined }),
}, { requiredKeys: ['bdf', 'id', 'class'] });

describe('device-list parsing (property)', () => {
  it('any list either parses or throws a PciError; a parsed list scans every function exactly once with unique names', () => {
    fc.assert(fc.property(fc.array(entry, { maxLength: 12 }), (devices) => {
      let host;
      try {
        host = parsePciHost({ devices: devices as PciDeviceEntry[] });
      } catch (e) {
        expect(e).toBeInstanceOf(PciError);
        return;
      }
      const seen = new Set<string>();
      for (const step of pciScanOrder(host)) {
        if (step.kind !== 'function') continue;
        const key = `${step.fn.busNr}:${step.fn.devfn}`;
        expect(seen.has(key)).toBe(false);
        seen.add(key);
      }
      expect(seen.size).toBe(host.functions.length);
    }), { numRuns: 500, seed: 1 });
  });
});
