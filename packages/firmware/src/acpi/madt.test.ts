import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catchError, commandWorks } from '@kdsim/testing';
import { FirmwareError } from '../errors.js';
import { mutation, resultOrFirmwareError } from '../testing/mutation.js';
import { decodeMadt } from './madt.js';
import { acpiChecksumSum } from './table.js';

// MADTs QEMU 7.2 gave real kernels (test/calibration/record): arm64 virt with gic-version=3
// (an ITS) and with the default GICv2 (a GICv2m frame, no ITS), and q35.
const FIRMWARE = join(import.meta.dirname, '../../../../test/scenarios/firmware');
const MADTS = {
  gicv3: 'arm64-virt-gicv3-smmuv3-iort-vfio/APIC.bin',
  gicv2: 'arm64-virt-smmuv3-iort-vfio/APIC.bin',
  q35: 'x86-q35-viommu-vfio/APIC.bin',
};
const bytes = (f: string): Uint8Array => new Uint8Array(readFileSync(join(FIRMWARE, f)));

const hasIasl = commandWorks('iasl');

// iasl's disassembly of the table: each subtable's type, and each ITS's Translation ID.
function iaslView(table: Uint8Array): { types: number[]; itsIds: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'kdsim-madt-'));
  writeFileSync(join(dir, 'apic.dat'), table);
  execFileSync('iasl', ['-d', 'apic.dat'], { cwd: dir, stdio: 'ignore' });
  const dsl = readFileSync(join(dir, 'apic.dsl'), 'latin1');
  return {
    types: [...dsl.matchAll(/Subtable Type : ([0-9A-F]{2})/g)].map((m) => parseInt(m[1]!, 16)),
    itsIds: [...dsl.matchAll(/Translation ID : ([0-9A-F]{8})/g)].map((m) => parseInt(m[1]!, 16)),
  };
}

// The table with its checksum made right again after an edit.
function fixChecksum(t: Uint8Array): Uint8Array {
  const b = t.slice();
  b[9] = 0;
  b[9] = (0x100 - acpiChecksumSum(b)) & 0xff;
  return b;
}

describe('MADT (APIC) decoder', () => {
  it('finds the ITS of a GICv3 machine, and none on GICv2 or q35', () => {
    const g3 = decodeMadt(bytes(MADTS.gicv3), 'g3');
    expect(g3.gicIts).toEqual([{ id: 0, base: 0x8080000n }]);
    expect(g3.gicVersion).toBe(3);
    const g2 = decodeMadt(bytes(MADTS.gicv2), 'g2');
    expect(g2.gicIts).toEqual([]);
    expect(g2.gicMsiFrames).toEqual([{ id: 0, base: 0x8020000n }]);
    expect(g3.gicMsiFrames).toEqual([]);
    expect(decodeMadt(bytes(MADTS.q35), 'q35').gicIts).toEqual([]);
  });

  it.skipIf(!hasIasl)('walks the subtables iasl walks, and reads the ITS IDs iasl prints', () => {
    for (const f of Object.values(MADTS)) {
      const madt = decodeMadt(bytes(f), f);
      const iasl = iaslView(bytes(f));
      expect(madt.subtables.map((s) => s.type), f).toEqual(iasl.types);
      expect(madt.gicIts.map((i) => i.id), f).toEqual(iasl.itsIds);
    }
  });

  it('names the file and offset of a bad table: another signature, a zero-length or overlong subtable', () => {
    const good = bytes(MADTS.gicv3);
    const sig = good.slice();
    sig.set([0x46, 0x41, 0x43, 0x50], 0); // FACP
    expect(catchError(FirmwareError, () => decodeMadt(fixChecksum(sig), 'm.bin')).message).toContain('expected an MADT (signature APIC), found [FACP]');
    const zero = good.slice();
    zero[45] = 0; // the first subtable's Length
    const z = catchError(FirmwareError, () => decodeMadt(fixChecksum(zero), 'm.bin'));
    expect(z.details).toMatchObject({ file: 'm.bin', offset: 45 });
    expect(z.kind).toBe('badLength');
    const long = good.slice();
    const last = decodeMadt(good, 'g').subtables.at(-1)!;
    long[last.offset + 1] = 0xff;
    expect(catchError(FirmwareError, () => decodeMadt(fixChecksum(long), 'm.bin')).details).toMatchObject({ file: 'm.bin', offset: last.offset });
    expect(catchError(FirmwareError, () => decodeMadt(good.subarray(0, 40), 'm.bin')).kind).toBe('truncated');
  });

  it('gives a result or a FirmwareError for random bytes and mutated tables', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => resultOrFirmwareError(() => decodeMadt(b, 'random'))), { seed: 1, numRuns: 300 });
    const seeds = Object.values(MADTS).map(bytes);
    fc.assert(fc.property(fc.constantFrom(...seeds).chain(mutation), (b) => resultOrFirmwareError(() => decodeMadt(b, 'mutant'))), { seed: 2, numRuns: 600 });
  });
});
