import type { KernelProfile } from '@kdsim/core';

/**
 * include/linux/iommu.h: enum iommu_cap. The kernel numbers them; kdsim names
 * them. Which ones exist depends on the kernel ({@link iommuCapExists}).
 */
export const IommuCap = {
  /** IOMMU_CACHE mappings are cache coherent for this device (since v5.19: "supports IOMMU_CACHE"). */
  CACHE_COHERENCY: 'CACHE_COHERENCY',
  /** IOMMU_NOEXEC is honoured. */
  NOEXEC: 'NOEXEC',
  /** Firmware kept the IOMMU on before the OS (v5.19+). */
  PRE_BOOT_PROTECTION: 'PRE_BOOT_PROTECTION',
  /** enforce_cache_coherency() will succeed for this device (v6.2+). */
  ENFORCE_CACHE_COHERENCY: 'ENFORCE_CACHE_COHERENCY',
  /** Flush queues make sense: no synchronous TLB maintenance on unmap (v6.5+: "iommu: Add a capability for flush queue support"). */
  DEFERRED_FLUSH: 'DEFERRED_FLUSH',
  /** Hardware dirty tracking (v6.7+). */
  DIRTY_TRACKING: 'DIRTY_TRACKING',
  /** ATS may be enabled for this device (after v6.12). */
  PCI_ATS_SUPPORTED: 'PCI_ATS_SUPPORTED',
} as const;

/** One {@link IommuCap} value. */
export type IommuCap = (typeof IommuCap)[keyof typeof IommuCap];

/** Every capability, in the kernel's enum order. */
export const IOMMU_CAPS: readonly IommuCap[] = Object.values(IommuCap);

/** True if the kernel of `profile` has capability `cap` in enum iommu_cap (spec §1.9 history). */
export function iommuCapExists(profile: KernelProfile, cap: IommuCap): boolean {
  switch (cap) {
    case 'CACHE_COHERENCY':
    case 'NOEXEC':
      return true;
    case 'PRE_BOOT_PROTECTION':
      return profile.atLeast(5, 19);
    case 'ENFORCE_CACHE_COHERENCY':
      return profile.atLeast(6, 2);
    case 'DEFERRED_FLUSH':
      return profile.atLeast(6, 5);
    case 'DIRTY_TRACKING':
      return profile.atLeast(6, 7);
    case 'PCI_ATS_SUPPORTED':
      return profile.atLeast(6, 13);
  }
}

/** include/linux/iommu.h: the __IOMMU_DOMAIN_* type bits. */
export const IOMMU_DOMAIN_BIT = {
  PAGING: 1 << 0,
  DMA_API: 1 << 1,
  PT: 1 << 2,
  DMA_FQ: 1 << 3,
  SVA: 1 << 4,
  PLATFORM: 1 << 5,
  NESTED: 1 << 6,
} as const;

/** include/linux/iommu.h: IOMMU_DOMAIN_* (values are the kernel's bit combinations). */
export const IommuDomainType = {
  /** All DMA faults. */
  BLOCKED: 0,
  /** IOVA = physical address. */
  IDENTITY: IOMMU_DOMAIN_BIT.PT,
  /** Owned by an external user (VFIO type1, iommufd). */
  UNMANAGED: IOMMU_DOMAIN_BIT.PAGING,
  /** Kernel DMA API, strict invalidation. */
  DMA: IOMMU_DOMAIN_BIT.PAGING | IOMMU_DOMAIN_BIT.DMA_API,
  /** Kernel DMA API with a flush queue (lazy invalidation). */
  DMA_FQ: IOMMU_DOMAIN_BIT.PAGING | IOMMU_DOMAIN_BIT.DMA_API | IOMMU_DOMAIN_BIT.DMA_FQ,
  /** Process address space. */
  SVA: IOMMU_DOMAIN_BIT.SVA,
  /** Legacy driver-managed. */
  PLATFORM: IOMMU_DOMAIN_BIT.PLATFORM,
  /** User-managed stage 1 over a kernel stage 2. */
  NESTED: IOMMU_DOMAIN_BIT.NESTED,
} as const;

/** One {@link IommuDomainType} value. */
export type IommuDomainType = (typeof IommuDomainType)[keyof typeof IommuDomainType];

/** iommu_is_dma_domain(): DMA or DMA_FQ. */
export function isDmaDomainType(type: number): boolean {
  return (type & IOMMU_DOMAIN_BIT.DMA_API) !== 0;
}

