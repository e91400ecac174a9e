import type { Device } from '@kdsim/core';
import type { IommuDomain } from './domain.js';

/**
 * struct iommu_group: the smallest set of devices the IOMMU can isolate from
 * each other, and VFIO's unit of ownership.
 */
export class IommuGroup {
  /** Members, in the order they joined. */
  readonly devices: Device[] = [];
  /** The kernel's DMA-API domain (null until set up). */
  defaultDomain: IommuDomain | null = null;
  /** The blocking domain, once allocated. */
  blockingDomain: IommuDomain | null = null;
  /** The domain currently attached. */
  domain: IommuDomain | null = null;
  /** DMA owner (VFIO / iommufd cookie), or null for the kernel. */
  owner: unknown = null;
  /** Users of the default domain (kernel drivers) or of the owner's claim. */
  ownerCnt = 0;

  /** Creates group `id` (iommu_group_alloc()). */
  constructor(readonly id: number) {}

  /** The sysfs name (`/sys/kernel/iommu_groups/<id>`). */
  get name(): string {
    return String(this.id);
  }
}
