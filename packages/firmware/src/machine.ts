import type { AcpiIommuTables } from './acpi/acpi-configure.js';
import type { OfTree } from './dt/of.js';

/** What {@link MachineFirmware} is made from. */
export interface MachineFirmwareInit {
  /** The live device tree (`of_root`), when the machine boots with one. */
  readonly of?: OfTree | null;
  /** The parsed ACPI IOMMU tables (IORT, VIOT), when the machine boots with ACPI. */
  readonly acpi?: AcpiIommuTables | null;
}

/**
 * The firmware one simulated machine booted with, as one injectable service:
 * buses populate devices from it and the IOMMU glue configures endpoints
 * from it. Bind it per kernel (`c => c.bind(MachineFirmware).toConstantValue(fw)`).
 */
export class MachineFirmware {
  /** The live device tree, or null on an ACPI or firmware-less machine. */
  readonly of: OfTree | null;
  /** The ACPI IOMMU tables, or null on a DT or firmware-less machine. */
  readonly acpi: AcpiIommuTables | null;

  /** Wraps the given firmware. */
  constructor(init: MachineFirmwareInit = {}) {
    this.of = init.of ?? null;
    this.acpi = init.acpi ?? null;
  }
}
