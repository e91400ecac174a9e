import type { Device } from '@kdsim/core';
import type { IommufdCtx } from '../iommufd/ctx.js';
import type { IommufdDevice } from '../iommufd/objects.js';
import type { VfioGroup } from './group.js';

/** struct vfio_device: what a VFIO bus driver registered for one device. */
export class VfioDevice {
  /** Registered and not yet unregistered. */
  registered = true;
  /** The open device file (one open at a time in kdsim), or null. */
  openFile: object | null = null;
  /** The iommufd binding of the open file (cdev path, or group path with an iommufd). */
  iommufd: { readonly ctx: IommufdCtx; readonly idev: IommufdDevice } | null = null;

  /** Creates the VFIO device of `dev` in `group`; `cdevName` is `vfioN`, or null without a cdev. */
  constructor(readonly dev: Device, readonly group: VfioGroup, readonly cdevName: string | null) {}

  /** dev_name() of the physical device. */
  get name(): string {
    return this.dev.name;
  }
}
