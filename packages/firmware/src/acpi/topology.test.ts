import { describe, expect, it } from 'vitest';
import { fixture } from '@kdsim/testing';
import { loadAcpiTables } from './load.js';
import { parsePciName } from './pci-names.js';
import { acpiIommuTopology, type AcpiIommuTopology } from './topology.js';

// The rows of shared/fixtures/README.md, one test per fixture.
function topo(files: readonly string[], pci?: readonly string[]): AcpiIommuTopology {
  const tables = loadAcpiTables(files.map((f) => ({ file: f, bytes: fixture(`acpi/${f}.bin`) })));
  return acpiIommuTopology(tables, pci?.map((n) => ({ kind: 'pci' as const, ...parsePciName(n) })));
}

const GSIV = { event: 0x6a, pri: 0x6b, gerr: 0x6d, sync: 0x6c };
const rcRow = { type: 'Root complex', revision: 3, segment: 0, cca: 1, memoryFlags: 0x03, ats: false, canwbs: false };

describe('README: qemu-virt-IORT-rc-only', () => {
  const t = topo(['qemu-virt-IORT-rc-only']);
  it('IORT@0x30 (id 0): root complex rev 3, segment 0, CCA=1, flags 0x03, ATS=0, 64-bit limit, 0 ID mappings', () => {
    expect(t.iort?.revision).toBe(5);
    expect(t.iort?.length).toBe(84);
    expect(t.iort?.nodes).toEqual([{ ...rcRow, name: 'IORT@0x30', id: 0, memoryAddressLimit: 64, mappings: [] }]);
  });
  it('IOMMUs: none; MSI: none — no RID is translated or given an ITS device ID', () => {
    expect(t.iort?.iommus).toEqual([]);
    expect(t.iort?.ranges).toMatchObject([{ ridFirst: 0, ridLast: 0xffff, endpoints: '0000:00:00.0–0000:ff:1f.7', target: null }]);
    expect(t.iort?.msi).toMatchObject([{ ridFirst: 0, ridLast: 0xffff, target: null }]);
  });
});

describe('README: qemu-virt-IORT-its', () => {
  const t = topo(['qemu-virt-IORT-its']);
  it('IORT@0x30 (id 0) ITS group rev 1 [0]; IORT@0x48 (id 1) RC maps RIDs 0x0000–0xFFFF → IORT@0x30, device IDs 0x0000–0xFFFF', () => {
    expect(t.iort?.revision).toBe(3);
    expect(t.iort?.length).toBe(128);
    expect(t.iort?.nodes).toEqual([
      { name: 'IORT@0x30', id: 0, type: 'ITS group', revision: 1, itsIds: [0], mappings: [] },
      {
        ...rcRow, name: 'IORT@0x48', id: 1, memoryAddressLimit: 64,
        mappings: [{ inputFirst: 0, inputLast: 0xffff, output: 'IORT@0x30', outputFirst: 0, outputLast: 0xffff, single: false }],
      },
    ]);
  });
  it('IOMMUs: none; all segment-0 RIDs map to ITS 0 with device ID = RID', () => {
    expect(t.iort?.iommus).toEqual([]);
    expect(t.iort?.ranges).toMatchObject([{ ridFirst: 0, ridLast: 0xffff, target: null }]);
    expect(t.iort?.msi).toEqual([{ source: 'IORT@0x48', segment: 0, ridFirst: 0, ridLast: 0xffff, endpoints: '0000:00:00.0–0000:ff:1f.7', target: 'IORT@0x30', idFirst: 0, idLast: 0xffff }]);
  });
});

