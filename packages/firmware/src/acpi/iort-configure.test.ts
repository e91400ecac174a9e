import type { Fwnode } from '@kdsim/core';
import { describe, expect, it } from 'vitest';
import { buildIort, iortOffsets, itsData, ncData, rcData, smmuV3Data, type IortSpec } from '../testing/acpi-build.js';
import { fixture } from '@kdsim/testing';
import { acpiDmaConfigureId, acpiIommuConfigureId } from './acpi-configure.js';
import { acpiFullPathname } from './fwnodes.js';
import { decodeIort, type Iort } from './iort.js';
import { iortIommuConfigure, type IortEnv } from './iort-configure.js';
import { acpiDmaAttr, iortDmaGetRange, iortSmmuCoherent } from './iort-dma.js';
import { acpiIortInit } from './iort-init.js';
import type { IortIommuNode } from './iort-types.js';
import type { AcpiEndpoint, AcpiPciEndpoint } from './outcome.js';

const R = (node: number): { node: number } => ({ node });

function envFor(iort: Iort, over: Partial<IortEnv<AcpiEndpoint>> = {}): IortEnv<AcpiEndpoint> & { inits: Fwnode[] } {
  const init = acpiIortInit(iort);
  const inits: Fwnode[] = [];
  return {
    inits,
    fwnodeFor: init.fwnodeFor,
    driverBuilt: () => true,
    fwspecInit: (_d, fw) => {
      inits.push(fw);
      return 0;
    },
    ...over,
  };
}

const pci = (rid: number, segment = 0): AcpiPciEndpoint => ({ kind: 'pci', segment, rid });

describe('IORT PCI endpoint configuration (iort_iommu_configure_id)', () => {
  const legacy = decodeIort(fixture('acpi/qemu-virt-IORT-smmuv3-legacy.bin'), 'IORT.smmuv3-legacy');

  it('binds 0000:01:00.0 to the SMMUv3 with stream ID = RID', () => {
    const env = envFor(legacy);
    const r = iortIommuConfigure(legacy, pci(0x0100), env);
    expect(r).toMatchObject({ outcome: 'BOUND', errno: 0, ids: [0x100], flags: { ats: false, canwbs: false } });
    expect(r.iommu?.name).toBe('IORT@0x30');
    expect(env.inits.map((f) => f.path)).toEqual(['IORT@0x30']);
  });

  it('gives a bypassed RID (bus 0x20) no IOMMU: -ENODEV', () => {
    expect(iortIommuConfigure(legacy, pci(0x2000), envFor(legacy))).toMatchObject({ outcome: 'NO_IOMMU', errno: -19, ids: [] });
  });

  it('gives a device of another segment no IOMMU', () => {
    expect(iortIommuConfigure(legacy, pci(0x0100, 1), envFor(legacy)).errno).toBe(-19);
  });

  it('defers while the SMMU instance is not registered (fwspec init says -EPROBE_DEFER)', () => {
    const r = iortIommuConfigure(legacy, pci(0x10), envFor(legacy, { fwspecInit: () => -517 }));
    expect(r).toMatchObject({ outcome: 'DEFER', errno: -517, ids: [] });
  });

  it('does not defer when the SMMUv3 driver is not built: -ENODEV', () => {
    expect(iortIommuConfigure(legacy, pci(0x10), envFor(legacy, { driverBuilt: () => false })).outcome).toBe('NO_IOMMU');
  });

  it('an SMMU node without fwnode (its platform device was not created) means NO_IOMMU, not DEFER', () => {
    const r = iortIommuConfigure(legacy, pci(0x10), envFor(legacy, { fwnodeFor: () => null, fwspecInit: () => -517 }));
    expect(r.errno).toBe(-19);
  });

  it('visits DMA aliases in order, accumulates their stream IDs and stops at the first failure', () => {
    const seen: number[] = [];
    const env = envFor(legacy, {
      forEachDmaAlias: (d, fn) => {
        for (const rid of [0x100, 0x1ff, 0x3000, 0x10]) {
          seen.push(rid);
          const r = fn(d, rid);
          if (r !== 0) return r;
        }
        return 0;
      },
    });
    const r = iortIommuConfigure(legacy, pci(0x100), env);
    expect(seen).toEqual([0x100, 0x1ff, 0x3000]);
    expect(r).toMatchObject({ errno: -19, outcome: 'NO_IOMMU', ids: [0x100, 0x1ff] });
  });

  it('sets the ATS and CANWBS fwspec flags from the root complex', () => {
    const spec: IortSpec = { nodes: [{ type: 2, rev: 4, data: rcData({ ats: 1, memFlags: 7 }), maps: [{ input: 0, count: 0xffff, output: 0, ref: R(1) }] }, { type: 4, rev: 4, data: smmuV3Data() }] };
    const iort = decodeIort(buildIort(spec), 'IORT');
    expect(iortIommuConfigure(iort, pci(8), envFor(iort)).flags).toEqual({ ats: true, canwbs: true });
    expect(iortIommuConfigure(iort, pci(8), envFor(iort), { canwbs: false }).flags).toEqual({ ats: true, canwbs: false });
    // No fwspec (mapping fails) => no flags.
    expect(iortIommuConfigure(iort, pci(8), envFor(iort, { fwspecInit: () => -22 })).flags).toEqual({ ats: false, canwbs: false });
  });
});

