import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureIo } from '../testing/capture.js';
import { fixturePath } from '../testing/tools.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdsim-decode-'));
const write = (name: string, data: Uint8Array | string): string => {
  const p = join(tmp, name);
  writeFileSync(p, data);
  return p;
};
const bytes = (rel: string): Uint8Array => new Uint8Array(readFileSync(fixturePath(rel)));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await main(['decode', ...argv], io);
  return { code, out: io.out(), err: io.err() };
}

describe('kdsim decode: output', () => {
  it('prints a .dtb as dtc does with --no-topology, and the topology alone with --topology-only', async () => {
    const dts = readFileSync(fixturePath('dt/qemu72-virt-smmuv3.dts'), 'latin1');
    expect(await run('--no-topology', fixturePath('dt/qemu72-virt-smmuv3.dtb'))).toEqual({ code: 0, out: dts, err: '' });
    const t = await run('--topology-only', fixturePath('dt/qemu72-virt-smmuv3.dtb'));
    expect(t.out).toMatch(/^IOMMU topology of .*qemu72-virt-smmuv3\.dtb:\n/);
    expect(t.out).not.toContain('/dts-v1/');
  });

  it('--json: a versioned envelope with each file and the topologies, plain data only', async () => {
    const r = await run('--json', fixturePath('dt/linux-example-virtio-mmio-iommu.dtb'), fixturePath('acpi/qemu-virt-IORT-smmuv3-its_off.bin'));
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as {
      schemaVersion: number; command: string;
      files: { file: string; format: string; dts?: string; tables?: { signature: string; checksumValid: boolean; text: string }[] }[];
      topologies: { source: string; rows: { iommu: string | null; ids: unknown }[] }[];
    };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.command).toBe('decode');
    expect(doc.files.map((f) => f.format)).toEqual(['dtb', 'acpi']);
    expect(doc.files[0]?.dts).toBe(readFileSync(fixturePath('dt/linux-example-virtio-mmio-iommu.dts'), 'latin1'));
    expect(doc.files[1]?.tables?.map((t) => [t.signature, t.checksumValid])).toEqual([['IORT', true]]);
    expect(doc.topologies[0]?.rows).toEqual([{ iommu: '/iommu@3100', endpoint: '/virtio@3000', ids: [23], coherent: false }]);
    expect(doc.topologies[1]?.rows[0]).toMatchObject({ iommu: 'IORT@0x30', ids: { first: 0, last: 0xff } });
  });

  it('heads each file when there are several', async () => {
    const r = await run('--no-topology', fixturePath('acpi/qemu-virt-VIOT.bin'), fixturePath('acpi/qemu-virt-IORT-rc-only.bin'));
    expect(r.out.match(/^\/\/ ==> .* <==$/gm)).toHaveLength(2);
  });

  it('prints a bad checksum the way iasl marks it and goes on', async () => {
    const b = bytes('acpi/qemu-virt-IORT-its.bin').slice();
    b[9] = 0;
    const r = await run(write('badsum.bin', b));
    expect(r.code).toBe(0);
    expect(r.out).toContain('Checksum : 00     /* Incorrect checksum, should be B3 */');
  });
});

// Broken inputs: exit status 1, exactly two stderr lines (what, where, expected; a hint), no stack trace, nothing on stdout.
const BROKEN: [string, () => string, RegExp][] = [
  ['a missing file', () => join(tmp, 'nope.dtb'), /nope\.dtb: cannot read: no such file/],
  ['a directory', () => tmp, /cannot read: is a directory/],
  ['a truncated .dtb', () => write('cut.dtb', bytes('dt/qemu72-virt-plain.dtb').subarray(0, 200)), /cut\.dtb.*offset 0x/],
  ['a .dtb with a bad magic', () => write('magic.dtb', new Uint8Array(64).fill(0xd0)), /magic\.dtb/],
  ['a DTS syntax error', () => write('bad.dts', '/dts-v1/;\n/ {\n\tfoo = <1 2;\n};\n'), /bad\.dts: 3:\d+: /],
  ['a DTS reference to an unknown label', () => write('ref.dts', '/dts-v1/;\n/ { a = <&nolabel>; };\n'), /ref\.dts: 2:\d+: .*nolabel/],
  ['a truncated ACPI table', () => write('cut.bin', bytes('acpi/qemu-virt-IORT-its.bin').subarray(0, 60)), /cut\.bin.*offset 0x/],
  ['random bytes', () => write('noise.bin', new Uint8Array([1, 0, 2, 0, 3, 0, 4, 0])), /noise\.bin/],
  ['an empty file', () => write('empty.bin', new Uint8Array(0)), /empty\.bin/],
  ['broken acpidump text', () => write('dump.txt', 'IORT @ 0x0\n    0000: 49 4F 52 ZZ\n'), /dump\.txt/],
];

describe('kdsim decode: broken input', () => {
  it.each(BROKEN)('%s: one line naming the file and place, a hint, exit 2', async (_name, make, where) => {
    const r = await run(make());
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const lines = r.err.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^kdsim: /);
    expect(lines[0]).toMatch(where);
    expect(lines[1]).toMatch(/^hint: \S/);
    expect(lines[2]).toBe('');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('refuses --no-topology with --topology-only as a usage error (exit 2)', async () => {
    const r = await run('--no-topology', '--topology-only', fixturePath('dt/qemu72-virt-plain.dtb'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^kdsim: --no-topology and --topology-only exclude each other\nhint: /);
  });

  it('without a file: commander\'s error as one line and a hint, exit 2', async () => {
    const r = await run();
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^kdsim: missing required argument 'file'\nhint: /);
  });
});
