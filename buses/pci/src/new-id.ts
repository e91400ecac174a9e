import { Errno, type Driver, type Kernel } from '@kdsim/core';
import { PciMatchTable, pciMatchDevice, type PciDeviceId } from './driver.js';
import { PCI_ANY_ID } from './regs.js';

/**
 * pci-driver.c: new_id_store() — the driver's sysfs `new_id`: `vendor
 * device [subvendor subdevice [class [class_mask [driver_data]]]]` in hex.
 * With fewer than seven fields an ID the driver already matches is
 * -EEXIST; otherwise the ID is appended to the dynamic IDs
 * (pci_add_dynid()) and the driver attached to the devices it now matches.
 * Returns 0 or a negative errno (-EINVAL for a malformed line or a
 * non-PCI driver).
 */
export function pciNewId(k: Kernel, drv: Driver, line: string): number {
  const table = drv.spec.matchTable;
  if (!(table instanceof PciMatchTable)) return -Errno.EINVAL;
  const fields = line.trim().split(/\s+/);
  if (fields.length < 2 || fields.length > 7 || fields.some((f) => !/^(0x)?[0-9a-fA-F]+$/.test(f))) return -Errno.EINVAL;
  const v = fields.map((f) => parseInt(f, 16));
  const id: PciDeviceId = {
    vendor: v[0]!, device: v[1]!, subvendor: v[2] ?? PCI_ANY_ID, subdevice: v[3] ?? PCI_ANY_ID, class: v[4] ?? 0, classMask: v[5] ?? 0,
    ...(v[6] !== undefined ? { data: v[6] } : {}),
  };
  if (fields.length !== 7) {
    // A stand-in function with these IDs: does the driver already take it?
    const ids = { vendor: v[0]!, device: v[1]!, subsystemVendor: id.subvendor!, subsystemDevice: id.subdevice!, classCode: id.class!, driverOverride: null };
    if (pciMatchDevice(table, ids) !== null) return -Errno.EEXIST;
  }
  table.dynIds.push(id);
  k.dd.driverAttach(drv);
  return 0;
}
