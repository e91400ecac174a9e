import { describe, expect, it } from 'vitest';
import { buildIort, rcData, rmrData, smmuV3Data, type IortSpec, type MapSpec } from '../testing/acpi-build.js';
import { decodeIort, type Iort } from './iort.js';
import { iortRmrRegions } from './iort-rmr.js';
import type { IortIommuNode } from './iort-types.js';

const R = (node: number): { node: number } => ({ node });

// Node 0: SMMUv3; node 1: RMR with `descs` and `maps`; node 2: another SMMUv3.
function rmrTable(descs: readonly (readonly [bigint, bigint])[], maps: readonly MapSpec[], opts: { revision?: number; flags?: number } = {}): { iort: Iort; smmu: IortIommuNode } {
  const spec: IortSpec = {
    revision: opts.revision ?? 5,
    nodes: [
      { type: 4, rev: 4, data: smmuV3Data() },
      { type: 6, rev: 3, data: rmrData({ flags: opts.flags ?? 0, descs }), maps },
      { type: 4, rev: 4, data: smmuV3Data({ base: 0x0a000000n }) },
      { type: 2, rev: 3, data: rcData() },
    ],
  };
  const iort = decodeIort(buildIort(spec), 'IORT');
  return { iort, smmu: iort.nodes[0] as IortIommuNode };
}

const toSmmu = (output: number, count = 0, node = 0): MapSpec => ({ input: 0, count, output, ref: R(node) });

describe('IORT RMR reserved regions (iort_get_rmrs())', () => {
  it('gives each descriptor of an RMR mapping to the SMMU, with its stream IDs', () => {
    const { iort, smmu } = rmrTable([[0x80000000n, 0x10000n], [0x90000000n, 0x20000n]], [toSmmu(0x10, 1)], { flags: 1 | (5 << 2) });
    const { regions, warnings } = iortRmrRegions(iort, smmu, null);
    expect(warnings).toEqual([]);
    expect(regions.map((r) => [r.start, r.length, r.type, r.sids])).toEqual([
      [0x80000000n, 0x10000n, 'direct-relaxable', [0x10, 0x11]],
      [0x90000000n, 0x20000n, 'direct-relaxable', [0x10, 0x11]],
    ]);
    expect(regions[0]?.prot).toEqual({ read: true, write: true, priv: false, mmio: false, cache: true });
  });

  it('is honoured only from table revision 5 (E.d)', () => {
    const { iort, smmu } = rmrTable([[0x80000000n, 0x10000n]], [toSmmu(0x10)], { revision: 3 });
    expect(iortRmrRegions(iort, smmu, null).regions).toEqual([]);
  });

  it('ignores RMRs of another SMMU', () => {
    const { iort, smmu } = rmrTable([[0x80000000n, 0x10000n]], [toSmmu(0x10, 0, 2)]);
    expect(iortRmrRegions(iort, smmu, null).regions).toEqual([]);
  });

  it('with a device, keeps RMRs whose stream-ID range (inclusive) holds one of its IDs', () => {
    const { iort, smmu } = rmrTable([[0x80000000n, 0x10000n]], [toSmmu(0x10, 1)]);
    expect(iortRmrRegions(iort, smmu, { ids: [0x11], isPci: false }).regions).toHaveLength(1);
    expect(iortRmrRegions(iort, smmu, { ids: [0x12], isPci: false }).regions).toHaveLength(0);
    // PCI devices qualify only if the host bridge preserves the boot configuration.
    expect(iortRmrRegions(iort, smmu, { ids: [0x10], isPci: true }).regions).toHaveLength(0);
    expect(iortRmrRegions(iort, smmu, { ids: [0x10], isPci: true, preserveConfig: true }).regions).toHaveLength(1);
  });

  it('a single-ID mapping (count 0) counts since v6.5; earlier kernels skipped it', () => {
    const { iort, smmu } = rmrTable([[0x80000000n, 0x10000n]], [toSmmu(0x10)]);
    expect(iortRmrRegions(iort, smmu, null).regions[0]?.sids).toEqual([0x10]);
    expect(iortRmrRegions(iort, smmu, null, { skipSingleIdMappings: true }).regions).toEqual([]);
  });

  it('an RMR node without ID mappings is skipped with FW_BUG', () => {
    const { iort, smmu } = rmrTable([[0x80000000n, 0x10000n]], []);
    const r = iortRmrRegions(iort, smmu, null);
    expect(r.regions).toEqual([]);
    expect(r.warnings[0]?.message).toMatch(/^ACPI: IORT: \[Firmware Bug\]: Invalid ID mapping, skipping RMR node 0{13}074$/);
  });

  it('keeps zero-length and overlapping descriptors with FW_BUG warnings', () => {
    const { iort, smmu } = rmrTable([[0x80000000n, 0n], [0x90000000n, 0x20000n], [0x90010000n, 0x10000n]], [toSmmu(0x10)]);
    const r = iortRmrRegions(iort, smmu, null);
    expect(r.regions).toHaveLength(3);
    expect(r.warnings.map((w) => w.message)).toEqual([
      'ACPI: IORT: [Firmware Bug]: RMR descriptor[0x80000000] with zero length, continue anyway',
      'ACPI: IORT: [Firmware Bug]: RMR descriptor[0x90000000 - 0x9001ffff] overlaps, continue anyway',
    ]);
    expect(r.regions[0]?.length).toBe(0n);
  });

  it('rounds a descriptor not aligned to 64K out to pages', () => {
    const { iort, smmu } = rmrTable([[0x80001234n, 0x100n]], [toSmmu(0x10)]);
    const r = iortRmrRegions(iort, smmu, null);
    expect([r.regions[0]?.start, r.regions[0]?.length]).toEqual([0x80001000n, 0x1000n]);
    expect(r.warnings[0]?.message).toBe('ACPI: IORT: [Firmware Bug]: RMR descriptor[0x80001234 - 0x80001333] not aligned to 64K, continue with [0x80001000 - 0x80001fff]');
  });
});
