import { Errno, type Device } from '@kdsim/core';
import type { IommuOps } from './ops.js';
import { IOMMU_DOMAIN_BIT, type IommuDomainGeometry, type IommuUserData } from './types.js';

/** One IOVA → physical mapping of a paging domain. */
export interface IommuMapping {
  /** First IOVA. */
  readonly iova: bigint;
  /** First physical address. */
  readonly paddr: bigint;
  /** Length in bytes. */
  readonly size: bigint;
  /** IOMMU_PROT bits. */
  readonly prot: number;
}

/** What an {@link IommuDomain} is created with. */
export interface IommuDomainInit {
  /** An IommuDomainType value. */
  readonly type: number;
  /** The driver that allocated it (domain->owner). */
  readonly ops: IommuOps;
  /** Supported page sizes; default the driver's. */
  readonly pgsizeBitmap?: bigint;
  /** The aperture; default the whole 64-bit space, not forced. */
  readonly geometry?: IommuDomainGeometry;
  /** IOMMU_HWPT_ALLOC_* flags it was allocated with. */
  readonly flags?: number;
  /** The parent of a NESTED domain. */
  readonly parent?: IommuDomain | null;
}

const FULL: IommuDomainGeometry = { apertureStart: 0n, apertureEnd: (1n << 64n) - 1n, forceAperture: false };

/**
 * struct iommu_domain with its domain ops (include/linux/iommu.h). Paging
 * domains keep their mappings here; drivers subclass to add the hardware
 * side (attach checks, requests to a device) by overriding the `do*` hooks.
 */
export class IommuDomain {
  /** An IommuDomainType value (a DMA_FQ domain may drop to DMA at setup). */
  type: number;
  /** The driver that owns it. */
  readonly ops: IommuOps;
  /** Page sizes. */
  readonly pgsizeBitmap: bigint;
  /** The aperture (a driver sets it when it finalises the domain on an instance). */
  geometry: IommuDomainGeometry;
  /** IOMMU_HWPT_ALLOC_* flags. */
  readonly flags: number;
  /** The parent of a nested domain. */
  readonly parent: IommuDomain | null;
  /** Devices attached, in attach order. */
  readonly devices: Device[] = [];
  /** enforce_cache_coherency() succeeded: No-Snoop is blocked for every attached device. */
  enforcingCoherency = false;
  /** ops->free() ran. */
  freed = false;
  readonly #maps: IommuMapping[] = [];

  /** Creates a domain (the driver's allocator calls this). */
  constructor(init: IommuDomainInit) {
    this.type = init.type;
    this.ops = init.ops;
    this.pgsizeBitmap = init.pgsizeBitmap ?? init.ops.pgsizeBitmap;
    this.geometry = init.geometry ?? FULL;
    this.flags = init.flags ?? 0;
    this.parent = init.parent ?? null;
  }

  /** __IOMMU_DOMAIN_PAGING is set. */
  get isPaging(): boolean {
    return (this.type & IOMMU_DOMAIN_BIT.PAGING) !== 0;
  }

  /** The smallest page size (the granule). */
  get minPageSize(): bigint {
    const b = this.pgsizeBitmap;
    return b === 0n ? 0n : b & -b;
  }

  /** Current mappings, sorted by IOVA. */
  get mappings(): readonly IommuMapping[] {
    return this.#maps;
  }

  /**
   * attach_dev(): 0, or EINVAL (incompatible with this domain — callers may
   * try another), ENOMEM, ENOSPC, EBUSY, ENODEV.
   */
  attachDev(dev: Device): number {
    if (this.freed) return -Errno.EINVAL;
    if (this.devices.includes(dev)) return 0;
    const r = this.doAttach(dev);
    if (r !== 0) return r;
    this.devices.push(dev);
    return 0;
  }

  /** Forgets `dev` (it moved to another domain). */
  detachDev(dev: Device): void {
    const i = this.devices.indexOf(dev);
    if (i < 0) return;
    this.devices.splice(i, 1);
    this.doDetach(dev);
  }