describe('IORT named component configuration', () => {
  // Node 0: NC with `maps`; node 1: SMMUv3; node 2: ITS group.
  const ncWith = (maps: IortSpec['nodes'][number]['maps'], flags = 0): { iort: Iort; offs: number[] } => {
    const spec: IortSpec = {
      nodes: [
        { type: 1, rev: 4, data: ncData({ name: '\\_SB_.ETH0', flags }), ...(maps === undefined ? {} : { maps }) },
        { type: 4, rev: 4, data: smmuV3Data() },
        { type: 0, rev: 1, data: itsData([0]) },
      ],
    };
    return { iort: decodeIort(buildIort(spec), 'IORT'), offs: iortOffsets(spec) };
  };
  const eth0: AcpiEndpoint = { kind: 'platform', acpiPath: '\\_SB_.ETH0' };

  it('binds through a single mapping to the SMMU, and adds pasid-num-bits / dma-can-stall', () => {
    const { iort } = ncWith([{ input: 0, count: 0, output: 0x42, ref: R(1), flags: 1 }], 0x0b);
    const r = iortIommuConfigure(iort, eth0, envFor(iort));
    expect(r).toMatchObject({ outcome: 'BOUND', ids: [0x42], deviceProperties: { 'pasid-num-bits': 5, 'dma-can-stall': true } });
  });

  it('[single→ITS, single→SMMU] gets no IOMMU: the ITS mapping ends the loop', () => {
    const { iort } = ncWith([{ input: 0, count: 0, output: 1, ref: R(2), flags: 1 }, { input: 0, count: 0, output: 0x42, ref: R(1), flags: 1 }]);
    expect(iortIommuConfigure(iort, eth0, envFor(iort))).toMatchObject({ outcome: 'NO_IOMMU', errno: -19, deviceProperties: null });
  });

  it('[single→SMMU, single→ITS] binds with the SMMU mapping\'s output base', () => {
    const { iort } = ncWith([{ input: 0, count: 0, output: 0x42, ref: R(1), flags: 1 }, { input: 0, count: 0, output: 1, ref: R(2), flags: 1 }]);
    expect(iortIommuConfigure(iort, eth0, envFor(iort))).toMatchObject({ outcome: 'BOUND', ids: [0x42] });
  });

  it('several single mappings to SMMUs accumulate stream IDs', () => {
    const { iort } = ncWith([{ input: 0, count: 0, output: 0x42, ref: R(1), flags: 1 }, { input: 0, count: 0, output: 0x43, ref: R(1), flags: 1 }]);
    expect(iortIommuConfigure(iort, eth0, envFor(iort)).ids).toEqual([0x42, 0x43]);
  });

  it('a plain range as first mapping gives no IOMMU without an input ID, but translates one', () => {
    const { iort } = ncWith([{ input: 0x10, count: 0xf, output: 0x500, ref: R(1) }]);
    expect(iortIommuConfigure(iort, eth0, envFor(iort)).outcome).toBe('NO_IOMMU');
    expect(iortIommuConfigure(iort, { kind: 'platform', acpiPath: '\\_SB_.ETH0', inputId: 0x13 }, envFor(iort))).toMatchObject({ outcome: 'BOUND', ids: [0x503] });
  });

  it('matches the namespace path byte for byte: \\_SB.ETH0 is not \\_SB_.ETH0', () => {
    const { iort } = ncWith([{ input: 0, count: 0, output: 0x42, ref: R(1), flags: 1 }]);
    expect(iortIommuConfigure(iort, { kind: 'platform', acpiPath: '\\_SB.ETH0' }, envFor(iort)).errno).toBe(-19);
    expect(iortIommuConfigure(iort, { kind: 'platform', acpiPath: acpiFullPathname('\\_SB.ETH0') }, envFor(iort)).errno).toBe(0);
    expect(iortIommuConfigure(iort, { kind: 'platform', acpiPath: null }, envFor(iort)).errno).toBe(-19);
  });
});

