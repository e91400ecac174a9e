import type { Device, Fwnode } from '@kdsim/core';
import type { IommuDomain } from './domain.js';
import type { IommuGroup } from './group.js';
import type { IommuDevice } from './registry.js';
import type { IommuCore } from './core.js';
import type { IommuCap, IommuHwInfo, IommuResvRegion, IommuUserData } from './types.js';
import type { IommuViommu } from './viommu.js';

/**
 * include/linux/iommu.h: struct iommu_ops — what one IOMMU driver provides.
 * The object's identity is the ops identity (`iommu->ops`): every instance
 * of one driver registers the same object, and a device cannot be behind
 * two different ones. Optional members are ops the driver leaves NULL.
 * Failures are negative errno numbers, as ERR_PTR() values are.
 */
export interface IommuOps {
  /** The driver name (for messages and sysfs). */
  readonly name: string;
  /** The module that provides the ops (`owner`), or null for built-in code. */
  readonly owner?: string | null;
  /** device_iommu_capable(): absent ⇒ every capability is false. */
  capable?(dev: Device, cap: IommuCap): boolean;
  /** iommu_init_device(): the instance that translates `dev`, or -ENODEV ("not mine") or another errno. */
  probeDevice(dev: Device): IommuDevice | number;
  /** iommu_deinit_device(). */
  releaseDevice?(dev: Device): void;
  /** After the default domain is attached (outside the group lock). */
  probeFinalize?(dev: Device): void;
  /** The group `dev` belongs to (generic_device_group(), pci_device_group(), ...), or an errno. */
  deviceGroup(dev: Device, core: IommuCore): IommuGroup | number;
  /**
   * of_iommu_xlate(): the fwspec IDs one `iommus` / `iommu-map` entry adds
   * (usually the first argument cell), or an errno. `null`: the driver has no
   * of_xlate, so the DT path treats the device as not behind an IOMMU.
   */
  readonly ofXlate: ((dev: Device, args: readonly number[], iommu: Fwnode) => readonly number[] | number) | null;
  /** iommu_get_def_domain_type(): 0 (no preference), IDENTITY or DMA. */
  defDomainType?(dev: Device): number;
  /** Reserved regions of `dev` (ops->get_resv_regions). */
  getResvRegions?(dev: Device): readonly IommuResvRegion[];
  /**
   * domain_alloc_paging_flags() (v6.12: domain_alloc_user() with no parent):
   * a paging domain for `dev` with IOMMU_HWPT_ALLOC_* `flags` and optional
   * user data; unknown flags or data ⇒ -EOPNOTSUPP.
   */
  domainAllocPaging?(dev: Device, flags: number, userData: IommuUserData | null): IommuDomain | number;
  /** domain_alloc_nested(): a NESTED domain on `parent` (a NEST_PARENT paging domain). */
  domainAllocNested?(dev: Device, parent: IommuDomain, flags: number, userData: IommuUserData): IommuDomain | number;
  /** domain_alloc_identity(): used when there is no static {@link IommuOps.identityDomain}. */
  domainAllocIdentity?(dev: Device): IommuDomain | number;
  /** The static identity domain, if the driver has one. */
  readonly identityDomain?: IommuDomain | null;
  /** The static blocked domain, if the driver has one. */
  readonly blockedDomain?: IommuDomain | null;
  /** iommufd IOMMU_GET_HW_INFO: `requestedType` is the wanted type (NONE = driver's choice); unsupported ⇒ -EOPNOTSUPP. */
  hwInfo?(dev: Device, requestedType: number): IommuHwInfo | number;
  /**
   * get_viommu_size() != 0 (v7.2; v6.13–v6.16: viommu_alloc present and
   * accepting): the driver can back an iommufd vIOMMU of `type` for `dev`.
   */
  viommuSupported?(dev: Device, type: number): boolean;
  /** viommu_init(): the driver side of a vIOMMU on nest-parent `parent`, or an errno. */
  viommuInit?(dev: Device, parent: IommuDomain, type: number, userData: IommuUserData | null): IommuViommu | number;
  /** Page sizes the driver's domains support by default (bit n = 2^n bytes). */
  readonly pgsizeBitmap: bigint;
}
