import { describe, expect, it } from 'vitest';
import { buildIort, iortOffsets, itsData, pmcgData, rcData, smmuV3Data, type IortSpec, type MapSpec } from '../testing/acpi-build.js';
import { decodeIort, type Iort } from './iort.js';
import { iortGetIdMappingIndex, iortIdMap, iortNodeMapId } from './iort-map.js';
import { IORT_IOMMU_TYPE, IORT_MSI_TYPE, type IortNode } from './iort-types.js';
import type { AcpiWarning } from './warnings.js';

const R = (node: number): { node: number } => ({ node });

// Node 0 RC (with `maps`), node 1 SMMUv3 A, node 2 SMMUv3 B, node 3 ITS group.
function rcTo(maps: readonly MapSpec[], extra: Partial<IortSpec> = {}): { iort: Iort; rc: IortNode; offs: number[] } {
  const spec: IortSpec = {
    nodes: [
      { type: 2, rev: 3, data: rcData(), maps },
      { type: 4, rev: 4, data: smmuV3Data() },
      { type: 4, rev: 4, data: smmuV3Data({ base: 0x0a000000n }) },
      { type: 0, rev: 1, data: itsData([0]) },
    ],
    ...extra,
  };
  const iort = decodeIort(buildIort(spec), 'IORT');
  return { iort, rc: iort.nodes[0] as IortNode, offs: iortOffsets(spec) };
}

const msgs = (log: readonly AcpiWarning[]): string[] => log.map((w) => w.message);

describe('iort_id_map(): one mapping', () => {
  const { iort, rc } = rcTo([{ input: 0x100, count: 0xff, output: 0x5000, ref: R(1) }]);
  const map = rc.mappings[0]!;

  it('covers input base .. base + count inclusive (count is "number of IDs minus one")', () => {
    const log: AcpiWarning[] = [];
    expect(iortIdMap(iort, map, rc.type, 0xff, false, log).rc).toBe(-6);
    expect(iortIdMap(iort, map, rc.type, 0x100, false, log)).toEqual({ rc: 0, out: 0x5000 });
    expect(iortIdMap(iort, map, rc.type, 0x1fe, false, log)).toEqual({ rc: 0, out: 0x50fe });
    expect(iortIdMap(iort, map, rc.type, 0x200, false, log).rc).toBe(-6);
  });

  it('returns -EAGAIN (provisional) for the last ID of a range', () => {
    expect(iortIdMap(iort, map, rc.type, 0x1ff, false, [])).toEqual({ rc: -11, out: 0x50ff });
  });

  it('a single mapping on an RC or NC matches any input and gives the output base', () => {
    const { iort: i2, rc: rc2 } = rcTo([{ input: 0x100, count: 0, output: 0x77, ref: R(1), flags: 1 }]);
    expect(iortIdMap(i2, rc2.mappings[0]!, 2, 0xdead, false, [])).toEqual({ rc: 0, out: 0x77 });
    expect(iortIdMap(i2, rc2.mappings[0]!, 1, 0, false, [])).toEqual({ rc: 0, out: 0x77 });
  });

  it('a single mapping on an SMMU node is a firmware bug and is skipped', () => {
    const log: AcpiWarning[] = [];
    const { iort: i2, rc: rc2 } = rcTo([{ input: 0, count: 0, output: 0x77, ref: R(1), flags: 1 }]);
    const m = rc2.mappings[0]!;
    expect(iortIdMap(i2, m, 4, 0, false, log).rc).toBe(-6);
    expect(msgs(log)).toEqual([`ACPI: IORT: [Firmware Bug]: [map ${m.offset.toString(16).padStart(16, '0')}] SINGLE MAPPING flag not allowed for node type 4, skipping ID map`]);
  });

  it('does its arithmetic modulo 2^32: a range that wraps matches nothing', () => {
    const { iort: i2, rc: rc2 } = rcTo([{ input: 0xfffffff0, count: 0x20, output: 0, ref: R(1) }]);
    expect(iortIdMap(i2, rc2.mappings[0]!, 2, 0xfffffff5, false, []).rc).toBe(-6);
    const { iort: i3, rc: rc3 } = rcTo([{ input: 0x10, count: 0xf, output: 0xfffffff8, ref: R(1) }]);
    expect(iortIdMap(i3, rc3.mappings[0]!, 2, 0x18, false, []).out).toBe(0);
  });
});

