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
    const compatible = dev.fwnode === null ? undefined : dev.fwnode.readStringArray('compatible');
    // Every match compares equal strings, so a pair whose id bits share none cannot match:
    // the walks of driver_attach() and __device_attach() ask about every pair, and most
    // don't. This test is kept small enough to be inlined into those walks.
    const devBits = dev.idBits;
    const drvBits = drv.idBits;
    if ((devBits & drvBits) === 0 && devBits !== 0 && drvBits !== 0 && dev.idBitsCompatible === compatible) return 0;
    return matchIds(dev, drv, compatible);
  }
}

// The rest of SimpleBus.match(), with the id bits made (or remade) first.
function matchIds(dev: Device, drv: Driver, compatible: readonly string[] | undefined): number {
  if ((deviceIdBits(dev, compatible) & driverIdBits(drv)) === 0) return 0;
  const spec = drv.spec;
  const table = spec.matchTable;
  if (Array.isArray(table)) {
    const ids = table as readonly unknown[];
    if (compatible !== undefined) for (let i = 0; i < compatible.length; i++) if (includes(ids, compatible[i])) return 1;
    if (includes(ids, dev.name)) return 1;
  }
  return dev.name === spec.name ? 1 : 0;
}

// A plain loop: match() runs for every device and driver pair, and the tables are short.
function includes(ids: readonly unknown[], id: unknown): boolean {
  for (let i = 0; i < ids.length; i++) if (ids[i] === id) return true;
  return false;
}

// One of 32 bits for a string, from its length and last two characters (ids usually
// differ there: `vendor,dev12`, `vendor,dev13`). Equal strings get equal bits.
function idBit(s: string): number {
  const n = s.length;
  return 1 << ((n * 7 + s.charCodeAt(n - 1) * 3 + s.charCodeAt(n - 2)) & 31);
}

// The bits of every string a device can match by: its `compatible` entries and its name.
// Cached on the device with the `compatible` list they came from (software and OF
// nodes hand out the same frozen list until the property changes); never 0 once made.
function deviceIdBits(dev: Device, compatible: readonly string[] | undefined): number {
  if (dev.idBits !== 0 && dev.idBitsCompatible === compatible) return dev.idBits;
  let bits = idBit(dev.name);
  if (compatible !== undefined) for (let i = 0; i < compatible.length; i++) bits |= idBit(compatible[i]!);
  dev.idBitsCompatible = compatible;
  return (dev.idBits = bits);
}

// The bits of every string a driver can be matched by: the strings of its table and its name
// (a spec does not change once registered).
function driverIdBits(drv: Driver): number {
  if (drv.idBits !== 0) return drv.idBits;
  let bits = idBit(drv.spec.name);
  const table = drv.spec.matchTable;
  if (Array.isArray(table)) for (const id of table as readonly unknown[]) if (typeof id === 'string') bits |= idBit(id);
  return (drv.idBits = bits);
}
