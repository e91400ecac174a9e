import type { Device } from '@kdsim/core';
import type { IommufdCtx } from '../iommufd/ctx.js';
import type { IommufdDevice } from '../iommufd/objects.js';
import type { VfioGroup } from './group.js';

/** struct vfio_device: what a VFIO bus driver registered for one device. */
export class VfioDevice {
  /** Registered and not yet unregistered. */
  registered = true;
  /**
   * device->open_count: files that opened the device (vfio_df_open()): any number through
   * the group, one bound cdev. The first open binds it, the last close unbinds it.
   */
  openCount = 0;
  /** A cdev file of it is bound (vfio_device_block_group(): the group cannot be opened). */
  cdevBound = false;
  /** The iommufd binding of the open device (cdev path, or group path with an iommufd). */
  iommufd: { readonly ctx: IommufdCtx; readonly idev: IommufdDevice } | null = null;

  /** Creates the VFIO device of `dev` in `group`; `cdevName` is `vfioN`, or null without a cdev. */
  constructor(readonly dev: Device, readonly group: VfioGroup, readonly cdevName: string | null) {}

  /** dev_name() of the physical device. */
  get name(): string {
    return this.dev.name;
  }
}
