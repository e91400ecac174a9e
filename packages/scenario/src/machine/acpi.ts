import { decodeIort, decodeMadt, MachineFirmware } from '@kdsim/firmware';
import type { MachineStep } from '../registry.js';

/**
 * An ACPI machine: the IORT and the MADT (decoded here) become part of the
 * machine firmware; the VIOT needs the PCI functions present at init, so the IOMMU
 * step reads it from `ctx.acpiTables` once that package is present. The
 * IORT is the one `machine.iort` edited, if it did.
 */
export const acpiStep: MachineStep = {
  name: 'acpi',
  // `iort` edits were applied to the table when the scenario was loaded (machine/iort-patch.ts).
  keys: ['acpi', 'acpidump', 'iort'],
  build(ctx) {
    const iort = ctx.acpiTables.get('IORT')?.[0];
    const madt = ctx.acpiTables.get('APIC')?.[0];
    if (iort === undefined && madt === undefined) return;
    ctx.firmware = new MachineFirmware({
      of: ctx.firmware.of,
      acpi: {
        iort: iort !== undefined ? decodeIort(iort.bytes, iort.file) : null,
        viot: ctx.firmware.acpi?.viot ?? null,
        madt: madt !== undefined ? decodeMadt(madt.bytes, madt.file) : null,
      },
    });
  },
};
