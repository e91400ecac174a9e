import { describe, expect, it } from 'vitest';
import { acpiTable } from '../testing/acpi-build.js';
import { catchError, fixture } from '@kdsim/testing';
import { FirmwareError } from '../errors.js';
import { decodeAcpiTableHeader, readAcpiTable, splitAcpiTables } from './table.js';

const catch_ = (f: () => unknown): FirmwareError => catchError(FirmwareError, f);

describe('ACPI table header', () => {
  it('decodes the 36-byte header of a QEMU IORT', () => {
    const h = decodeAcpiTableHeader(fixture('acpi/qemu-virt-IORT-smmuv3-legacy.bin'), 'IORT.bin');
    expect(h).toEqual({
      signature: 'IORT', length: 0xc0, revision: 5, checksum: 0x1c, oemId: 'BOCHS ', oemTableId: 'BXPC    ',
      oemRevision: 1, creatorId: 'BXPC', creatorRevision: 1,
    });
  });

  it('accepts every fixture checksum', () => {
    for (const f of ['qemu-virt-IORT-its', 'qemu72-virt-VIOT-bypass', 'qemu-virt-DSDT-viot']) {
      const t = readAcpiTable(fixture(`acpi/${f}.bin`), f);
      expect(t.checksumValid).toBe(true);
      expect(t.warnings).toEqual([]);
    }
  });

  it('warns with ACPICA wording on a bad checksum and still returns the table', () => {
    const bytes = fixture('acpi/qemu-virt-IORT-smmuv3-legacy.bin').slice();
    bytes[9] = 0x1d;
    const t = readAcpiTable(bytes, 'IORT.bin');
    expect(t.checksumValid).toBe(false);
    expect(t.bytes.length).toBe(0xc0);
    expect(t.warnings).toEqual([{
      file: 'IORT.bin', offset: 9, level: 'warn', source: 'linux',
      message: 'ACPI BIOS Warning (bug): Incorrect checksum in table [IORT] - 0x1D, should be 0x1C',
    }]);
  });

  it('does not check the checksum of a FACS (utcksum.c skips it)', () => {
    const facs = Uint8Array.from(fixture('acpi/qemu-virt-IORT-its.bin').subarray(0, 64));
    facs.set([0x46, 0x41, 0x43, 0x53, 64, 0, 0, 0], 0);
    expect(readAcpiTable(facs, 'FACS').checksumValid).toBe(true);
  });

  it('rejects a Length below the fixed header with badLength at offset 4', () => {
    const e = catch_(() => readAcpiTable(acpiTable('IORT', new Array(12).fill(0), { length: 40 }), 'x', 0, 48));
    expect(e.kind).toBe('badLength');
    expect(e.details.offset).toBe(4);
  });

  it('rejects a Length beyond the buffer with truncated', () => {
    const e = catch_(() => readAcpiTable(acpiTable('IORT', new Array(12).fill(0), { length: 4096 }), 'x'));
    expect(e.kind).toBe('truncated');
    expect(e.message).toContain('declares Length 4096 but only 48 bytes remain');
  });

  it('rejects a buffer shorter than a header', () => {
    expect(catch_(() => decodeAcpiTableHeader(new Uint8Array(10), 'x')).kind).toBe('truncated');
  });

  it('splits tables concatenated in one file by their Length', () => {
    const a = fixture('acpi/qemu-virt-IORT-its.bin');
    const b = fixture('acpi/qemu-virt-VIOT.bin');
    const cat = new Uint8Array(a.length + b.length);
    cat.set(a, 0);
    cat.set(b, a.length);
    const ts = splitAcpiTables(cat, 'all.bin');
    expect(ts.map((t) => [t.signature, t.offset, t.bytes.length])).toEqual([['IORT', 0, 128], ['VIOT', 128, 88]]);
  });

  it('names the offset of a truncated second table', () => {
    const a = fixture('acpi/qemu-virt-IORT-its.bin');
    const cat = new Uint8Array(a.length + 20);
    cat.set(a, 0);
    const e = catch_(() => splitAcpiTables(cat, 'all.bin'));
    expect(e.kind).toBe('truncated');
    expect(e.details.offset).toBe(128);
  });
});
