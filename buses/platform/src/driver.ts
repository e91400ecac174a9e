import { busDriverSpec, type BusType, type Device, type DriverCoreOptions, type DriverSpec } from '@kdsim/core';
import { OfNode, type OfDeviceId, ofMatchNode } from '@kdsim/firmware';
import { AcpiCompanion } from './acpi-companion.js';
import type { AmbaDevice, PlatformDevice } from './device.js';

/** An of_match_table entry with its driver data. */
export interface PlatformOfId extends OfDeviceId {
  /** .data */
  readonly data?: unknown;
}

/** An acpi_match_table entry (struct acpi_device_id). */
export interface PlatformAcpiId {
  /** HID or CID (`QEMU0002`, `LNRO0005`). */
  readonly id: string;
  /** driver_data */
  readonly data?: unknown;
}

/** A platform_device_id entry. */
export interface PlatformId {
  /** The pdev name it matches. */
  readonly name: string;
  /** driver_data */
  readonly data?: unknown;
}

/** What a platform driver is made of (struct platform_driver). */
export interface PlatformDriverSpec extends DriverCoreOptions {
  /** Driver name (also matched against pdev->name as the last resort). */
  readonly name: string;
  /** of_match_table */
  readonly ofMatchTable?: readonly PlatformOfId[];
  /** acpi_match_table */
  readonly acpiMatchTable?: readonly PlatformAcpiId[];
  /** id_table */
  readonly idTable?: readonly PlatformId[];
  /** probe(pdev): 0 or a negative errno. */
  readonly probe?: (dev: PlatformDevice) => number;
  /** remove(pdev) */
  readonly remove?: (dev: PlatformDevice) => void;
  /** sync_state() */
  readonly syncState?: (dev: PlatformDevice) => void;
}

/** The platform match data a driver carries. */
export class PlatformMatchTable {
  /** The tables of `spec`. */
  constructor(readonly spec: PlatformDriverSpec) {}
}

/** An amba_id entry: matches when `(periphid & mask) === id`. */
export interface AmbaId {
  /** The ID after masking. */
  readonly id: number;
  /** The mask. */
  readonly mask: number;
  /** .data */
  readonly data?: unknown;
}

/** What an AMBA driver is made of (struct amba_driver). */
export interface AmbaDriverSpec extends DriverCoreOptions {
  /** Driver name (`uart-pl011`). */
  readonly name: string;
  /** id_table */
  readonly idTable: readonly AmbaId[];
  /** probe(adev, id) */
  readonly probe?: (dev: AmbaDevice, id: AmbaId) => number;
  /** remove(adev) */
  readonly remove?: (dev: AmbaDevice) => void;
}

/** The AMBA match data a driver carries. */
export class AmbaMatchTable {
  /** The table of `spec`. */
  constructor(readonly spec: AmbaDriverSpec) {}
}

/**
 * The core DriverSpec of a platform driver for `bus`
 * (__platform_driver_register()). Its `probe` is the driver's, so core
 * `driverProbeOnce()` (platform_driver_probe()) can wrap it.
 */
export function platformDriver(bus: BusType, spec: PlatformDriverSpec): DriverSpec {
  return busDriverSpec(bus, spec, new PlatformMatchTable(spec), {
    probe: spec.probe ? (dev: Device) => spec.probe!(dev as PlatformDevice) : undefined,
    remove: spec.remove ? (dev: Device) => spec.remove!(dev as PlatformDevice) : undefined,
    syncState: spec.syncState ? (dev: Device) => spec.syncState!(dev as PlatformDevice) : undefined,
  });
}

/** The core DriverSpec of an AMBA driver for `bus` (amba_driver_register()). */
export function ambaDriver(bus: BusType, spec: AmbaDriverSpec): DriverSpec {
  return busDriverSpec(bus, spec, new AmbaMatchTable(spec), {
    remove: spec.remove ? (dev: Device) => spec.remove!(dev as AmbaDevice) : undefined,
  });
}

/** of_match_device(): the best OF match of the device's node in `table`, or null. */
export function ofMatchDevice<T extends OfDeviceId>(table: readonly T[] | undefined, dev: Device): T | null {
  if (table === undefined || !(dev.fwnode instanceof OfNode)) return null;
  return ofMatchNode(table, dev.fwnode);
}

/** The device's ACPI IDs, HID first then CIDs, when its fwnode is an ACPI companion. */
export function acpiDeviceIds(dev: Device): readonly string[] {
  return dev.fwnode instanceof AcpiCompanion ? dev.fwnode.hardwareIds : [];
}

/** bus.c: __acpi_match_device(): the first of the device's IDs (HID, then CIDs) that the table lists. */
export function acpiMatchDevice(table: readonly PlatformAcpiId[] | undefined, dev: Device): PlatformAcpiId | null {
  if (table === undefined) return null;
  for (const hwid of acpiDeviceIds(dev)) {
    const hit = table.find((e) => e.id === hwid);
    if (hit !== undefined) return hit;
  }
  return null;
}

/** platform.c: platform_match_id() */
export function platformMatchId(table: readonly PlatformId[], dev: PlatformDevice): PlatformId | null {
  return table.find((e) => e.name === dev.pdevName) ?? null;
}

/** amba/bus.c: amba_lookup() */
export function ambaLookup(table: readonly AmbaId[], dev: AmbaDevice): AmbaId | null {
  return table.find((e) => e.mask !== 0 && ((dev.periphid & e.mask) >>> 0) === e.id) ?? null;
}
