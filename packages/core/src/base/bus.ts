import type { Device } from './device.js';
import type { Driver } from './driver.js';

/** Bus notifier events (include/linux/device/bus.h: enum bus_notifier_event). */
export const BusNotify = {
  ADD_DEVICE: 1, DEL_DEVICE: 2, REMOVED_DEVICE: 3, BIND_DRIVER: 4, BOUND_DRIVER: 5,
  UNBIND_DRIVER: 6, UNBOUND_DRIVER: 7, DRIVER_NOT_BOUND: 8,
} as const;

/** A bus notifier event value. */
export type BusNotifyEvent = (typeof BusNotify)[keyof typeof BusNotify];

/** A bus notifier callback (blocking notifier chain entry). */
export type BusNotifier = (event: BusNotifyEvent, dev: Device) => void;

/**
 * struct bus_type. A bus decides which drivers match which devices, may wrap
 * the driver's probe, and configures DMA (the IOMMU hook) before probe.
 */
export abstract class BusType {
  /** Bus name as sysfs and messages show it (`platform`, `pci`). */
  abstract readonly name: string;
  /** Devices on the bus in registration order (klist_devices). */
  readonly devices: Device[] = [];
  /** Drivers on the bus in registration order (klist_drivers). */
  readonly drivers: Driver[] = [];
  /** The bus notifier chain, called in registration order. */
  readonly notifiers: BusNotifier[] = [];
  /** drivers_autoprobe (sysfs), default on. */
  driversAutoprobe = true;

  /**
   * bus->match(): 0 no match, > 0 match, -EPROBE_DEFER "ask again later",
   * another negative errno to stop the driver walk.
   */
  abstract match(dev: Device, drv: Driver): number;

  /** bus->probe(): wraps the driver's probe (dev.driver is set). Default: call the driver. */
  probe(dev: Device): number {
    const probe = dev.driver?.spec.probe;
    return probe ? probe(dev) : 0;
  }

  /** bus->remove(): default calls the driver's remove. */
  remove(dev: Device): void {
    dev.driver?.spec.remove?.(dev);
  }

  /** bus->shutdown(): when present device_shutdown() calls it instead of the driver's shutdown. */
  shutdown?(dev: Device): void;

  /** bus->sync_state(): when present it is called instead of the driver's (dev_sync_state()). */
  syncState?(dev: Device): void;

  /** bus->dma_configure(): may return -EPROBE_DEFER. Default: nothing to configure. */
  dmaConfigure(_dev: Device): number {
    return 0;
  }

  /** bus->dma_cleanup(). */
  dmaCleanup(_dev: Device): void {}

  /** bus_register_notifier() */
  registerNotifier(fn: BusNotifier): void {
    this.notifiers.push(fn);
  }
}

/**
 * A minimal bus for tests, benchmarks and inline scenario devices: a driver
 * matches a device by `driver_override`, then by the device's fwnode
 * `compatible` strings or its name against the driver's `matchTable` (a string
 * list), then by equal names — the order platform_match() uses.
 */
export class SimpleBus extends BusType {
  /** Creates a bus called `name`. */
  constructor(readonly name: string) {
    super();
  }

  match(dev: Device, drv: Driver): number {
    const spec = drv.spec;
    if (dev.driverOverride !== null) return dev.driverOverride === spec.name ? 1 : 0;
    const table = spec.matchTable;
    if (Array.isArray(table)) {
      const ids = table as readonly unknown[];
      const compatible = dev.fwnode === null ? undefined : dev.fwnode.readStringArray('compatible');
      if (compatible !== undefined) for (let i = 0; i < compatible.length; i++) if (includes(ids, compatible[i])) return 1;
      if (includes(ids, dev.name)) return 1;
    }
    return dev.name === spec.name ? 1 : 0;
  }
}

// A plain loop: match() runs for every device and driver pair, and the tables are short.
function includes(ids: readonly unknown[], id: unknown): boolean {
  for (let i = 0; i < ids.length; i++) if (ids[i] === id) return true;
  return false;
}
