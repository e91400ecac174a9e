import { Errno, LogLevel, type Kernel } from '@kdsim/core';
import { IommuCore, type IommuDomain, type IommuGroup } from '@kdsim/iommu';
import { VFIO_EXT } from '../uapi.js';
import type { VfioConfig } from './config.js';

const PAGE_SIZE = 0x1000n;

/** struct vfio_domain: one IOMMU domain of a type1 container. */
export interface Type1Domain {
  /** The domain. */
  readonly domain: IommuDomain;
  /** Groups attached to it. */
  readonly groups: IommuGroup[];
  /** enforce_cache_coherency() succeeded. */
  readonly enforceCacheCoherency: boolean;
}

/** One user mapping of the container (struct vfio_dma). */
export interface VfioDma {
  /** First IOVA. */
  readonly iova: bigint;
  /** Bytes. */
  readonly size: bigint;
  /** User VA (used as the physical address in kdsim). */
  readonly vaddr: bigint;
}

/**
 * vfio_iommu_type1.c: one opened type1 backend (struct vfio_iommu): its
 * domains (groups share one when the driver and the coherency mode match)
 * and the user's DMA mappings, v1 or v2 semantics, with nesting until v6.12.
 */
export class Type1Iommu {
  /** v2 semantics (TYPE1v2, or nesting). */
  readonly v2: boolean;
  /** VFIO_TYPE1_NESTING_IOMMU. */
  readonly nesting: boolean;
  /** The domains. */
  readonly domains: Type1Domain[] = [];
  /** Mappings by IOVA. */
  readonly dmas: VfioDma[] = [];

  /** vfio_iommu_type1_open(type). */
  constructor(readonly k: Kernel, readonly config: VfioConfig, type: number) {
    this.v2 = type !== VFIO_EXT.TYPE1_IOMMU;
    this.nesting = type === VFIO_EXT.TYPE1_NESTING_IOMMU;
  }

  /** The backend's answer to VFIO_CHECK_EXTENSION (`iommu` null: no container backend yet). */
  static checkExtension(k: Kernel, iommu: Type1Iommu | null, ext: number): number {
    switch (ext) {
      case VFIO_EXT.TYPE1_IOMMU:
      case VFIO_EXT.TYPE1v2_IOMMU:
        return 1;
      case VFIO_EXT.TYPE1_NESTING_IOMMU:
        return k.profile.atLeast(6, 13) ? 0 : 1;
      case VFIO_EXT.UNMAP_ALL:
      case VFIO_EXT.UPDATE_VADDR:
        return k.profile.atLeast(5, 18) ? 1 : 0;
      case VFIO_EXT.DMA_CC_IOMMU:
        return iommu === null ? 0 : iommu.domains.every((d) => d.enforceCacheCoherency) ? 1 : 0;
      default:
        return 0;
    }
  }

  /** vfio_iommu_type1_open(): only the type1 family. */
  static open(type: number): number {
    return type === VFIO_EXT.TYPE1_IOMMU || type === VFIO_EXT.TYPE1v2_IOMMU || type === VFIO_EXT.TYPE1_NESTING_IOMMU ? 0 : -Errno.EINVAL;
  }

