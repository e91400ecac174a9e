import type { Device, Kernel } from '@kdsim/core';
import type { IommuCore } from '@kdsim/iommu';

/** What an iommufd context needs from the kernel around it. */
export interface IommufdEnv {
  /** The kernel (profile, klog). */
  readonly k: Kernel;
  /** The IOMMU core (groups, capabilities, DMA ownership). */
  readonly iommu: IommuCore;
  /** iommufd.allow_unsafe_interrupts. */
  readonly allowUnsafeInterrupts: boolean;
  /** iommu_group_has_isolated_msi() for the device's group (mock devices are exempt). */
  isolatedMsi(dev: Device): boolean;
}
