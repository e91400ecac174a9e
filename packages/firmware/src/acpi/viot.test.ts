import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Fwnode } from '@kdsim/core';
import { describe, expect, it } from 'vitest';
import { buildViot, type ViotSpec } from '../testing/acpi-build.js';
import { fixture, sharedDir } from '@kdsim/testing';
import { AcpiDeviceFwnode } from './fwnodes.js';
import type { AcpiEndpoint, AcpiPciEndpoint } from './outcome.js';
import { printViot } from './print-viot.js';
import { decodeViot } from './viot.js';
import { viotIommuConfigure, type ViotEnv } from './viot-configure.js';
import { acpiViotInit, type ViotInitEnv, type ViotInitResult } from './viot-init.js';

const R = (node: number): { node: number } => ({ node });

// A machine where every PCI function exists (without fwnode) unless listed as absent.
function initEnv(absent: readonly number[] = [], mmio: ReadonlyMap<bigint, Fwnode> = new Map()): ViotInitEnv & { primaries: string[] } {
  const primaries: string[] = [];
  return {
    primaries,
    pciFunction: (_seg, bus, devfn) => (absent.includes((bus << 8) | devfn) ? null : { fwnode: null }),
    acpiResourceConsumer: (a) => mmio.get(a) ?? null,
    setPrimaryFwnode: (seg, bdf, fw) => primaries.push(`${seg}:${bdf.toString(16)}=${fw.path}`),
  };
}

function init(spec: ViotSpec, env: ViotInitEnv = initEnv()): ViotInitResult {
  return acpiViotInit(decodeViot(buildViot(spec), 'VIOT'), env);
}

const cfgEnv = (over: Partial<ViotEnv<AcpiEndpoint>> = {}): ViotEnv<AcpiEndpoint> => ({ virtioIommuBuilt: () => true, fwspecInit: () => 0, ...over });
const msgs = (r: ViotInitResult): string[] => r.warnings.map((w) => w.message);

describe('VIOT of QEMU virt with virtio-iommu-pci', () => {
  const viot = decodeViot(fixture('acpi/qemu-virt-VIOT.bin'), 'VIOT');
  const env = initEnv();
  const r = acpiViotInit(viot, env);
  const iommuFw = r.iommus[0]?.fwnode ?? null;
  const dev = (rid: number): AcpiPciEndpoint => ({ kind: 'pci', segment: 0, rid, fwnode: rid === 8 ? iommuFw : null });

  it('resolves the IOMMU at 00:01.0 and gives the function a synthetic fwnode VIOT@0x30', () => {
    expect(r.warnings).toEqual([]);
    expect(r.iommus.map((i) => [i.offset, i.fwnode.type, i.fwnode.path, i.createdFwnode])).toEqual([[0x30, 'viot', 'VIOT@0x30', true]]);
    expect(env.primaries).toEqual(['0:8=VIOT@0x30']);
    expect(r.acsRequested).toBe(true);
  });

  it('binds 00:02.0 with endpoint ID 0x10', () => {
    expect(viotIommuConfigure(r, dev(0x10), cfgEnv())).toMatchObject({ outcome: 'BOUND', errno: 0, ids: [0x10], iommuFwnode: iommuFw });
  });

  it('refuses to translate the IOMMU itself: -EINVAL, so it probes without an IOMMU', () => {
    expect(viotIommuConfigure(r, dev(8), cfgEnv())).toMatchObject({ outcome: 'NO_IOMMU', errno: -22 });
  });

  it('defers endpoints until virtio-iommu registers; no IOMMU if the driver is not built', () => {
    expect(viotIommuConfigure(r, dev(0x10), cfgEnv({ fwspecInit: () => -517 })).outcome).toBe('DEFER');
    expect(viotIommuConfigure(r, dev(0x10), cfgEnv({ virtioIommuBuilt: () => false })).errno).toBe(-19);
  });

  it('leaves bus 1 alone: not in the range', () => {
    expect(viotIommuConfigure(r, dev(0x100), cfgEnv()).errno).toBe(-19);
  });

  it('drops every endpoint when the IOMMU function is absent at parse time (hot-plug later cannot help)', () => {
    const r2 = acpiViotInit(viot, initEnv([8]));
    expect(msgs(r2)).toEqual(['ACPI: VIOT: Could not find PCI IOMMU', 'ACPI: VIOT: No IOMMU node found']);
    expect(r2.pciRanges).toEqual([]);
    expect(viotIommuConfigure(r2, dev(0x10), cfgEnv())).toMatchObject({ outcome: 'NO_IOMMU', errno: -19 });
  });

  it('prints like iasl 20260408', () => {
    const dsl = readFileSync(resolve(sharedDir(), 'fixtures/acpi/qemu-virt-VIOT.iasl-20260408.dsl'), 'latin1');
    expect(printViot(viot).split('\n').slice(11)).toEqual(dsl.split('\n').slice(11));
  });
});

