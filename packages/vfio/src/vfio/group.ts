import type { IommuGroup } from '@kdsim/iommu';
import type { IommufdCtx } from '../iommufd/ctx.js';
import type { VfioContainer } from './container.js';
import type { VfioDevice } from './device.js';

/** enum vfio_group_type. */
export type VfioGroupType = 'VFIO_IOMMU' | 'VFIO_EMULATED_IOMMU' | 'VFIO_NO_IOMMU';

/** struct vfio_group: one `/dev/vfio/N` (or `/dev/vfio/noiommu-N`). */
export class VfioGroup {
  /** Devices registered in the group. */
  readonly devices: VfioDevice[] = [];
  /** The container it is attached to. */
  container: VfioContainer | null = null;
  /** The iommufd used as its container. */
  iommufd: IommufdCtx | null = null;
  /** The open group file, if any (only one at a time: -EBUSY). */
  openedFile: object | null = null;

  /** Creates the VFIO group wrapping `iommuGroup`. */
  constructor(readonly iommuGroup: IommuGroup, readonly type: VfioGroupType) {}

  /** The char device name under /dev/vfio. */
  get devName(): string {
    return this.type === 'VFIO_NO_IOMMU' ? `noiommu-${this.iommuGroup.id}` : String(this.iommuGroup.id);
  }
}
