import type { BusType } from './bus.js';
import type { Device } from './device.js';

/** include/linux/device/driver.h: enum probe_type. */
export type ProbeType = 'default' | 'prefer-async' | 'force-sync';

/**
 * What a driver is made of (struct device_driver plus the bus driver wrapper
 * fields the core looks at). `probe()` returns 0 or a negative errno,
 * `-EPROBE_DEFER` included, exactly as a kernel driver does.
 */
export interface DriverSpec {
  /** Driver name, unique on its bus. */
  readonly name: string;
  /** The bus it registers on. */
  readonly bus: BusType;
  /** The probe callback. Missing means "binds without doing anything". */
  readonly probe?: ((dev: Device) => number) | undefined;
  /** The remove callback. */
  readonly remove?: ((dev: Device) => void) | undefined;
  /** The shutdown callback (device_shutdown(), at reboot or power-off). */
  readonly shutdown?: ((dev: Device) => void) | undefined;
  /** The sync_state() callback (§8). */
  readonly syncState?: ((dev: Device) => void) | undefined;
  /** Sync or async probing preference. */
  readonly probeType?: ProbeType | undefined;
  /** Platform drivers: turn -EPROBE_DEFER from probe into -ENXIO (platform_driver_probe()). */
  readonly preventDeferredProbe?: boolean | undefined;
  /** No `bind`/`unbind` sysfs files. */
  readonly suppressBindAttrs?: boolean | undefined;
  /** The driver manages DMA itself (vfio-pci, pcieport): no default-domain use at dma_configure. */
  readonly driverManagedDma?: boolean | undefined;
  /** Bus-specific match data (OF compatibles, PCI IDs, ...), read by the bus's match(). */
  readonly matchTable?: unknown;
  /** Virtual time the probe callback takes (ns). */
  readonly probeCost?: number | undefined;
}

/**
 * The fields of a {@link DriverSpec} that a bus's driver wrapper
 * (struct pci_driver, platform_driver, virtio_driver, ...) passes to the core
 * unchanged; the wrapper specs extend it.
 */
export type DriverCoreOptions = Pick<DriverSpec, 'probeType' | 'probeCost' | 'driverManagedDma' | 'preventDeferredProbe'>;

/**
 * The core DriverSpec of a bus driver wrapper (what pci_register_driver(),
 * __platform_driver_register() and their kind fill in): its name, bus and
 * match data, `hooks` (its callbacks adapted to the core's Device), and the
 * {@link DriverCoreOptions} of `spec` that are set.
 */
export function busDriverSpec(
  bus: BusType,
  spec: { readonly name: string } & DriverCoreOptions,
  matchTable: unknown,
  hooks: Pick<DriverSpec, 'probe' | 'remove' | 'syncState'> = {},
): DriverSpec {
  // One literal of one shape (drivers register on every explored boot; object spreads cost).
  return {
    name: spec.name,
    bus,
    matchTable,
    probe: hooks.probe,
    remove: hooks.remove,
    syncState: hooks.syncState,
    driverManagedDma: spec.driverManagedDma,
    preventDeferredProbe: spec.preventDeferredProbe,
    probeType: spec.probeType,
    probeCost: spec.probeCost,
  };
}

/** struct device_driver: a registered (or registrable) driver. */
export class Driver {
  /** The module that owns it (null: built in). Set when its module is loaded. */
  owner: string | null = null;
  /** The module asked for async probing (`async_probe` module parameter). */
  ownerAsync = false;
  /** Registered on its bus. */
  registered = false;
  /** platform_driver_probe(): the probe hook was replaced by one that always fails. */
  probeDisabled = false;
  /** Devices bound to this driver, in bind order (klist_devices). */
  readonly devices: Device[] = [];
  /** Its place in the bus's klist_drivers, kept by the bus's {@link MatchIndex} (kdsim bookkeeping). @internal */
  busSeq = 0;
  /** What the bus's {@link MatchIndex} files it under (kdsim bookkeeping). @internal */
  matchKeys: readonly number[] | null = null;

  /** Creates a driver from `spec`. */
  constructor(readonly spec: DriverSpec) {}

  /** The driver name. */
  get name(): string {
    return this.spec.name;
  }

  /** The bus. */
  get bus(): BusType {
    return this.spec.bus;
  }
}
