import type { Device } from '@kdsim/core';

/** Module parameters and platform answers VFIO and iommufd depend on. */
export interface VfioConfig {
  /** vfio.enable_unsafe_noiommu_mode (needs CONFIG_VFIO_NOIOMMU). */
  readonly noiommu: boolean;
  /** vfio_iommu_type1.allow_unsafe_interrupts. */
  readonly type1AllowUnsafeInterrupts: boolean;
  /** iommufd.allow_unsafe_interrupts. */
  readonly iommufdAllowUnsafeInterrupts: boolean;
  /** iommu_group_has_isolated_msi(): true on GICv3 ITS / interrupt-remapping platforms. */
  readonly isolatedMsi: (dev: Device) => boolean;
}

/** The defaults: no-IOMMU mode off, MSI isolated, no unsafe overrides. */
export const DEFAULT_VFIO_CONFIG: VfioConfig = {
  noiommu: false,
  type1AllowUnsafeInterrupts: false,
  iommufdAllowUnsafeInterrupts: false,
  isolatedMsi: () => true,
};
