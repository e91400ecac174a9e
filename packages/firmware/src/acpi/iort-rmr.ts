import type { Iort } from './iort.js';
import type { IortOptions } from './iort-map.js';
import type { IortIommuNode, IortRmrDescriptor, IortRmrNode } from './iort-types.js';
import { FW_BUG, ptr, type AcpiWarning } from './warnings.js';

/** A reserved region an RMR node asks an SMMU to keep identity-mapped. */
export interface IortRmrRegion {
  /** The RMR node. */
  readonly rmr: IortRmrNode;
  /** The descriptor. */
  readonly descriptor: IortRmrDescriptor;
  /** Start after page rounding. */
  readonly start: bigint;
  /** Length after page rounding. */
  readonly length: bigint;
  /** IOMMU_RESV_DIRECT_RELAXABLE if remapping is permitted, else IOMMU_RESV_DIRECT. */
  readonly type: 'direct' | 'direct-relaxable';
  /** IOMMU_READ | IOMMU_WRITE, plus IOMMU_PRIV, IOMMU_MMIO (attributes 0..3) or IOMMU_CACHE (attribute 5). */
  readonly prot: { readonly read: true; readonly write: true; readonly priv: boolean; readonly mmio: boolean; readonly cache: boolean };
  /** Stream IDs of the RMR's mappings to this SMMU. */
  readonly sids: readonly number[];
}

/** The device side of an RMR lookup (iort_rmr_has_dev()). */
export interface IortRmrDevice {
  /** The device's fwspec IDs. */
  readonly ids: readonly number[];
  /** True for a PCI device: it qualifies only if its host bridge preserves the firmware configuration. */
  readonly isPci: boolean;
  /** `_DSM` "preserve boot configuration" of the host bridge (PCI only). */
  readonly preserveConfig?: boolean;
}

/** Options of {@link iortRmrRegions}. */
export interface IortRmrOptions extends IortOptions {
  /** PAGE_SIZE for rounding unaligned descriptors; default 4096. */
  readonly pageSize?: number;
  /** Before v6.5 single-ID RMR mappings (count 0) were skipped ("ACPI/IORT: Remove erroneous id_count check"). */
  readonly skipSingleIdMappings?: boolean;
  /** Cap on the number of stream IDs collected per RMR node (Linux allocates them all). Default 65536. */
  readonly maxSids?: number;
}

/**
 * iort.c: iort_find_rmrs() / iort_node_get_rmr_info() / iort_get_rmrs() —
 * the reserved regions of every RMR node mapping to `iommu` (and, with
 * `dev`, only those whose stream-ID range contains one of its fwspec IDs).
 * Only for table revision ≥ 5. Malformed descriptors are kept with FW_BUG
 * warnings; RMRs never cause deferral.
 */
export function iortRmrRegions(iort: Iort, iommu: IortIommuNode, dev: IortRmrDevice | null, opts: IortRmrOptions = {}): { regions: IortRmrRegion[]; warnings: AcpiWarning[] } {
  const regions: IortRmrRegion[] = [];
  const warnings: AcpiWarning[] = [];
  if (iort.revision < 5) return { regions, warnings };
  const maxSids = opts.maxSids ?? 65536;
  for (const node of iort.nodes) {
    if (node.kind !== 'rmr') continue;
    if (node.mappingOffset === 0 || node.mappingCount === 0) {
      warnings.push({ file: iort.file, offset: node.offset, level: 'err', source: 'linux', message: `ACPI: IORT: ${FW_BUG}Invalid ID mapping, skipping RMR node ${ptr(node.offset)}` });
      continue;
    }
    if (node.descriptorOffset === 0 || node.descriptorCount === 0) continue;
    const sids: number[] = [];
    for (const map of node.mappings) {
      if (opts.skipSingleIdMappings === true && map.idCount === 0) continue;
      if (map.outputReference !== iommu.offset) continue;
      if (dev !== null && !rmrHasDev(dev, map.outputBase, map.idCount)) continue;
      for (let k = 0; k <= map.idCount && sids.length < maxSids; k++) sids.push((map.outputBase + k) >>> 0);
    }
    if (sids.length === 0) continue;
    regions.push(...rmrRegions(iort, node, sids, warnings, opts.pageSize ?? 4096));
  }
  return { regions, warnings };
}

// iort.c: iort_rmr_has_dev()
function rmrHasDev(dev: IortRmrDevice, idStart: number, idCount: number): boolean {
  if (dev.isPci && dev.preserveConfig !== true) return false;
  const end = (idStart + idCount) >>> 0; // u32 sum, as in C
  return dev.ids.some((id) => id >= idStart && id <= end);
}

const U64 = (1n << 64n) - 1n;

// iort.c: iort_get_rmrs(), iort_rmr_desc_check_overlap(), iort_rmr_alloc()
function rmrRegions(iort: Iort, node: IortRmrNode, sids: number[], warnings: AcpiWarning[], pageSize: number): IortRmrRegion[] {
  const err = (offset: number, message: string): void => {
    warnings.push({ file: iort.file, offset, level: 'err', source: 'linux', message: `ACPI: IORT: ${FW_BUG}${message}` });
  };
  const descs = node.descriptors;
  for (let i = 0; i < descs.length; i++) {
    const d = descs[i];
    if (d === undefined) continue;
    if (d.length === 0n) {
      err(d.offset, `RMR descriptor[0x${d.baseAddress.toString(16)}] with zero length, continue anyway`);
      continue;
    }
    const end = (d.baseAddress + d.length - 1n) & U64;
    for (let j = i + 1; j < descs.length; j++) {
      const e = descs[j];
      if (e === undefined) continue;
      const eEnd = (e.baseAddress + e.length - 1n) & U64;
      if (d.baseAddress <= eEnd && end >= e.baseAddress) {
        err(d.offset, `RMR descriptor[0x${d.baseAddress.toString(16)} - 0x${end.toString(16)}] overlaps, continue anyway`);
      }
    }
  }
  const page = BigInt(pageSize);
  const attrs = node.accessAttributes;
  const prot = { read: true as const, write: true as const, priv: node.privilegedAccess, mmio: attrs <= 3, cache: attrs === 5 };
  const type = node.remapPermitted ? 'direct-relaxable' : 'direct';
  return descs.map((d) => {
    let start = d.baseAddress;
    let length = d.length;
    const k64 = 0x10000n;
    if (start % k64 !== 0n || length % k64 !== 0n) {
      start = d.baseAddress & ~(page - 1n) & U64;
      const inPage = d.baseAddress % page;
      length = ((d.length + inPage + page - 1n) / page) * page & U64;
      const last = (d.baseAddress + d.length - 1n) & U64;
      err(d.offset, `RMR descriptor[0x${d.baseAddress.toString(16)} - 0x${last.toString(16)}] not aligned to 64K, continue with [0x${start.toString(16)} - 0x${((start + length - 1n) & U64).toString(16)}]`);
    }
    return { rmr: node, descriptor: d, start, length, type, prot, sids };
  });
}