describe('iort_node_map_id(): translation through the graph', () => {
  it('maps a PCI RID through the RC to the SMMU, keeping the ID offset', () => {
    const { iort, rc, offs } = rcTo([{ input: 0, count: 0xffff, output: 0x10000, ref: R(1) }]);
    const m = iortNodeMapId(iort, rc, 0x0123, IORT_IOMMU_TYPE, []);
    expect(m.node?.offset).toBe(offs[1]);
    expect(m.id).toBe(0x10123);
  });

  it('off-by-one workaround: a range starting at the previous range\'s last ID supersedes it', () => {
    const log: AcpiWarning[] = [];
    const { iort, rc, offs } = rcTo([
      { input: 0, count: 0x100, output: 0x1000, ref: R(1) }, // QEMU-style "count" = number of IDs
      { input: 0x100, count: 0xff, output: 0x2000, ref: R(2) },
    ]);
    const m = iortNodeMapId(iort, rc, 0x100, IORT_IOMMU_TYPE, log);
    expect([m.node?.offset, m.id]).toEqual([offs[2], 0x2000]);
    const mapB = rc.mappings[1]!.offset.toString(16).padStart(16, '0');
    expect(msgs(log)).toEqual([
      `ACPI: IORT: [Firmware Bug]: [map ${mapB}] conflicting mapping for input ID 0x100`,
      'ACPI: IORT: [Firmware Bug]: applying workaround.',
    ]);
  });

  it('a real overlap (later range not starting at that ID) is ignored and the provisional match stands', () => {
    const log: AcpiWarning[] = [];
    const { iort, rc, offs } = rcTo([
      { input: 0, count: 0xff, output: 0x1000, ref: R(1) },
      { input: 0x80, count: 0xff, output: 0x2000, ref: R(2) },
    ]);
    const m = iortNodeMapId(iort, rc, 0xff, IORT_IOMMU_TYPE, log);
    expect([m.node?.offset, m.id]).toEqual([offs[1], 0x10ff]);
    expect(msgs(log)).toHaveLength(1);
    expect(msgs(log)[0]).toMatch(/conflicting mapping for input ID 0xff$/);
  });

  it('an overlap that is not at a last ID: the first full match wins, no warning', () => {
    const log: AcpiWarning[] = [];
    const { iort, rc, offs } = rcTo([
      { input: 0, count: 0xff, output: 0x1000, ref: R(1) },
      { input: 0x80, count: 0xff, output: 0x2000, ref: R(2) },
    ]);
    const m = iortNodeMapId(iort, rc, 0x90, IORT_IOMMU_TYPE, log);
    expect([m.node?.offset, m.id, log.length]).toEqual([offs[1], 0x1090, 0]);
  });

  it('a provisional last-ID match with no later range is used as is', () => {
    const { iort, rc, offs } = rcTo([{ input: 0, count: 0xff, output: 0x1000, ref: R(1) }]);
    const m = iortNodeMapId(iort, rc, 0xff, IORT_IOMMU_TYPE, []);
    expect([m.node?.offset, m.id]).toEqual([offs[1], 0x10ff]);
  });

  it('mapping 0 with output reference 0 is a firmware bug: translation fails, ID unchanged', () => {
    const log: AcpiWarning[] = [];
    const { iort, rc } = rcTo([{ input: 0, count: 0xffff, output: 0x9000, ref: 0 }]);
    expect(iortNodeMapId(iort, rc, 0x42, IORT_IOMMU_TYPE, log)).toEqual({ node: null, id: 0x42 });
    expect(msgs(log)).toEqual([`ACPI: IORT: [Firmware Bug]: [node ${rc.offset.toString(16).padStart(16, '0')} type 2] ID map has NULL parent reference`]);
  });

  it('no matching mapping: fails with the ID unchanged', () => {
    const { iort, rc } = rcTo([{ input: 0, count: 0xff, output: 0x1000, ref: R(1) }]);
    expect(iortNodeMapId(iort, rc, 0x300, IORT_IOMMU_TYPE, [])).toEqual({ node: null, id: 0x300 });
  });

  it('stops at the wanted type: RC → SMMU → ITS for MSIs', () => {
    const spec: IortSpec = {
      nodes: [
        { type: 2, rev: 3, data: rcData(), maps: [{ input: 0, count: 0xffff, output: 0x100, ref: R(1) }] },
        { type: 4, rev: 4, data: smmuV3Data(), maps: [{ input: 0, count: 0xffff, output: 0x8000, ref: R(2) }] },
        { type: 0, rev: 1, data: itsData([7]) },
      ],
    };
    const iort = decodeIort(buildIort(spec), 'IORT');
    const offs = iortOffsets(spec);
    const rc = iort.nodes[0]!;
    expect(iortNodeMapId(iort, rc, 5, IORT_MSI_TYPE, [])).toMatchObject({ node: { offset: offs[2] }, id: 0x8105 });
    expect(iortNodeMapId(iort, rc, 5, IORT_IOMMU_TYPE, [])).toMatchObject({ node: { offset: offs[1] }, id: 0x105 });
  });

  it('gives up after 32 hops on a cycle (Linux would loop forever)', () => {
    const spec: IortSpec = {
      nodes: [
        { type: 2, rev: 3, data: rcData(), maps: [{ input: 0, count: 0xffff, output: 0, ref: R(1) }] },
        { type: 1, rev: 2, data: [0, 0, 0, 0, ...new Array<number>(12).fill(0)], maps: [{ input: 0, count: 0xffff, output: 0, ref: R(0) }] },
      ],
    };
    const log: AcpiWarning[] = [];
    const iort = decodeIort(buildIort(spec), 'IORT');
    expect(iortNodeMapId(iort, iort.nodes[0]!, 3, IORT_IOMMU_TYPE, log)).toEqual({ node: null, id: 3 });
    expect(log.at(-1)?.source).toBe('kdsim');
    expect(log.at(-1)?.message).toContain('did not end after 32 hops');
  });

  it('an output reference past the table end fails the mapping', () => {
    const log: AcpiWarning[] = [];
    const { iort, rc } = rcTo([{ input: 0, count: 0xffff, output: 0, ref: 0xfff0 }]);
    expect(iortNodeMapId(iort, rc, 3, IORT_IOMMU_TYPE, log).node).toBeNull();
    expect(log[0]?.source).toBe('kdsim');
  });
});

