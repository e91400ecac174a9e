import type { Device } from './device.js';

/** Device link flags (include/linux/device.h: DL_FLAG_*). */
export const DL_FLAG = {
  STATELESS: 1 << 0,
  AUTOREMOVE_CONSUMER: 1 << 1,
  PM_RUNTIME: 1 << 2,
  RPM_ACTIVE: 1 << 3,
  AUTOREMOVE_SUPPLIER: 1 << 4,
  AUTOPROBE_CONSUMER: 1 << 5,
  MANAGED: 1 << 6,
  SYNC_STATE_ONLY: 1 << 7,
  INFERRED: 1 << 8,
  CYCLE: 1 << 9,
} as const;

/** Link states (enum device_link_state); `NONE` for stateless links. */
export type DeviceLinkState = 'NONE' | 'DORMANT' | 'AVAILABLE' | 'CONSUMER_PROBE' | 'ACTIVE' | 'SUPPLIER_UNBIND';

/** struct device_link: a supplier → consumer dependency. */
export class DeviceLink {
  /** Current state. */
  status: DeviceLinkState = 'DORMANT';

  /** Creates a link; {@link DeviceLinks} manages its lifetime. */
  constructor(
    readonly supplier: Device,
    readonly consumer: Device,
    public flags: number,
  ) {}

  /** `bus:supplier--bus:consumer`, the devlink class device name. */
  get name(): string {
    return `${this.supplier.busName}--${this.consumer.busName}`;
  }
}

/** What device_links_check_suppliers() decided. */
export interface SupplierCheck {
  /** 0, -EPROBE_DEFER, or -EAGAIN (best-effort: keep going). */
  readonly ret: number;
  /** The deferral reason when deferring (`supplier X not ready`, `wait for supplier /path`). */
  readonly reason?: string;
}

/** The answer when nothing blocks (shared, so the hot path allocates nothing). */
export const SUPPLIERS_READY: SupplierCheck = Object.freeze({ ret: 0 });

/**
 * The driver core's device-link hooks (drivers/base/core.c), called from the
 * probe and unbind paths. This is the seam fw_devlink plugs into; the base
 * implementation has no links, so every check passes.
 */
export class DeviceLinks {
  /** core.c: device_links_check_suppliers() — the gate before really_probe() calls anything. */
  checkSuppliers(_dev: Device): SupplierCheck {
    return SUPPLIERS_READY;
  }

  /** core.c: device_links_driver_bound(). */
  driverBound(dev: Device): void {
    dev.links.status = 'DRIVER_BOUND';
  }

  /** core.c: device_links_no_driver() — a probe failed after the check. */
  noDriver(dev: Device): void {
    dev.links.status = 'NO_DRIVER';
  }

  /** core.c: device_links_busy() — some consumer is probing or bound. */
  busy(_dev: Device): boolean {
    return false;
  }

  /** core.c: device_links_unbind_consumers() — unbinds bound consumers first. */
  unbindConsumers(_dev: Device): void {}

  /** core.c: device_links_driver_cleanup() — after unbind. */
  driverCleanup(dev: Device): void {
    dev.links.status = 'NO_DRIVER';
  }

  /** core.c: device_links_purge() — device deleted. */
  purge(_dev: Device): void {}

  /** core.c: fw_devlink_link_device() — called from device_add() for the first device of a fwnode. */
  linkDevice(_dev: Device): void {}

  /** core.c: fw_devlink_unblock_consumers() — device_add() after drivers-done found no driver. */
  unblockConsumers(_dev: Device): void {}

  /** core.c: fw_devlink_drivers_done() — at the deferred-probe timeout (or late_initcall without modules). */
  driversDone(): void {}

  /** core.c: fw_devlink_probing_done() — sync_state give-up (v6.4+). */
  probingDone(): void {}

  /** Consumers to move to the kset tail with `dev` (non-sync-state-only links), for device_reorder_to_tail(). */
  consumersForReorder(_dev: Device): readonly Device[] {
    return [];
  }
}
