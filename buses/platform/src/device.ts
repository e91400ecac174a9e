import { Device, type BusType, type Fwnode } from '@kdsim/core';

/** platform_device_id / PLATFORM_DEVID_NONE and _AUTO. */
export const PLATFORM_DEVID_NONE = -1;
/** PLATFORM_DEVID_AUTO: the core allocates an instance and the name gets `.auto`. */
export const PLATFORM_DEVID_AUTO = -2;

/** What a {@link PlatformDevice} is made of. */
export interface PlatformDeviceInit {
  /** The platform bus. */
  readonly bus: BusType;
  /** dev_name(): `9000000.pl011`, `psci`, `serial8250`, `QEMU0002:00`. */
  readonly name: string;
  /** pdev->name, what name and id-table matching use (`''` for devices made from DT nodes). */
  readonly pdevName: string;
  /** pdev->id (PLATFORM_DEVID_NONE when the name carries none). */
  readonly id?: number;
  /** The parent (the `platform` root device unless another is given). */
  readonly parent: Device | null;
  /** The DT node or ACPI companion. */
  readonly fwnode: Fwnode | null;
  /** MMIO resource start addresses, in resource order. */
  readonly mmio?: readonly bigint[];
}

/** struct platform_device. */
export class PlatformDevice extends Device {
  /** pdev->name: matched against id tables and driver names. */
  readonly pdevName: string;
  /** pdev->id */
  readonly id: number;
  /** IORESOURCE_MEM starts. */
  readonly mmio: readonly bigint[];
  /** pdev->id_entry: the id-table entry that matched, set by platform_match_id(). */
  idEntry: { readonly name: string; readonly data?: unknown } | null = null;

  /** A platform device; register it with `k.deviceAdd()` (platform_device_add()). */
  constructor(init: PlatformDeviceInit) {
    super({ name: init.name, bus: init.bus, parent: init.parent, fwnode: init.fwnode });
    this.pdevName = init.pdevName;
    this.id = init.id ?? PLATFORM_DEVID_NONE;
    this.mmio = init.mmio ?? [];
  }
}

/** struct amba_device: an ARM PrimeCell on the `amba` bus, matched by its peripheral ID. */
export class AmbaDevice extends Device {
  /** The peripheral ID (0 until read). */
  periphid: number;
  /** The MMIO base. */
  readonly mmio: bigint | null;

  /** A PrimeCell named `name` with peripheral ID `periphid`. */
  constructor(init: { readonly bus: BusType; readonly name: string; readonly parent: Device | null; readonly fwnode: Fwnode | null; readonly periphid: number; readonly mmio: bigint | null }) {
    super({ name: init.name, bus: init.bus, parent: init.parent, fwnode: init.fwnode });
    this.periphid = init.periphid;
    this.mmio = init.mmio;
  }
}
