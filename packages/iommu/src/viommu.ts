import type { Device } from '@kdsim/core';
import type { IommuDomain } from './domain.js';
import type { IommuUserData } from './types.js';

/**
 * The driver side of an iommufd vIOMMU (struct iommufd_viommu_ops, v6.13+):
 * what a driver's viommu_init() hands back. Optional members are ops the
 * driver leaves NULL (iommufd answers -EOPNOTSUPP).
 */
export interface IommuViommu {
  /** alloc_domain_nested(): a NESTED domain from user data (e.g. an SMMUv3 vSTE), or an errno. */
  allocDomainNested?(dev: Device, flags: number, userData: IommuUserData): IommuDomain | number;
  /** cache_invalidate(): returns the errno and how many entries were handled. */
  cacheInvalidate?(entries: readonly IommuUserData[]): { readonly errno: number; readonly handled: number };
  /** vdevice_init(): 0, or the driver's errno (SMMUv3: more than one stream ⇒ -EOPNOTSUPP). */
  vdeviceInit?(dev: Device, virtId: bigint): number;
  /** vDEVICE teardown. */
  vdeviceDestroy?(dev: Device, virtId: bigint): void;
}
