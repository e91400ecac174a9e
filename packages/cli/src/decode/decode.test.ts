import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderAcpidump, splitAcpiTables } from '@kdsim/firmware';
import { describe, expect, it } from 'vitest';
import { dslBody, dtc, fixturePath, haveDtc, haveIasl, iaslDisassemble, sharedDir } from '../testing/tools.js';
import { printUnknownAcpiTable } from './acpi-print.js';
import { decodeInputs, renderDecodeText, type DecodedFile, type DecodeInput } from './decode.js';
import { detectFormat } from './detect.js';

const dir = (sub: string): string[] => readdirSync(join(sharedDir(), 'fixtures', sub)).sort();
const input = (rel: string): DecodeInput => ({ file: rel, bytes: new Uint8Array(readFileSync(fixturePath(rel))) });
const only = (inputs: DecodeInput[]): DecodedFile => {
  const f = decodeInputs(inputs).files[0];
  if (f === undefined) throw new Error('nothing decoded');
  return f;
};
const dtsOf = (f: DecodedFile): string => (f.format === 'acpi' ? '' : f.dts);
const acpiText = (f: DecodedFile): string => (f.format === 'acpi' ? f.tables.map((t) => t.text).join('\n') : '');

const DTBS = dir('dt').filter((f) => f.endsWith('.dtb'));
const DTSS = dir('dt').filter((f) => f.endsWith('.dts'));
const BINS = dir('acpi').filter((f) => f.endsWith('.bin'));
const NO_DTC = haveDtc ? '' : ' [skipped: dtc is not installed]';
const NO_IASL = haveIasl ? '' : ' [skipped: iasl is not installed]';

describe('decode: device trees print as dtc does', () => {
  it.each(DTBS)('%s prints exactly as the fixture .dts (dtc 1.6.1 -I dtb -O dts)', (name) => {
    const text = readFileSync(fixturePath(`dt/${name.replace(/\.dtb$/, '.dts')}`), 'latin1');
    expect(dtsOf(only([input(`dt/${name}`)]))).toBe(text);
  });

  it.skipIf(!haveDtc).each(DTBS)(`%s prints exactly as the installed dtc prints it${NO_DTC}`, (name) => {
    const i = input(`dt/${name}`);
    expect(dtsOf(only([i]))).toBe(dtc(['-I', 'dtb', '-O', 'dts', '-'], i.bytes));
  });

  it.skipIf(!haveDtc).each(DTSS)(`%s compiles and prints as dtc -I dts -O dtb | dtc -I dtb -O dts${NO_DTC}`, (name) => {
    const blob = new Uint8Array(Buffer.from(dtc(['-I', 'dts', '-O', 'dtb', fixturePath(`dt/${name}`)]), 'latin1'));
    expect(dtsOf(only([input(`dt/${name}`)]))).toBe(dtc(['-I', 'dtb', '-O', 'dts', '-'], blob));
  });
});