describe('iort_get_id_mapping_index(): the SMMU/PMCG own MSI mapping', () => {
  const smmuWith = (rev: number, gsiv: readonly [number, number, number, number], flags: number, idIndex: number, nmaps = 2) => {
    const spec: IortSpec = {
      nodes: [
        { type: 4, rev, data: smmuV3Data({ gsiv, flags, idIndex }), maps: Array.from({ length: nmaps }, (_, i) => ({ input: 0, count: 0xffff, output: 0x100 * (i + 1), ref: R(1) })) },
        { type: 0, rev: 1, data: itsData([0]) },
      ],
    };
    const iort = decodeIort(buildIort(spec), 'IORT');
    return { iort, node: iort.nodes[0]! };
  };

  it('is absent for node revision 0', () => {
    const { iort, node } = smmuWith(0, [0, 0, 0, 0], 0, 0);
    expect(iortGetIdMappingIndex(iort, node, [])).toBe(-22);
  });

  it('before node rev 5: absent when all four GSIVs are wired, else the index', () => {
    const wired = smmuWith(4, [1, 2, 3, 4], 0, 1);
    const msiOnly = smmuWith(4, [1, 0, 3, 4], 0, 1);
    expect(iortGetIdMappingIndex(wired.iort, wired.node, [])).toBe(-22);
    expect(iortGetIdMappingIndex(msiOnly.iort, msiOnly.node, [])).toBe(1);
  });

  it('from node rev 5: only with the DeviceID-valid flag', () => {
    const a = smmuWith(5, [0, 0, 0, 0], 0, 1);
    const b = smmuWith(5, [1, 2, 3, 4], 0x10, 1);
    expect(iortGetIdMappingIndex(a.iort, a.node, [])).toBe(-22);
    expect(iortGetIdMappingIndex(b.iort, b.node, [])).toBe(1);
    expect(iortGetIdMappingIndex(b.iort, b.node, [], { smmuV3DeviceIdValid: false })).toBe(-22);
  });

  it('an index beyond the mapping count is a firmware bug and is ignored', () => {
    const log: AcpiWarning[] = [];
    const { iort, node } = smmuWith(4, [0, 0, 0, 0], 0, 2);
    expect(iortGetIdMappingIndex(iort, node, log)).toBe(-22);
    expect(msgs(log)).toEqual([`ACPI: IORT: [Firmware Bug]: [node ${node.offset.toString(16).padStart(16, '0')} type 4] ID mapping index overflows valid mappings`]);
  });

  it('the special mapping is skipped during translation', () => {
    const { iort, node } = smmuWith(4, [0, 0, 0, 0], 0, 0);
    // Mapping 0 (output 0x100) is the SMMU's own DeviceID; translation uses mapping 1 (output 0x200).
    expect(iortNodeMapId(iort, node, 5, IORT_MSI_TYPE, []).id).toBe(0x205);
  });

  it('PMCG: mapping 0 when the overflow interrupt is not wired', () => {
    const mk = (gsiv: number): { iort: Iort; node: IortNode } => {
      const iort = decodeIort(buildIort({ nodes: [{ type: 5, rev: 1, data: pmcgData({ overflowGsiv: gsiv }), maps: [{ input: 0, count: 0, output: 3, ref: R(1), flags: 1 }] }, { type: 0, rev: 1, data: itsData([0]) }] }), 'IORT');
      return { iort, node: iort.nodes[0]! };
    };
    const a = mk(0);
    const b = mk(0x50);
    expect(iortGetIdMappingIndex(a.iort, a.node, [])).toBe(0);
    expect(iortGetIdMappingIndex(b.iort, b.node, [])).toBe(-22);
  });
});