/** iommu.c: iommu_domain_type_str() — the word of the `Default domain type:` boot line. */
export function domainTypeStr(type: number): string {
  switch (type) {
    case IommuDomainType.BLOCKED: return 'Blocked';
    case IommuDomainType.IDENTITY: return 'Passthrough';
    case IommuDomainType.UNMANAGED: return 'Unmanaged';
    case IommuDomainType.DMA:
    case IommuDomainType.DMA_FQ: return 'Translated';
    case IommuDomainType.PLATFORM: return 'Platform';
    default: return 'Unknown';
  }
}

/** iommu.c: iommu_group_show_type() — the sysfs `iommu_group/type` word. */
export function groupTypeName(type: number | null): string {
  switch (type) {
    case IommuDomainType.BLOCKED: return 'blocked';
    case IommuDomainType.IDENTITY: return 'identity';
    case IommuDomainType.UNMANAGED: return 'unmanaged';
    case IommuDomainType.DMA: return 'DMA';
    case IommuDomainType.DMA_FQ: return 'DMA-FQ';
    default: return 'unknown';
  }
}

/** include/linux/iommu.h: mapping protection bits (IOMMU_READ ... IOMMU_PRIV). */
export const IOMMU_PROT = {
  READ: 1 << 0,
  WRITE: 1 << 1,
  CACHE: 1 << 2,
  NOEXEC: 1 << 3,
  MMIO: 1 << 4,
  PRIV: 1 << 5,
} as const;

/** include/uapi/linux/iommufd.h: enum iommufd_hwpt_alloc_flags. */
export const IOMMU_HWPT_ALLOC = {
  /** The domain may be the parent of nested domains. */
  NEST_PARENT: 1 << 0,
  /** Dirty tracking is enabled on the domain. */
  DIRTY_TRACKING: 1 << 1,
  /** fault_id is valid (iommufd-level, not passed to drivers as a domain property). */
  FAULT_ID_VALID: 1 << 2,
  /** The domain may be attached with PASIDs. */
  PASID: 1 << 3,
} as const;

/** include/uapi/linux/iommufd.h: enum iommu_hw_info_type. */
export const IommuHwInfoType = {
  /** No driver-specific data (also: "driver's choice" when requested). */
  NONE: 0,
  /** Intel VT-d. */
  INTEL_VTD: 1,
  /** ARM SMMUv3. */
  ARM_SMMUV3: 2,
} as const;

/** include/uapi/linux/iommufd.h: enum iommu_hwpt_data_type (user data of HWPT_ALLOC). */
export const IommuHwptDataType = {
  /** No data. */
  NONE: 0,
  /** Intel VT-d stage 1. */
  VTD_S1: 1,
  /** ARM SMMUv3 stream table entry. */
  ARM_SMMUV3: 2,
} as const;

/** User data passed with a domain allocation (struct iommu_user_data). */
export interface IommuUserData {
  /** An {@link IommuHwptDataType} value. */
  readonly type: number;
  /** The decoded payload (driver-specific). */
  readonly data: Readonly<Record<string, bigint | number | boolean>>;
}

/** What ops->hw_info() returns for IOMMU_GET_HW_INFO. */
export interface IommuHwInfo {
  /** An {@link IommuHwInfoType} value. */
  readonly type: number;
  /** Driver data fields (for ARM_SMMUV3: `flags`, `idr` (6 words), `iidr`, `aidr`). */
  readonly data: Readonly<Record<string, number | readonly number[]>>;
}

/** include/linux/iommu.h: enum iommu_resv_type. */
export type IommuResvType = 'DIRECT' | 'DIRECT_RELAXABLE' | 'RESERVED' | 'MSI' | 'SW_MSI';

/** struct iommu_resv_region. */
export interface IommuResvRegion {
  /** First IOVA. */
  readonly start: bigint;
  /** Length in bytes. */
  readonly length: bigint;
  /** IOMMU_PROT bits of a direct mapping. */
  readonly prot: number;
  /** The kind of region. */
  readonly type: IommuResvType;
}

/** struct iommu_domain_geometry. */
export interface IommuDomainGeometry {
  /** First address that can be mapped. */
  readonly apertureStart: bigint;
  /** Last address that can be mapped. */
  readonly apertureEnd: bigint;
  /** DMA only allowed inside the aperture. */
  readonly forceAperture: boolean;
}

/** fwspec flag bits (include/linux/iommu.h: IOMMU_FWSPEC_PCI_RC_*). */
export const IOMMU_FWSPEC = {
  /** The root complex supports ATS. */
  PCI_RC_ATS: 1 << 0,
  /** The root complex is coherent without write-back shareable attributes (IORT CANWBS). */
  PCI_RC_CANWBS: 1 << 1,
} as const;