  #core(): IommuCore {
    return this.k.container.get(IommuCore);
  }

  /**
   * vfio_iommu_type1_attach_group(): a new paging domain for the group
   * (nesting enabled when asked), attach, MSI isolation (-EPERM), enforce
   * coherency, then fold into an existing compatible domain; mappings are
   * replayed.
   */
  attachGroup(group: IommuGroup): number {
    if (this.domains.some((d) => d.groups.includes(group))) return -Errno.EINVAL;
    const core = this.#core();
    const first = group.devices[0];
    const ops = first === undefined ? null : core.deviceOps(first);
    if (first === undefined || ops === null || ops.domainAllocPaging === undefined) return -Errno.ENODEV;
    const domain = ops.domainAllocPaging(first, 0, null);
    if (typeof domain === 'number') return domain;
    if (this.nesting) {
      const r = domain.enableNesting();
      if (r !== 0) {
        domain.free();
        return r;
      }
    }
    let r = core.attachGroup(domain, group);
    if (r !== 0) {
      domain.free();
      return r;
    }
    if (!this.config.type1AllowUnsafeInterrupts && !group.devices.every((d) => this.config.isolatedMsi(d))) {
      this.k.printk(LogLevel.WARNING, 'vfio_iommu_type1_attach_group: No interrupt remapping support.  Use the module param "allow_unsafe_interrupts" to enable VFIO IOMMU support on this platform');
      core.detachGroup(domain, group);
      domain.free();
      return -Errno.EPERM;
    }
    // Before v5.19 (71cfafda9c9b) there was no enforce_cache_coherency(): type1 set IOMMU_CACHE
    // on the domain when the bus's IOMMU reported IOMMU_CAP_CACHE_COHERENCY (then "can enforce
    // coherent DMA": an SMMUv3 with coherent table walks did), and VFIO_DMA_CC_IOMMU read that.
    const cc = this.k.profile.atLeast(5, 19)
      ? domain.enforceCacheCoherency()
      : group.devices.length > 0 && core.deviceCapable(group.devices[0]!, 'CACHE_COHERENCY');
    // Try to share a domain of the same driver and coherency mode.
    for (const d of this.domains) {
      if (d.domain.ops !== domain.ops || d.enforceCacheCoherency !== cc) continue;
      core.detachGroup(domain, group);
      if (core.attachGroup(d.domain, group) === 0) {
        domain.free();
        d.groups.push(group);
        return 0;
      }
      core.attachGroup(domain, group);
    }
    for (const m of this.dmas) {
      r = domain.map(m.iova, m.vaddr, m.size, 7);
      if (r !== 0) {
        core.detachGroup(domain, group);
        domain.free();
        return r;
      }
    }
    this.domains.push({ domain, groups: [group], enforceCacheCoherency: cc });
    return 0;
  }

  /** vfio_iommu_type1_detach_group(). */
  detachGroup(group: IommuGroup): void {
    const i = this.domains.findIndex((d) => d.groups.includes(group));
    if (i < 0) return;
    const d = this.domains[i]!;
    this.#core().detachGroup(d.domain, group);
    d.groups.splice(d.groups.indexOf(group), 1);
    if (d.groups.length === 0) {
      d.domain.free();
      this.domains.splice(i, 1);
    }
  }

  /**
   * VFIO_IOMMU_MAP_DMA (vfio_dma_do_map()): a size, IOVA and address aligned to the smallest
   * page all domains support (-EINVAL), no overlap with a mapping (-EEXIST), inside the IOVA
   * list (-EINVAL), then mapped into every domain.
   */
  mapDma(iova: bigint, vaddr: bigint, size: bigint): number {
    // vfio_update_pgsize_bitmap(): the domains' common page sizes, with sizes below PAGE_SIZE
    // shown as PAGE_SIZE (pinning works in pages).
    let pgsizes = (1n << 64n) - 1n;
    for (const d of this.domains) pgsizes &= d.domain.pgsizeBitmap;
    if ((pgsizes & PAGE_SIZE - 1n) !== 0n) pgsizes = (pgsizes & ~(PAGE_SIZE - 1n)) | PAGE_SIZE;
    const mask = (pgsizes & -pgsizes) - 1n;
    if (size === 0n || ((size | iova | vaddr) & mask) !== 0n) return -Errno.EINVAL;
    if (this.dmas.some((m) => m.iova < iova + size && iova < m.iova + m.size)) return -Errno.EEXIST;
    if (!this.#iovaValid(iova, iova + size - 1n)) return -Errno.EINVAL;
    for (const d of this.domains) {
      const r = d.domain.map(iova, vaddr, size, 7);
      if (r !== 0) return r;
    }
    this.dmas.push({ iova, size, vaddr });
    return 0;
  }

  // vfio_iommu_iova_dma_valid(): [first, last] lies in one range of the IOVA list that
  // vfio_iommu_type1_attach_group() built — the domains' common aperture less every group's
  // reserved regions but the relaxable direct ones (vfio_iommu_resv_exclude(); the MSI windows
  // included, hardware and software).
  #iovaValid(first: bigint, last: bigint): boolean {
    if (this.domains.length === 0) return true;
    let lo = 0n;
    let hi = (1n << 64n) - 1n;
    for (const d of this.domains) {
      if (d.domain.geometry.apertureStart > lo) lo = d.domain.geometry.apertureStart;
      if (d.domain.geometry.apertureEnd < hi) hi = d.domain.geometry.apertureEnd;
    }
    if (first < lo || last > hi) return false;
    const core = this.#core();
    return this.domains.every((d) => d.groups.every((g) => core.groupResvRegions(g).every((r) =>
      r.type === 'DIRECT_RELAXABLE' || last < r.start || first > r.start + r.length - 1n)));
  }

  /**
   * vfio_iommu_type1.c: vfio_dma_do_unmap() — v2 refuses a range that cuts
   * a mapping (-EINVAL); v1 removes whole mappings from `iova` on and stops
   * at one that starts before it. Returns the bytes unmapped.
   */
  unmapDma(iova: bigint, size: bigint): { readonly errno: number; readonly size: bigint } {
    if (size === 0n) return { errno: -Errno.EINVAL, size: 0n };
    const end = iova + size;
    const hit = this.dmas.filter((m) => m.iova < end && iova < m.iova + m.size).sort((a, b) => (a.iova < b.iova ? -1 : 1));
    if (this.v2 && hit.some((m) => m.iova < iova || m.iova + m.size > end)) return { errno: -Errno.EINVAL, size: 0n };
    let n = 0n;
    for (const m of hit) {
      if (m.iova < iova) break;
      for (const d of this.domains) d.domain.unmap(m.iova, m.size);
      this.dmas.splice(this.dmas.indexOf(m), 1);
      n += m.size;
    }
    return { errno: 0, size: n };
  }

}