describe('VIOT printer against real iasl 20260408 output', () => {
  it.each([
    ['fixtures/acpi/qemu72-virt-VIOT-bypass.bin', 'fixtures/acpi/qemu72-virt-VIOT-bypass.iasl-20260408.dsl'],
    ['truth/x86-q35-viommu-last/firmware/acpi/VIOT.bin', 'truth/x86-q35-viommu-last/firmware/acpi/VIOT.dsl'],
  ])('%s', (bin, dsl) => {
    const v = decodeViot(new Uint8Array(readFileSync(resolve(sharedDir(), bin))), 'VIOT');
    expect(printViot(v).split('\n').slice(11)).toEqual(readFileSync(resolve(sharedDir(), dsl), 'latin1').split('\n').slice(11));
  });
});

describe('acpi_viot_init(): malformed tables', () => {
  const iommu = { type: 3, bdf: 0x08 } as const;
  const range = (bdfStart: number, bdfEnd: number, epStart = 0, output: number | { node: number } = R(0)) => ({ type: 1, epStart, bdfStart, bdfEnd, output } as const);

  it('a node pointer past the table end aborts parsing; earlier endpoints stay', () => {
    const r = init({ nodes: [iommu, range(0, 0xff)], nodeCount: 3 });
    expect(msgs(r)).toEqual(['ACPI: VIOT: [Firmware Bug]: Node pointer overflows']);
    expect([r.aborted, r.pciRanges.length]).toEqual([true, 1]);
  });

  it('a node offset below 48 (e.g. 0) fails the first bounds check: nothing is parsed', () => {
    const r = init({ nodes: [iommu, range(0, 0xff)], nodeOffset: 0 });
    expect(msgs(r)).toEqual(['ACPI: VIOT: [Firmware Bug]: Node pointer overflows']);
    expect(r.pciRanges).toEqual([]);
  });

  it('a node of length < 4 is an empty node and aborts parsing', () => {
    const r = init({ nodes: [iommu, range(0, 0xff), { type: 1, raw: new Array<number>(20).fill(0), length: 2 }, range(0x100, 0x1ff)] });
    expect(msgs(r)).toEqual(['ACPI: VIOT: [Firmware Bug]: Empty node']);
    expect(r.pciRanges.map((e) => e.node.bdfStart)).toEqual([0]);
  });

  it('a short PCI range or MMIO node aborts parsing', () => {
    expect(msgs(init({ nodes: [iommu, { ...range(0, 0xff), length: 20 }, range(0x100, 0x1ff)] }))).toEqual(['ACPI: VIOT: [Firmware Bug]: Invalid PCI node size']);
    expect(msgs(init({ nodes: [iommu, { type: 2, endpoint: 1, address: 0x1000n, output: R(0), length: 16 }] }))).toEqual(['ACPI: VIOT: [Firmware Bug]: Invalid MMIO node size']);
  });

  it('an endpoint node running past the table end counts as invalid (simulation rule)', () => {
    const r = init({ nodes: [iommu, { ...range(0, 0xff), length: 40 }] });
    expect(r.warnings.map((w) => [w.message, w.source])).toEqual([['ACPI: VIOT: [Firmware Bug]: Invalid PCI node size', 'kdsim']]);
  });

  it('an unknown node type is skipped and parsing continues', () => {
    const r = init({ nodes: [{ type: 5, raw: new Array<number>(12).fill(0) }, iommu, range(0, 0xff, 0, R(1))] });
    expect(msgs(r)).toEqual(['ACPI: VIOT: Unsupported node 5']);
    expect(r.pciRanges).toHaveLength(1);
  });

  it('a bad output node drops only that endpoint', () => {
    const r = init({ nodes: [iommu, range(0, 0xf, 0, R(2)), range(0x10, 0x1f, 0, 0x7ff0), range(0x20, 0x2f)] });
    expect(msgs(r)).toEqual([
      'ACPI: VIOT: No IOMMU node found', // output is a PCI range node, not an IOMMU
      'ACPI: VIOT: [Firmware Bug]: Node pointer overflows', // output offset outside the table ...
      'ACPI: VIOT: No IOMMU node found', // ... so that endpoint is dropped too
    ]);
    expect(r.pciRanges.map((e) => e.node.bdfStart)).toEqual([0x20]);
  });

  it('endpoint nodes may precede their IOMMU node', () => {
    expect(init({ nodes: [range(0, 0xff, 0, R(1)), iommu] }).pciRanges).toHaveLength(1);
  });

  it('overlapping ranges: the later node wins (inserted at the front)', () => {
    const r = init({ nodes: [iommu, { type: 3, bdf: 0x10 }, range(0, 0xff, 0x1000, R(0)), range(0x18, 0x1f, 0x2000, R(1))] });
    const d = (rid: number): AcpiPciEndpoint => ({ kind: 'pci', segment: 0, rid });
    const a = viotIommuConfigure(r, d(0x18), cfgEnv());
    const b = viotIommuConfigure(r, d(0x20), cfgEnv());
    expect([a.ids, a.iommu?.offset, b.ids, b.iommu?.offset]).toEqual([[0x2000], 0x40, [0x1020], 0x30]);
  });
});

