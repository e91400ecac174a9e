import { describe, expect, it } from 'vitest';
import { catchError, fixture } from '@kdsim/testing';
import { FirmwareError } from '../errors.js';
import { parseAcpidump, renderAcpidump } from './acpidump.js';
import { loadAcpiTables } from './load.js';

const IORT = fixture('acpi/qemu-virt-IORT-smmuv3-legacy.bin');
const VIOT = fixture('acpi/qemu-virt-VIOT.bin');
const DUMP = renderAcpidump([{ signature: 'IORT', bytes: IORT }, { signature: 'VIOT', bytes: VIOT }]);

const err = (f: () => unknown): FirmwareError => catchError(FirmwareError, f);

describe('acpidump text', () => {
  it('renders as acpidump does: header line, 16 bytes per line, ASCII column', () => {
    const lines = DUMP.split('\n');
    expect(lines[0]).toBe('IORT @ 0x0000000000000000');
    expect(lines[1]).toBe('    0000: 49 4F 52 54 C0 00 00 00 05 1C 42 4F 43 48 53 20  IORT......BOCHS ');
    expect(lines[12]).toBe('    00B0: FF 00 00 00 00 10 00 00 30 00 00 00 00 00 00 00  ........0.......');
    expect(lines[13]).toBe('');
    // VIOT is 88 bytes: its last line holds 8 bytes, padded like acpi_ut_dump_buffer().
    expect(lines[20]).toBe('    0050: 30 00 00 00 00 00 00 00                          0.......');
  });

  it('reads back every byte of every table it rendered', () => {
    const ts = parseAcpidump(DUMP, 'dump.txt');
    expect(ts.map((t) => t.signature)).toEqual(['IORT', 'VIOT']);
    expect(ts[0]?.bytes).toEqual(IORT);
    expect(ts[1]?.bytes).toEqual(VIOT);
    expect(ts[1]?.offset).toBe(15); // the line of the VIOT block
  });

  it('tolerates CRLF, blank lines, leading text, lower case and a // ASCII column', () => {
    const slashes = DUMP.replace(/^( {4}[0-9A-F]{4}: (?:[0-9A-F]{2} | {3}){16}) /gm, '$1 // ');
    expect(slashes).toContain('20  // IORT......BOCHS');
    const lower = slashes.replace(/^( {4}[0-9A-F]{4}:[0-9A-F ]*)/gm, (m) => m.toLowerCase());
    const text = 'acpidump output\r\nsome banner line\r\n\r\n' + lower.replace(/\n/g, '\r\n\r\n');
    const ts = parseAcpidump(text, 'dump.txt');
    expect(ts.map((t) => t.bytes)).toEqual([IORT, VIOT]);
  });

  it('accepts the older pmtools layout (two-space indent, short address)', () => {
    const text = DUMP.replace('IORT @ 0x0000000000000000', 'IORT @ 0x7fe0040').replace(/^ {4}/gm, '  ');
    expect(parseAcpidump(text, 'x')[0]?.bytes).toEqual(IORT);
  });

  it('names line and column of a bad hex digit', () => {
    const text = DUMP.replace('    0010: 42 58 50 43', '    0010: 42 5G 50 43');
    const e = err(() => parseAcpidump(text, 'dump.txt'));
    expect(e.kind).toBe('syntax');
    expect(e.details).toMatchObject({ file: 'dump.txt', line: 3, column: 15 });
  });

  it('names line and column of a bad offset', () => {
    const e = err(() => parseAcpidump(DUMP.replace('    0020:', '    00Z0:'), 'dump.txt'));
    expect(e.details).toMatchObject({ line: 4, column: 7 });
  });

  it('rejects a hex line whose offset does not follow the bytes read', () => {
    const e = err(() => parseAcpidump(DUMP.replace('    0020:', '    0030:'), 'dump.txt'));
    expect(e.kind).toBe('badStructure');
    expect(e.details.line).toBe(4);
  });

  it('rejects a block shorter than its table Length', () => {
    const lines = DUMP.split('\n');
    lines.splice(5, 1);
    const cut = lines.slice(0, 5).join('\n');
    const e = err(() => parseAcpidump(cut, 'dump.txt'));
    expect(e.kind).toBe('truncated');
    expect(e.details.line).toBe(1);
  });

  it('keeps an RSDP block without decoding a header', () => {
    const rsdp = new TextEncoder().encode('RSD PTR ').slice();
    const text = renderAcpidump([{ signature: 'RSD PTR', bytes: Uint8Array.from([...rsdp, ...new Array<number>(12).fill(0)]) }]);
    const [t] = parseAcpidump(text, 'x');
    expect(t?.signature).toBe('RSD PTR');
    expect(t?.header).toBeNull();
  });
});

describe('loadAcpiTables', () => {
  it('groups binary files, concatenated files and acpidump text by signature', () => {
    const dsdt = fixture('acpi/qemu-virt-DSDT-viot.bin');
    const cat = new Uint8Array(IORT.length + dsdt.length);
    cat.set(IORT, 0);
    cat.set(dsdt, IORT.length);
    const map = loadAcpiTables([
      { file: 'tables/VIOT', bytes: VIOT },
      { file: 'all.bin', bytes: cat },
      { file: 'dump.txt', bytes: new TextEncoder().encode(DUMP) },
      { file: 'dump2.txt', bytes: renderAcpidump([{ signature: 'DSDT', bytes: dsdt }]) },
    ]);
    expect([...map.keys()]).toEqual(['VIOT', 'IORT', 'DSDT']);
    expect(map.get('IORT')?.map((t) => t.file)).toEqual(['all.bin', 'dump.txt']);
    expect(map.get('VIOT')?.map((t) => t.file)).toEqual(['tables/VIOT', 'dump.txt']);
    expect(map.get('DSDT')?.length).toBe(2);
  });

  it('reads the real q35 tables dumped by the truth run', () => {
    const map = loadAcpiTables(['VIOT', 'FACS', 'DSDT', 'APIC'].map((s) => ({ file: s, bytes: fixture(`../truth/x86-q35-viommu-last/firmware/acpi/${s}.bin`) })));
    expect(map.get('VIOT')?.[0]?.header?.length).toBe(0x58);
    expect(map.get('FACS')?.[0]?.checksumValid).toBe(true);
    expect([...map.values()].flat().every((t) => t.checksumValid)).toBe(true);
  });
});