describe('README: qemu-virt-IORT-smmuv3-its_off', () => {
  const t = topo(['qemu-virt-IORT-smmuv3-its_off']);
  it('IORT@0x30 (id 0) SMMUv3 rev 4, base 0x09050000, flags 0x1 (COHACC), model 0, GSIVs 0x6A/0x6B/0x6D/0x6C, no ID mappings', () => {
    expect(t.iort?.revision).toBe(5);
    expect(t.iort?.length).toBe(172);
    expect(t.iort?.nodes[0]).toEqual({ name: 'IORT@0x30', id: 0, type: 'SMMUv3', revision: 4, baseAddress: '0x09050000', flags: 1, coherent: true, model: 0, gsiv: GSIV, mappings: [] });
  });
  it('IORT@0x74 (id 1) root complex rev 3, segment 0, CCA=1, flags 0x03, maps RIDs 0x0000–0x00FF → IORT@0x30', () => {
    expect(t.iort?.nodes[1]).toMatchObject({ ...rcRow, name: 'IORT@0x74', id: 1, mappings: [{ inputFirst: 0, inputLast: 0xff, output: 'IORT@0x30', outputFirst: 0, outputLast: 0xff }] });
  });
  it('SMMUv3 IORT@0x30 translates PCI 0000:00:00.0–0000:00:1f.7 with stream IDs 0x0000–0x00FF; no MSI', () => {
    expect(t.iort?.ranges).toEqual([
      { source: 'IORT@0x74', segment: 0, ridFirst: 0, ridLast: 0xff, endpoints: '0000:00:00.0–0000:00:1f.7', target: 'IORT@0x30', idFirst: 0, idLast: 0xff },
      { source: 'IORT@0x74', segment: 0, ridFirst: 0x100, ridLast: 0xffff, endpoints: '0000:01:00.0–0000:ff:1f.7', target: null, idFirst: null, idLast: null },
    ]);
    expect(t.iort?.iommus).toEqual([{ name: 'IORT@0x30', kind: 'SMMUv3', baseAddress: '0x09050000', managesNothing: false }]);
    expect(t.iort?.msi.every((r) => r.target === null)).toBe(true);
  });
});

describe('README: qemu-virt-IORT-smmuv3-legacy', () => {
  const t = topo(['qemu-virt-IORT-smmuv3-legacy', 'qemu-virt-DSDT-smmuv3'], ['0000:00:00.0', '0000:01:00.0', '0000:10:00.0', '0000:20:00.0']);
  it('IORT@0x30 (id 0) SMMUv3 rev 4, COHACC override, GSIVs; IORT@0x74 (id 1) RC with 2 mappings', () => {
    expect(t.iort?.revision).toBe(5);
    expect(t.iort?.length).toBe(192);
    expect(t.iort?.nodes[0]).toMatchObject({ name: 'IORT@0x30', id: 0, type: 'SMMUv3', revision: 4, baseAddress: '0x09050000', coherent: true, gsiv: GSIV, mappings: [] });
    expect(t.iort?.nodes[1]).toMatchObject({ ...rcRow, name: 'IORT@0x74', id: 1 });
    expect(t.iort?.nodes[1]?.mappings).toHaveLength(2);
  });
  it('SMMUv3 IORT@0x30: 0000:00:00.0–0000:01:1f.7 → 0x0000–0x01FF, 0000:10:00.0–0000:10:1f.7 → 0x1000–0x10FF; bus 0x20 and the rest not mapped', () => {
    expect(t.iort?.ranges.map((r) => [r.endpoints, r.target, r.idFirst, r.idLast])).toEqual([
      ['0000:00:00.0–0000:01:1f.7', 'IORT@0x30', 0x0, 0x1ff],
      ['0000:02:00.0–0000:0f:1f.7', null, null, null],
      ['0000:10:00.0–0000:10:1f.7', 'IORT@0x30', 0x1000, 0x10ff],
      ['0000:11:00.0–0000:ff:1f.7', null, null, null],
    ]);
  });
  it('per device: bus 1 and pxb bus 0x10 are translated, the bypass pxb bus 0x20 is not', () => {
    expect(t.devices.map((d) => [d.name, d.iommu, d.ids])).toEqual([
      ['0000:00:00.0', 'IORT@0x30', [0]], ['0000:01:00.0', 'IORT@0x30', [0x100]], ['0000:10:00.0', 'IORT@0x30', [0x1000]], ['0000:20:00.0', null, []],
    ]);
    expect(t.devices.every((d) => d.msi === null)).toBe(true);
  });
});

