import type { Device } from '../base/device.js';
import { DL_FLAG, type DeviceLinkState } from './flags.js';

/**
 * struct device_link: a supplier → consumer dependency, with its flags, its
 * state and the `devlink` class device that names it in sysfs.
 */
export class DeviceLink {
  /** Current state (`NONE` for stateless links). */
  status: DeviceLinkState = 'DORMANT';
  /** kref: stateless users holding the link. */
  refcount = 1;
  /** Sequence number of the devlink class device (class_for_each_device() order). @internal */
  readonly seq: number;

  /** Creates a link; device_link_add() manages its lifetime. */
  constructor(
    readonly supplier: Device,
    readonly consumer: Device,
    public flags: number,
    seq = 0,
  ) {
    this.seq = seq;
  }

  /** `bus:supplier--bus:consumer`, the devlink class device name. */
  get name(): string {
    return `${this.supplier.busName}--${this.consumer.busName}`;
  }

  /** device_link_test(link, flag) */
  has(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  /** DL_FLAG_MANAGED is set (the core tracks driver presence). */
  get managed(): boolean {
    return (this.flags & DL_FLAG.MANAGED) !== 0;
  }
}

/** What device_links_check_suppliers() decided. */
export interface SupplierCheck {
  /** 0, -EPROBE_DEFER, or -EAGAIN (best-effort: keep going). */
  readonly ret: number;
  /** The deferral reason when deferring (`supplier X not ready`, `wait for supplier /path`). */
  readonly reason?: string;
}