describe('acpi_iort_init(): the node walk and SMMU platform devices', () => {
  it('creates one fwnode per SMMU, with its coherency, and requests ACS for an RC mapping to an SMMU', () => {
    const iort = decodeIort(fixture('acpi/qemu72-virt-IORT-smmuv3-bypass.bin'), 'IORT');
    const init = acpiIortInit(iort);
    expect(init.devices.map((d) => [d.fwnode.path, d.driverName, d.coherent])).toEqual([['IORT@0x48', 'arm-smmu-v3', true]]);
    expect(init.acsRequested).toBe(false); // the RC maps to the ITS only
    const legacy = acpiIortInit(decodeIort(fixture('acpi/qemu-virt-IORT-smmuv3-legacy.bin'), 'IORT'));
    expect(legacy.acsRequested).toBe(true);
    const smmu = legacy.devices[0]!.node as IortIommuNode;
    expect(iortSmmuCoherent(smmu)).toBe(true);
    expect(legacy.nodeFor(legacy.devices[0]!.fwnode)).toBe(smmu);
  });

  it('a node pointer that overflows stops the walk with Linux\'s message, earlier nodes kept', () => {
    const iort = decodeIort(buildIort({ nodeCount: 5, nodes: [{ type: 4, rev: 4, data: smmuV3Data() }] }), 'IORT');
    const init = acpiIortInit(iort);
    expect(init.devices).toHaveLength(1);
    expect(init.warnings.map((w) => w.message)).toEqual(['ACPI: IORT: iort node pointer overflows, bad table']);
  });

  it('a zero-length node is revisited: nothing after it is reached', () => {
    const spec: IortSpec = { nodes: [{ type: 2, rev: 3, data: rcData(), length: 0 }, { type: 4, rev: 4, data: smmuV3Data() }] };
    const iort = decodeIort(buildIort(spec), 'IORT');
    expect(iort.nodes.map((n) => n.kind)).toEqual(['rootComplex']);
    expect(iort.walk).toMatchObject({ end: 'zeroLength', remaining: 1 });
    expect(acpiIortInit(iort).devices).toEqual([]);
  });

  it('a failing platform device stops device creation: later SMMUs have no fwnode', () => {
    const spec: IortSpec = { nodes: [{ type: 4, rev: 4, data: smmuV3Data() }, { type: 4, rev: 4, data: smmuV3Data({ base: 0x0a000000n }) }, { type: 4, rev: 4, data: smmuV3Data({ base: 0x0b000000n }) }] };
    const iort = decodeIort(buildIort(spec), 'IORT');
    const init = acpiIortInit(iort, { createDevice: (n) => (n.offset === iortOffsets(spec)[1] ? -12 : 0) });
    expect(init.devices.map((d) => d.node.offset)).toEqual([48]);
    expect(init.fwnodeFor(iort.nodes[2]!)).toBeNull();
  });

  it('iort_scan_node() warns (WARN_TAINT) when a lookup runs into the overflow', () => {
    const iort = decodeIort(buildIort({ nodeCount: 3, nodes: [{ type: 4, rev: 4, data: smmuV3Data() }] }), 'IORT');
    const r = iortIommuConfigure(iort, pci(0), envFor(iort));
    expect(r.warnings.map((w) => w.message)).toEqual(['IORT node pointer overflows, bad table!']);
  });
});

