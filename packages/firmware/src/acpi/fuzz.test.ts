import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixture } from '@kdsim/testing';
import { parseAcpidump, renderAcpidump } from './acpidump.js';
import { acpiFuzzTargets } from './fuzz-targets.js';
import { loadAcpiTables } from './load.js';
import { acpiIommuTopology } from './topology.js';
import { FirmwareError } from '../errors.js';
import { mutation, resultOrFirmwareError } from '../testing/mutation.js';

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
