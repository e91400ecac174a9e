import type { Device } from './device.js';
import type { Driver } from './driver.js';
import { MatchIndex } from './match-index.js';

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
  /** The registered drivers by name, kept with {@link BusType.drivers} by the kernel (driver_find()). @internal */
  readonly driversByName = new Map<string, Driver>();
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

  /**
   * The strings `dev` can be matched by (its name, ids, `compatible` entries), or
   * null when it may match any driver, which is the default. bus->match() may
   * answer other than 0 only for a device and a driver that share a string, or
   * when either has none, or when the device has a driver_override: the walks of
   * driver_attach() and __device_attach() ask only about those pairs
   * ({@link MatchIndex}). Read when the device is added; what they are made of may
   * change later only through what calls {@link matchKeysChanged} (the device's
   * fwnode or driver_override, a software node's `compatible`).
   */
  deviceMatchKeys(_dev: Device): readonly string[] | null {
    return null;
  }

  /** The strings `drv` can match by (see {@link BusType.deviceMatchKeys}), or null for any device. */
  driverMatchKeys(_drv: Driver): readonly string[] | null {
    return null;
  }

  /** Which device and driver pairs can match (kdsim bookkeeping, kept by the kernel). @internal */
  readonly matchIndex: MatchIndex = new MatchIndex(this);

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
    if (dev.driverOverride !== null) return dev.driverOverride === drv.spec.name ? 1 : 0;
    const table = drv.spec.matchTable;
    if (Array.isArray(table)) {
      const ids = table as readonly unknown[];
      const compatible = dev.fwnode?.readStringArray('compatible');
      if (compatible !== undefined) for (let i = 0; i < compatible.length; i++) if (ids.includes(compatible[i])) return 1;
      if (ids.includes(dev.name)) return 1;
    }
    return dev.name === drv.spec.name ? 1 : 0;
  }

  // Every match above compares equal strings.
  override deviceMatchKeys(dev: Device): readonly string[] {
    const keys = [dev.name];
    const compatible = dev.fwnode?.readStringArray('compatible');
    if (compatible !== undefined) for (let i = 0; i < compatible.length; i++) keys.push(compatible[i]!);
    return keys;
  }

  override driverMatchKeys(drv: Driver): readonly string[] {
    const keys = [drv.spec.name];
    const table = drv.spec.matchTable;
    if (Array.isArray(table)) for (const id of table as readonly unknown[]) if (typeof id === 'string') keys.push(id);
    return keys;
  }
}
