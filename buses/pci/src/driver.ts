import { busDriverSpec, type Device, type DriverCoreOptions, type DriverSpec } from '@kdsim/core';
import type { PciDevice } from './device.js';
import { PCI_ANY_ID } from './regs.js';

/** struct pci_device_id: a field left out matches anything (PCI_ANY_ID); class matches under `classMask`. */
export interface PciDeviceId {
  /** Vendor ID or PCI_ANY_ID (default). */
  readonly vendor?: number;
  /** Device ID or PCI_ANY_ID (default). */
  readonly device?: number;
  /** Subsystem vendor or PCI_ANY_ID (default). */
  readonly subvendor?: number;
  /** Subsystem device or PCI_ANY_ID (default). */
  readonly subdevice?: number;
  /** Class code compared under `classMask` (default 0). */
  readonly class?: number;
  /** Bits of the class that must equal `class` (default 0: any class). */
  readonly classMask?: number;
  /** Matches only through driver_override (vfio-pci's override-only entries). */
  readonly overrideOnly?: boolean;
  /** driver_data. */
  readonly data?: unknown;
}

/** What a PCI driver is made of (struct pci_driver). */
export interface PciDriverSpec extends DriverCoreOptions {
  /** Driver name (`virtio-pci`, `pcieport`). */
  readonly name: string;
  /** The id table, tried in order. */
  readonly idTable: readonly PciDeviceId[];
  /** probe(pdev, id): 0 or a negative errno; a positive value is a success the kernel warns about. */
  readonly probe?: (dev: PciDevice, id: PciDeviceId) => number;
  /** remove(pdev) */
  readonly remove?: (dev: PciDevice) => void;
}

/** The PCI match data a driver carries: its id table and its dynamic ids (sysfs `new_id`). */
export class PciMatchTable {
  /** drv->dynids, tried before the id table. */
  readonly dynIds: PciDeviceId[] = [];

  /** The table of `spec`. */
  constructor(readonly spec: PciDriverSpec) {}
}

/**
 * The core DriverSpec of a PCI driver for `bus` (pci_register_driver()
 * fills the device_driver the same way). Register it with
 * `k.driverRegister()` or list it in `driverModule()`.
 */
export function pciDriver(bus: DriverSpec['bus'], spec: PciDriverSpec): DriverSpec {
  return busDriverSpec(bus, spec, new PciMatchTable(spec), {
    remove: spec.remove ? (dev: Device) => spec.remove!(dev as PciDevice) : undefined,
  });
}

/** The fields of a function that ID matching reads. */
export type PciIds = Pick<PciDevice, 'vendor' | 'device' | 'subsystemVendor' | 'subsystemDevice' | 'classCode' | 'driverOverride'>;

/** pci.h: pci_match_one_device() */
export function pciMatchOneDevice(id: PciDeviceId, dev: PciIds): boolean {
  const any = (want: number | undefined, have: number): boolean => want === undefined || want === PCI_ANY_ID || want === have;
  return any(id.vendor, dev.vendor) && any(id.device, dev.device) && any(id.subvendor, dev.subsystemVendor)
    && any(id.subdevice, dev.subsystemDevice) && ((((id.class ?? 0) ^ dev.classCode) & (id.classMask ?? 0)) === 0);
}

/** pci-driver.c: pci_match_id() — the first entry of `ids` matching `dev`, or null. */
export function pciMatchId(ids: readonly PciDeviceId[], dev: PciIds): PciDeviceId | null {
  for (const id of ids) if (pciMatchOneDevice(id, dev)) return id;
  return null;
}

/** pci-driver.c: pci_device_id_any, the dummy id a driver_override match probes with. */
export const PCI_DEVICE_ID_ANY: PciDeviceId = {};

/**
 * pci-driver.c: pci_match_device() — with a driver_override only the named
 * driver; dynamic ids first, then the id table (override-only entries need
 * a driver_override); a driver_override always matches, with a dummy id.
 */
export function pciMatchDevice(table: PciMatchTable, dev: PciIds): PciDeviceId | null {
  if (dev.driverOverride !== null && dev.driverOverride !== table.spec.name) return null;
  const dyn = pciMatchId(table.dynIds, dev);
  if (dyn !== null) return dyn;
  for (const id of table.spec.idTable) {
    if (!pciMatchOneDevice(id, dev)) continue;
    if (id.overrideOnly !== true || dev.driverOverride !== null) return id;
  }
  return dev.driverOverride !== null ? PCI_DEVICE_ID_ANY : null;
}