describe('scan.c: acpi_iommu_configure_id() and acpi_dma_configure_id()', () => {
  const legacy = decodeIort(fixture('acpi/qemu-virt-IORT-smmuv3-legacy.bin'), 'IORT');
  const env = (defer = false) => ({ ...envFor(legacy, defer ? { fwspecInit: () => -517 } : {}), virtioIommuBuilt: () => true });

  it('short-circuits on an existing fwspec', () => {
    expect(acpiIommuConfigureId({ iort: legacy }, pci(0x2000), { ...env(), hasFwspec: () => true })).toMatchObject({ outcome: 'BOUND', ids: [] });
  });

  it('does no IOMMU lookup for a _CCA-less device on arm64 and never defers', () => {
    expect(acpiDmaConfigureId('NOT_SUPPORTED', { iort: legacy }, pci(0x10), env(true))).toMatchObject({ ret: 0, dmaUnusable: true, iommu: null });
  });

  it('propagates only -EPROBE_DEFER; other failures continue without an IOMMU', () => {
    expect(acpiDmaConfigureId('COHERENT', { iort: legacy }, pci(0x10), env(true))).toMatchObject({ outcome: 'DEFER', ret: -517 });
    expect(acpiDmaConfigureId('NON_COHERENT', { iort: legacy }, pci(0x2000), env())).toMatchObject({ outcome: 'NO_IOMMU', ret: 0, coherent: false });
    expect(acpiDmaConfigureId('COHERENT', { iort: legacy }, pci(0x10), env())).toMatchObject({ outcome: 'BOUND', ret: 0, coherent: true });
  });
});

describe('coherency and DMA limits', () => {
  it('_CCA: the topmost _CCA on the path decides; none means no DMA on arm64, coherent on x86', () => {
    expect(acpiDmaAttr([null, 1, 0], true)).toBe('COHERENT');
    expect(acpiDmaAttr([0, 1], true)).toBe('NON_COHERENT');
    expect(acpiDmaAttr([null, null], true)).toBe('NOT_SUPPORTED');
    expect(acpiDmaAttr([], false)).toBe('COHERENT');
  });

  it('memory address size limit: 2^L − 1, full 64 bits from 64 on, FW_BUG for 0, ignored for RC rev 0', () => {
    const mk = (rev: number, limit: number): Iort => decodeIort(buildIort({ nodes: [{ type: 2, rev, data: rcData({ limit }) }] }), 'IORT');
    expect(iortDmaGetRange(mk(3, 48), pci(0)).limit).toBe((1n << 48n) - 1n);
    expect(iortDmaGetRange(mk(3, 64), pci(0)).limit).toBe((1n << 64n) - 1n);
    expect(iortDmaGetRange(mk(0, 48), pci(0))).toMatchObject({ errno: -19, limit: null });
    expect(iortDmaGetRange(mk(3, 0), pci(0))).toMatchObject({
      errno: -22, warnings: [{ message: 'ACPI: IORT: [Firmware Bug]: Root complex missing memory address limit' }],
    });
    const nc = decodeIort(buildIort({ nodes: [{ type: 1, rev: 4, data: ncData({ name: '\\_SB_.DMA0', limit: 32 }) }] }), 'IORT');
    expect(iortDmaGetRange(nc, { kind: 'platform', acpiPath: '\\_SB_.DMA0' }).limit).toBe(0xffffffffn);
  });
});
