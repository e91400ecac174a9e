import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FirmwareError } from '../errors.js';
import { fixture } from '@kdsim/testing';
import { parseAcpidump, renderAcpidump } from './acpidump.js';
import { acpiFuzzTargets } from './fuzz-targets.js';
import { loadAcpiTables } from './load.js';
import { acpiIommuTopology } from './topology.js';

// Mutations like bench/fuzz.js: truncation, bit flips, 32/16-bit length/offset/count fields set to nasty values, insertions.
const mutation = (base: Uint8Array): fc.Arbitrary<Uint8Array> => fc.oneof(
  fc.nat(base.length).map((n) => base.slice(0, n)),
  fc.array(fc.tuple(fc.nat(Math.max(base.length - 1, 0)), fc.nat(7)), { minLength: 1, maxLength: 8 }).map((flips) => {
    const b = base.slice();
    for (const [at, bit] of flips) if (at < b.length) b[at] = (b[at] ?? 0) ^ (1 << bit);
    return b;
  }),
  fc.tuple(fc.nat(Math.max((base.length >> 2) - 1, 0)), fc.constantFrom(0, 1, 0xffffffff, 0x7fffffff, base.length, base.length + 1, base.length - 1, 0x30, 0x10000), fc.boolean()).map(([w, v, le]) => {
    const b = base.slice();
    if (b.length >= 4) new DataView(b.buffer).setUint32(w * 4, v >>> 0, le);
    return b;
  }),
  fc.tuple(fc.nat(Math.max(base.length - 2, 0)), fc.constantFrom(0, 1, 0xffff, 4, 16, 20, 24, 0x30)).map(([at, v]) => {
    const b = base.slice();
    if (b.length >= 2) new DataView(b.buffer).setUint16(at, v, true);
    return b;
  }),
  fc.tuple(fc.nat(base.length), fc.uint8Array({ maxLength: 24 })).map(([at, ins]) => Uint8Array.from([...base.subarray(0, at), ...ins, ...base.subarray(at)])),
);

// A result or a FirmwareError; anything else (TypeError, RangeError, ...) fails the property.
function resultOrFirmwareError(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof FirmwareError) return true;
    throw e;
  }
}

describe.each(acpiFuzzTargets.map((t) => [t.name, t] as const))('fuzz target %s: any input gives a result or a FirmwareError, quickly', (_name, target) => {
  const seeds = target.seedFiles.map((f) => fixture(f));

  it('accepts every seed (the acpidump target mutates its rendered seeds, so it may reject them)', () => {
    for (const s of seeds) {
      if (target.name === 'acpidump') expect(resultOrFirmwareError(() => target.parse(s, 'seed'))).toBe(true);
      else expect(() => target.parse(s, 'seed')).not.toThrow();
    }
  });

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (b) => resultOrFirmwareError(() => target.parse(b, 'random'))), { seed: 1, numRuns: 400 });
  });

  it('mutated fixtures, none taking long enough to look like a hang', () => {
    const arb = fc.constantFrom(...seeds).chain(mutation);
    fc.assert(fc.property(arb, (b) => {
      const t0 = performance.now();
      const ok = resultOrFirmwareError(() => target.parse(b, 'mutant'));
      // Typical inputs take microseconds; 500 ms leaves room for a loaded machine and still catches loops.
      expect(performance.now() - t0).toBeLessThan(500);
      return ok;
    }), { seed: 2, numRuns: 1500 });
  });
});

describe('the IOMMU topology survives mutated tables', () => {
  it('IORT and VIOT fixtures mutated together', () => {
    const iorts = ['qemu-virt-IORT-smmuv3-legacy', 'qemu72-virt-IORT-smmuv3-bypass', 'qemu-virt-IORT-its'].map((f) => fixture(`acpi/${f}.bin`));
    const viot = fixture('acpi/qemu-virt-VIOT.bin');
    const arb = fc.tuple(fc.constantFrom(...iorts).chain(mutation), mutation(viot));
    fc.assert(fc.property(arb, ([i, v]) => resultOrFirmwareError(() => {
      const tables = loadAcpiTables([{ file: 'IORT', bytes: i, format: 'binary' }, { file: 'VIOT', bytes: v, format: 'binary' }]);
      return acpiIommuTopology(tables, [{ kind: 'pci', segment: 0, rid: 8 }, { kind: 'pci', segment: 0, rid: 0x100 }]);
    })), { seed: 3, numRuns: 25 });
  });
});

describe('acpidump text mutated character by character', () => {
  it('gives tables or a FirmwareError naming a line', () => {
    const text = renderAcpidump([{ signature: 'IORT', bytes: fixture('acpi/qemu-virt-IORT-smmuv3-legacy.bin') }, { signature: 'VIOT', bytes: fixture('acpi/qemu-virt-VIOT.bin') }]);
    const edit = fc.tuple(fc.nat(text.length - 1), fc.constantFrom('', 'G', ' ', '\n', '\r\n', ':', '0', '@', 'Z9'), fc.nat(3));
    fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
      let t = text;
      for (const [at, ins, del] of edits) t = t.slice(0, at) + ins + t.slice(at + del);
      try {
        parseAcpidump(t, 'dump.txt');
      } catch (e) {
        if (!(e instanceof FirmwareError)) throw e;
        expect(e.details.line).toBeGreaterThan(0);
      }
    }), { seed: 4, numRuns: 1500 });
  });
});