describe('decode: ACPI tables print as iasl does', () => {
  const IORTS = BINS.filter((f) => f.includes('IORT'));
  it.each(IORTS)('%s prints as the fixture .dsl (iasl 20200925) after the banner', (name) => {
    const dsl = readFileSync(fixturePath(`acpi/${name.replace(/\.bin$/, '.dsl')}`), 'latin1');
    expect(dslBody(acpiText(only([input(`acpi/${name}`)])))).toBe(dslBody(dsl));
  });

  it.skipIf(!haveIasl).each(IORTS)(`%s prints as the installed iasl -d after the banner${NO_IASL}`, (name) => {
    const i = input(`acpi/${name}`);
    expect(dslBody(acpiText(only([i])))).toBe(dslBody(iaslDisassemble(i.bytes, name)));
  });

  it.each(BINS.filter((f) => f.includes('VIOT')))('%s prints as the fixture .iasl-20260408.dsl after the banner', (name) => {
    const dsl = readFileSync(fixturePath(`acpi/${name.replace(/\.bin$/, '.iasl-20260408.dsl')}`), 'latin1');
    expect(dslBody(acpiText(only([input(`acpi/${name}`)])))).toBe(dslBody(dsl));
  });

  it('prints a table it has no decoder for as iasl 20200925 prints an unknown signature (the VIOT fixture .dsl)', () => {
    const [viot] = splitAcpiTables(input('acpi/qemu-virt-VIOT.bin').bytes, 'qemu-virt-VIOT.bin');
    expect(dslBody(printUnknownAcpiTable(viot!))).toBe(dslBody(readFileSync(fixturePath('acpi/qemu-virt-VIOT.dsl'), 'latin1')));
  });

  it.skipIf(!haveIasl)(`prints an unknown signature exactly as the installed iasl does${NO_IASL}`, () => {
    const bytes = input('acpi/qemu-virt-VIOT.bin').bytes.slice();
    bytes.set([0x58, 0x4b, 0x44, 0x53], 0); // "XKDS": a signature no iasl knows
    bytes[9] = (bytes[9]! - (0x58 + 0x4b + 0x44 + 0x53 - (0x56 + 0x49 + 0x4f + 0x54))) & 0xff;
    const f = only([{ file: 'x.bin', bytes }]);
    expect(dslBody(acpiText(f))).toBe(dslBody(iaslDisassemble(bytes, 'x.bin')));
  });

  it.each(BINS.filter((f) => f.includes('DSDT')))('%s: header fields agree with iasl\'s "Original Table Header"', (name) => {
    const dsl = readFileSync(fixturePath(`acpi/${name.replace(/\.bin$/, '.dsl')}`), 'latin1');
    const field = (label: string): string => new RegExp(` \\*     ${label} +(\\S+)`).exec(dsl)?.[1] ?? '?';
    const f = only([input(`acpi/${name}`)]);
    expect(f.format).toBe('acpi');
    const t = f.format === 'acpi' ? f.tables[0]! : undefined;
    expect(t?.signature).toBe(field('Signature').replace(/"/g, ''));
    expect(`0x${t?.length.toString(16).toUpperCase().padStart(8, '0')}`).toBe(field('Length'));
    expect(`0x${t?.revision?.toString(16).toUpperCase().padStart(2, '0')}`).toBe(field('Revision'));
    expect(t?.text).toContain(`Checksum : ${field('Checksum').slice(2)}\n`);
    expect(t?.text).toContain('**** Unknown ACPI table signature [DSDT]');
  });

  it('reads several tables from one file and from acpidump text with the same result as from separate files', () => {
    const names = ['acpi/qemu-virt-IORT-smmuv3-legacy.bin', 'acpi/qemu-virt-VIOT.bin', 'acpi/qemu-virt-DSDT-smmuv3.bin'];
    const separate = decodeInputs(names.map(input));
    const all = Buffer.concat(names.map((n) => input(n).bytes));
    const joined = decodeInputs([{ file: 'all.bin', bytes: new Uint8Array(all) }]);
    const dump = renderAcpidump(splitAcpiTables(new Uint8Array(all), 'all.bin'));
    const fromDump = decodeInputs([{ file: 'acpidump.txt', bytes: new TextEncoder().encode(dump) }]);
    const tables = (r: typeof separate): string[] => r.files.flatMap((f) => (f.format === 'acpi' ? f.tables.map((t) => dslBody(t.text)) : []));
    expect(tables(joined)).toEqual(tables(separate));
    expect(tables(fromDump)).toEqual(tables(separate));
    expect(fromDump.topologies.map((t) => t.rows)).toEqual(separate.topologies.map((t) => t.rows));
  });
});

describe('decode: the IOMMU topology (fixtures README tables)', () => {
  const topo = (...names: string[]) => decodeInputs(names.map(input)).topologies;

  it('qemu72-virt-smmuv3.dtb: /smmuv3@9050000 gets every RID of /pcie@10000000 as stream IDs 0x0000–0xFFFF, coherent', () => {
    const [t] = topo('dt/qemu72-virt-smmuv3.dtb');
    expect(t?.iommus).toEqual([{ name: '/smmuv3@9050000', kind: 'arm,smmu-v3', coherent: true, managesNothing: false }]);
    expect(t?.rows).toEqual([{
      iommu: '/smmuv3@9050000', endpoint: '/pcie@10000000 RIDs 0x0000–0xffff (0000:00:00.0–0000:ff:1f.7)',
      rids: { segment: 0, first: 0, last: 0xffff }, ids: { first: 0, last: 0xffff }, coherent: true,
    }]);
  });

  it('qemu72-virt-virtio-iommu.dtb: two windows around the IOMMU\'s own RID 0x0008', () => {
    const [t] = topo('dt/qemu72-virt-virtio-iommu.dtb');
    expect(t?.rows.map((r) => [r.iommu, r.rids, r.ids])).toEqual([
      ['/pcie@10000000/virtio_iommu@1,0', { segment: 0, first: 0, last: 7 }, { first: 0, last: 7 }],
      ['/pcie@10000000/virtio_iommu@1,0', { segment: 0, first: 9, last: 0xffff }, { first: 9, last: 0xffff }],
    ]);
  });

  it('linux-example-virtio-mmio-iommu.dtb: /virtio@3000 → /iommu@3100 ID 23, not coherent', () => {
    const [t] = topo('dt/linux-example-virtio-mmio-iommu.dtb');
    expect(t?.rows).toEqual([{ iommu: '/iommu@3100', endpoint: '/virtio@3000', ids: [0x17], coherent: false }]);
  });

  it('qemu72-virt-smmuv3-bypass.dtb: the SMMU manages nothing', () => {
    const [t] = topo('dt/qemu72-virt-smmuv3-bypass.dtb');
    expect(t?.iommus).toMatchObject([{ name: '/smmuv3@9050000', managesNothing: true }]);
  });

  it('qemu-virt-IORT-smmuv3-legacy + DSDT: buses 0–1 and 0x10 to IORT@0x30 (stream IDs 0x0000–0x01FF, 0x1000–0x10FF), the rest untranslated', () => {
    const [t] = topo('acpi/qemu-virt-IORT-smmuv3-legacy.bin', 'acpi/qemu-virt-DSDT-smmuv3.bin');
    expect(t?.rows.filter((r) => r.iommu !== null).map((r) => [r.rids, r.ids, r.coherent])).toEqual([
      [{ segment: 0, first: 0, last: 0x1ff }, { first: 0, last: 0x1ff }, true],
      [{ segment: 0, first: 0x1000, last: 0x10ff }, { first: 0x1000, last: 0x10ff }, true],
    ]);
    expect(t?.rows.filter((r) => r.iommu === null).map((r) => r.note)).toEqual(['not translated', 'not translated']);
  });

  it('qemu-virt-VIOT + rc-only IORT (one machine): 00:00.0–00:1f.7 → VIOT@0x30, endpoint IDs 0x00–0xFF; the IOMMU function itself refused', () => {
    const [t] = topo('acpi/qemu-virt-VIOT.bin', 'acpi/qemu-virt-IORT-rc-only.bin');
    expect(t?.rows.find((r) => r.iommu === 'VIOT@0x30')).toMatchObject({ rids: { segment: 0, first: 0, last: 0xff }, ids: { first: 0, last: 0xff } });
    expect(t?.rows.find((r) => r.endpoint === 'PCI 0000:00:01.0')?.note).toMatch(/itself/);
  });

  it('a repeated signature starts the next machine: two IORTs give two topologies', () => {
    expect(topo('acpi/qemu-virt-IORT-its.bin', 'acpi/qemu-virt-IORT-smmuv3-its_off.bin')).toHaveLength(2);
  });

  it('renders the topology as a table after the disassembly, and each part alone on request', () => {
    const r = decodeInputs([input('dt/qemu72-virt-smmuv3.dtb')]);
    const text = renderDecodeText(r);
    expect(text.indexOf('/dts-v1/;')).toBe(0);
    expect(text).toMatch(/\nIOMMU topology of dt\/qemu72-virt-smmuv3\.dtb:\n/);
    expect(renderDecodeText(r, { topology: false })).toBe(dtsOf(r.files[0]!));
    expect(renderDecodeText(r, { disassembly: false })).toMatch(/^IOMMU topology of/);
  });
});

describe('decode: format detection', () => {
  it('tells blobs, DTS source (by header or name) and ACPI apart by content first', () => {
    expect(detectFormat('x.bin', input('dt/qemu72-virt-plain.dtb').bytes)).toBe('dtb');
    expect(detectFormat('noext', new TextEncoder().encode('// c\n/* x */\n#include "a.h"\n/dts-v1/;\n/ {};\n'))).toBe('dts');
    expect(detectFormat('board.dtsi', new TextEncoder().encode('/ { };'))).toBe('dts');
    expect(detectFormat('x.dts', input('acpi/qemu-virt-VIOT.bin').bytes)).toBe('dts');
    expect(detectFormat('tables', input('acpi/qemu-virt-VIOT.bin').bytes)).toBe('acpi');
  });
});