describe('README: qemu-virt-VIOT', () => {
  const t = topo(['qemu-virt-VIOT', 'qemu-virt-IORT-rc-only'], ['0000:00:00.0', '0000:00:01.0', '0000:00:02.0']);
  it('VIOT@0x30 virtio-pci IOMMU at 0000:00:01.0 translates PCI 0000:00:00.0–0000:00:1f.7 with endpoint IDs 0x00–0xFF', () => {
    expect(t.viot?.iommus).toEqual([{ name: 'VIOT@0x30', kind: 'virtio-iommu (PCI)', pci: '0000:00:01.0', managesNothing: false }]);
    expect(t.viot?.ranges).toEqual([{ source: 'VIOT@0x40', segment: 0, ridFirst: 0, ridLast: 0xff, endpoints: '0000:00:00.0–0000:00:1f.7', target: 'VIOT@0x30', idFirst: 0, idLast: 0xff }]);
  });
  it('the range holds the IOMMU\'s own function, which Linux never attaches to itself', () => {
    expect(t.viot?.self).toEqual([{ iommu: 'VIOT@0x30', pci: '0000:00:01.0' }]);
    expect(t.devices.map((d) => [d.name, d.iommu, d.ids, d.errno])).toEqual([
      ['0000:00:00.0', 'VIOT@0x30', [0], 0], ['0000:00:01.0', null, [], -22], ['0000:00:02.0', 'VIOT@0x30', [0x10], 0],
    ]);
  });
  it('the companion IORT (rc-only fallback) translates nothing', () => {
    expect(t.iort?.iommus).toEqual([]);
  });
});

describe('README: qemu72-virt-IORT-smmuv3-bypass', () => {
  const t = topo(['qemu72-virt-IORT-smmuv3-bypass'], ['0000:00:00.0', '0000:00:01.0']);
  it('IORT@0x30 ITS [0]; IORT@0x48 SMMUv3 rev 4 maps IDs 0x0000–0xFFFF → IORT@0x30; IORT@0xA0 RC maps RIDs 0x0000–0xFFFF → IORT@0x30', () => {
    expect(t.iort?.revision).toBe(3);
    expect(t.iort?.length).toBe(216);
    expect(t.iort?.nodes.map((n) => [n.name, n.id, n.type])).toEqual([['IORT@0x30', 0, 'ITS group'], ['IORT@0x48', 1, 'SMMUv3'], ['IORT@0xA0', 2, 'Root complex']]);
    expect(t.iort?.nodes[0]?.itsIds).toEqual([0]);
    expect(t.iort?.nodes[1]).toMatchObject({ revision: 4, baseAddress: '0x09050000', coherent: true, gsiv: GSIV, mappings: [{ inputFirst: 0, inputLast: 0xffff, output: 'IORT@0x30', outputFirst: 0, outputLast: 0xffff }] });
    expect(t.iort?.nodes[2]).toMatchObject({ ...rcRow, mappings: [{ inputFirst: 0, inputLast: 0xffff, output: 'IORT@0x30', outputFirst: 0, outputLast: 0xffff }] });
  });
  it('the SMMUv3 manages nothing; 00:00.0 and 00:01.0 have no IOMMU and ITS device ID = RID', () => {
    expect(t.iort?.iommus).toEqual([{ name: 'IORT@0x48', kind: 'SMMUv3', baseAddress: '0x09050000', managesNothing: true }]);
    expect(t.iort?.ranges).toMatchObject([{ ridFirst: 0, ridLast: 0xffff, target: null }]);
    expect(t.devices).toEqual([
      { name: '0000:00:00.0', iommu: null, ids: [], errno: -19, msi: { its: 'IORT@0x30', itsIds: [0], deviceId: 0 } },
      { name: '0000:00:01.0', iommu: null, ids: [], errno: -19, msi: { its: 'IORT@0x30', itsIds: [0], deviceId: 8 } },
    ]);
  });
});

describe('README: qemu72-virt-VIOT-bypass', () => {
  const t = topo(['qemu72-virt-VIOT-bypass', 'qemu-virt-IORT-its'], ['0000:00:00.0', '0000:00:01.0', '0000:00:02.0']);
  it('VIOT@0x30 virtio-pci IOMMU at 0000:00:01.0 manages nothing; virtio-net at 00:02.0 is not translated', () => {
    expect(t.viot?.iommus).toEqual([{ name: 'VIOT@0x30', kind: 'virtio-iommu (PCI)', pci: '0000:00:01.0', managesNothing: true }]);
    expect(t.viot?.ranges).toEqual([]);
    expect(t.devices.find((d) => d.name === '0000:00:02.0')).toMatchObject({ iommu: null, errno: -19, msi: { its: 'IORT@0x30', deviceId: 0x10 } });
  });
});