  /**
   * iommu.c: iommu_map() — `iova`, `paddr` and `size` aligned to the granule
   * (-EINVAL), paging domains only (-EINVAL), inside a forced aperture
   * (-EFAULT), no overlap with an existing mapping (-EEXIST, io-pgtable).
   */
  map(iova: bigint, paddr: bigint, size: bigint, prot: number): number {
    if (!this.isPaging || this.freed) return -Errno.EINVAL;
    const min = this.minPageSize;
    if (min === 0n) return -Errno.ENODEV;
    if (size <= 0n || (iova | paddr | size) % min !== 0n) return -Errno.EINVAL;
    const end = iova + size - 1n;
    if (this.geometry.forceAperture && (iova < this.geometry.apertureStart || end > this.geometry.apertureEnd)) return -Errno.EFAULT;
    for (const m of this.#maps) if (m.iova <= end && iova <= m.iova + m.size - 1n) return -Errno.EEXIST;
    const r = this.doMap(iova, paddr, size, prot);
    if (r !== 0) return r;
    const at = this.#maps.findIndex((m) => m.iova > iova);
    this.#maps.splice(at < 0 ? this.#maps.length : at, 0, { iova, paddr, size, prot });
    return 0;
  }

  /**
   * iommu.c: iommu_unmap() — unmaps from `iova` on, page by page as
   * io-pgtable does, stopping at the first hole; returns the bytes unmapped.
   */
  unmap(iova: bigint, size: bigint): bigint {
    if (!this.isPaging || this.freed || size <= 0n) return 0n;
    let cursor = iova;
    const end = iova + size;
    while (cursor < end) {
      const i = this.#maps.findIndex((m) => m.iova <= cursor && cursor < m.iova + m.size);
      if (i < 0) break;
      const m = this.#maps[i]!;
      const stop = m.iova + m.size < end ? m.iova + m.size : end;
      const pieces: IommuMapping[] = [];
      if (m.iova < cursor) pieces.push({ ...m, size: cursor - m.iova });
      if (stop < m.iova + m.size) pieces.push({ iova: stop, paddr: m.paddr + (stop - m.iova), size: m.iova + m.size - stop, prot: m.prot });
      this.#maps.splice(i, 1, ...pieces);
      cursor = stop;
    }
    const unmapped = cursor - iova;
    if (unmapped > 0n) this.doUnmap(iova, unmapped);
    return unmapped;
  }

  /** iommu_iova_to_phys(): the physical address, or null when unmapped (identity: the IOVA). */
  iovaToPhys(iova: bigint): bigint | null {
    if ((this.type & IOMMU_DOMAIN_BIT.PT) !== 0) return iova;
    const m = this.#maps.find((x) => x.iova <= iova && iova < x.iova + x.size);
    return m === undefined ? null : m.paddr + (iova - m.iova);
  }

  /**
   * enforce_cache_coherency(): make every DMA through the domain snoop,
   * No-Snoop included. Default: the driver cannot (false).
   */
  enforceCacheCoherency(): boolean {
    return false;
  }

  /**
   * cache_invalidate_user(): nested domains handle user invalidation
   * entries; returns the errno and how many entries were handled. `null`:
   * the driver has no such op (-EOPNOTSUPP at the caller).
   */
  cacheInvalidateUser(_entries: readonly IommuUserData[]): { readonly errno: number; readonly handled: number } | null {
    return null;
  }

  /**
   * iommu_enable_nesting() (until v6.12, for VFIO_TYPE1_NESTING_IOMMU):
   * select the stage that can carry a guest stage 1. Default: the driver
   * has no enable_nesting op (-EINVAL).
   */
  enableNesting(): number {
    return -Errno.EINVAL;
  }

  /** domain->dirty_ops is set: the domain can track dirty IOVAs. */
  get hasDirtyOps(): boolean {
    return false;
  }

  /** ops->free(). */
  free(): void {
    this.freed = true;
    this.#maps.length = 0;
  }

  /** Driver hook for attach_dev. */
  protected doAttach(_dev: Device): number {
    return 0;
  }

  /** Driver hook when a device leaves. */
  protected doDetach(_dev: Device): void {}

  /** Driver hook for map_pages. */
  protected doMap(_iova: bigint, _paddr: bigint, _size: bigint, _prot: number): number {
    return 0;
  }

  /** Driver hook for unmap_pages. */
  protected doUnmap(_iova: bigint, _size: bigint): void {}
}
