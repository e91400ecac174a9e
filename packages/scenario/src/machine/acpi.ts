import { decodeIort, MachineFirmware } from '@kdsim/firmware';
import type { MachineStep } from '../registry.js';

/**
 * An ACPI machine: the IORT (decoded here) becomes part of the machine
 * firmware; the VIOT needs the PCI functions present at init, so the IOMMU
 * step reads it from `ctx.acpiTables` once that package is present.
 */
export const acpiStep: MachineStep = {
  name: 'acpi',
  keys: ['acpi', 'acpidump'],
  build(ctx) {
    const iort = ctx.acpiTables.get('IORT')?.[0];
    if (iort === undefined) return;
    ctx.firmware = new MachineFirmware({ of: ctx.firmware.of, acpi: { iort: decodeIort(iort.bytes, iort.file), viot: ctx.firmware.acpi?.viot ?? null } });
  },
};