describe('viot_iommu_configure(): endpoint IDs, MMIO endpoints, aliases', () => {
  it('endpoint ID = ((segment − segStart) << 16) + BDF − bdfStart + start, modulo 2^32', () => {
    const r = init({ nodes: [{ type: 3, bdf: 8 }, { type: 1, epStart: 0xfffffff0, segStart: 2, segEnd: 4, bdfStart: 0x100, bdfEnd: 0x1ff, output: R(0) }] });
    const d = (segment: number, rid: number): AcpiPciEndpoint => ({ kind: 'pci', segment, rid });
    expect(viotIommuConfigure(r, d(2, 0x105), cfgEnv()).ids).toEqual([0xfffffff5]);
    expect(viotIommuConfigure(r, d(3, 0x105), cfgEnv()).ids).toEqual([0x0000fff5]);
    expect(viotIommuConfigure(r, d(5, 0x105), cfgEnv()).errno).toBe(-19);
  });

  it('matches an MMIO endpoint on the start of its first MEM resource only', () => {
    const viommuFw = new AcpiDeviceFwnode('\\_SB_.VR03');
    const r = init({ nodes: [{ type: 4, address: 0xa000600n }, { type: 2, endpoint: 23, address: 0xa000000n, output: R(0) }] }, initEnv([], new Map([[0xa000600n, viommuFw]])));
    expect(r.iommus[0]?.fwnode).toBe(viommuFw);
    const p = (memStart: bigint | null): AcpiEndpoint => ({ kind: 'platform', acpiPath: '\\_SB_.VR00', memStart });
    expect(viotIommuConfigure(r, p(0xa000000n), cfgEnv())).toMatchObject({ outcome: 'BOUND', ids: [23] });
    expect(viotIommuConfigure(r, p(0xa000010n), cfgEnv()).errno).toBe(-19);
    expect(viotIommuConfigure(r, p(null), cfgEnv()).errno).toBe(-19);
  });

  it('a virtio-mmio IOMMU whose address no ACPI device claims is not found', () => {
    const r = init({ nodes: [{ type: 4, address: 0xa000600n }, { type: 2, endpoint: 23, address: 0xa000000n, output: R(0) }] });
    expect(msgs(r)).toEqual(['ACPI: VIOT: Could not find MMIO IOMMU', 'ACPI: VIOT: No IOMMU node found']);
  });

  it('before v6.3 the fwspec of the alias owner (the bridge) was initialised instead of the device', () => {
    const r = init({ nodes: [{ type: 3, bdf: 8 }, { type: 1, epStart: 0, bdfStart: 0, bdfEnd: 0xffff, output: R(0) }] });
    const dev: AcpiPciEndpoint = { kind: 'pci', segment: 0, rid: 0x200 };
    const bridge: AcpiPciEndpoint = { kind: 'pci', segment: 0, rid: 0x18 };
    const targets: AcpiEndpoint[] = [];
    const env = cfgEnv({
      fwspecInit: (d) => {
        targets.push(d);
        return 0;
      },
      forEachDmaAlias: (d, fn) => fn(d, d.kind === 'pci' ? d.rid : 0) || fn(bridge, 0x100),
    });
    viotIommuConfigure(r, dev, env);
    viotIommuConfigure(r, dev, env, { aliasOwnerBug: true });
    expect(targets).toEqual([dev, dev, dev, bridge]);
  });
});

