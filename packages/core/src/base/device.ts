import type { Fwnode } from '../fwnode/fwnode.js';
import type { BusType } from './bus.js';
import type { Driver } from './driver.js';
import type { DeviceLink } from './links.js';
import { ListNode } from './list.js';
import { matchKeysChanged } from './match-index.js';

/** Per-device link state (include/linux/device.h: enum dl_dev_state). */
export type DlDevState = 'NO_DRIVER' | 'PROBING' | 'DRIVER_BOUND' | 'UNBINDING';

/** What {@link Device} is created from. */
export interface DeviceInit {
  /** dev_name(). */
  readonly name: string;
  /** The bus, or null for a class-only device (e.g. a `pci_bus`). */
  readonly bus?: BusType | null;
  /** The parent device. */
  readonly parent?: Device | null;
  /** The firmware node the device was created from. */
  readonly fwnode?: Fwnode | null;
  /** The class name for class devices (`pci_bus`, `iommu`). */
  readonly className?: string | null;
}

/**
 * struct device (include/linux/device.h) with the device_private fields the
 * driver core uses. Buses extend it with their own data (a PCI function's
 * IDs, a platform device's resources).
 */
export class Device {
  /** dev_name() */
  readonly name: string;
  /** The bus the device sits on, or null for class devices. */
  readonly bus: BusType | null;
  /** The parent device. */
  readonly parent: Device | null;
  /** The firmware node, or null (set_primary_fwnode() may replace it). */
  get fwnode(): Fwnode | null {
    return this.#fwnode;
  }

  set fwnode(fwnode: Fwnode | null) {
    this.#fwnode = fwnode;
    // The bus may match by the node's ids.
    if (this.registered) matchKeysChanged();
  }

  #fwnode: Fwnode | null;
  /** Class name, for class devices. */
  readonly className: string | null;
  /** Child devices, in the order they were added. */
  readonly children: Device[] = [];

  /** The driver bound, or being probed (set in really_probe()). */
  driver: Driver | null = null;
  /** device_is_bound(): on the driver's device list (set in driver_bound()). */
  bound = false;
  /** Any driver ever matched it, or a bus match said "defer" (__driver_probe_device()). */
  canMatch = false;
  /** Set by device_del(). */
  dead = false;
  /** device_is_registered(): device_add() completed. */
  registered = false;
  /** driver_override: only the named driver may bind (sysfs `driver_override`). */
  get driverOverride(): string | null {
    return this.#driverOverride;
  }

  set driverOverride(name: string | null) {
    this.#driverOverride = name;
    matchKeysChanged();
  }

  #driverOverride: string | null = null;
  /** Driver chosen by __driver_attach() for an async probe still queued. */
  asyncDriver: Driver | null = null;
  /** dev->dma_coherent, set by the bus dma_configure (arch_setup_dma_ops()). */
  dmaCoherent = false;
  /** dev_get_drvdata() */
  driverData: unknown = null;

  /** Link state (dev->links). */
  readonly links: {
    status: DlDevState;
    readonly suppliers: DeviceLink[];
    readonly consumers: DeviceLink[];
    deferSync: boolean;
  } = { status: 'NO_DRIVER', suppliers: [], consumers: [], deferSync: false };
  /** sync_state() already delivered. */
  stateSynced = false;

  /** The last deferral reason (dev->p->deferred_probe_reason), or null. */
  deferredReason: string | null = null;
  /** Node on the pending or active deferred-probe list. @internal */
  readonly deferredNode = new ListNode<Device>(this);
  /** Node on devices_kset (and, in kdsim, the dpm_list it mirrors). @internal */
  readonly ksetNode = new ListNode<Device>(this);

  /** Probe attempts that reached __driver_probe_device() (statistics). */
  probeAttempts = 0;
  /** How many times the device was deferred (statistics). */
  deferCount = 0;
  /** Consecutive deferrals that re-triggered deferred probe through the race check (livelock detection). @internal */
  selfRetriggers = 0;
  /** Walk stamp of device_reorder_to_tail() (kdsim bookkeeping). @internal */
  reorderStamp = 0;
  /** Walk stamp of device_is_dependent() (kdsim bookkeeping). @internal */
  dependStamp = 0;
  /** The `waiting_for_supplier` sysfs file exists (fw_devlink on/rpm, until the driver binds). @internal */
  waitingForSupplierFile = false;
  /** Its place in the bus's klist_devices, kept by the bus's {@link MatchIndex} (kdsim bookkeeping). @internal */
  busSeq = 0;
  /** What the bus's {@link MatchIndex} files it under (kdsim bookkeeping). @internal */
  matchKeys: readonly number[] | null = null;

  /** Creates an unregistered device; `device_add()` registers it. */
  constructor(init: DeviceInit) {
    this.name = init.name;
    this.bus = init.bus ?? null;
    this.parent = init.parent ?? null;
    this.#fwnode = init.fwnode ?? null;
    this.className = init.className ?? null;
  }

  /** core.c: dev_bus_name() — the bus's name, else the class's, else empty. */
  get devBusName(): string {
    return this.bus?.name ?? this.className ?? '';
  }

  /** `bus:name` as device links name their ends (`pci:0000:00:05.0`). */
  get busName(): string {
    // The bus, class and name never change: build the string once.
    return this.#busName ??= `${this.devBusName}:${this.name}`;
  }

  #busName: string | undefined;

  /**
   * core.c: dev_driver_string() — the bound or probing driver's name, else the
   * bus name, else the class name.
   */
  driverString(): string {
    return this.driver?.name ?? this.devBusName;
  }

  /** The `<who> <name>: ` prefix dev_printk() puts before a message. */
  printkPrefix(): string {
    return `${this.driverString()} ${this.name}: `;
  }
}
