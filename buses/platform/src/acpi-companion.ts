import type { Fwnode } from '@kdsim/core';
import { AcpiDeviceFwnode } from '@kdsim/firmware';

/**
 * The ACPI companion of a device a scenario lists: a namespace device object
 * (`\_SB_.COM0`) with its _HID, _CIDs, _UID and _CCA, as matching and
 * acpi_dma_configure() read them.
 */
export class AcpiCompanion extends AcpiDeviceFwnode {
  /** _HID then _CIDs, in the order acpi_match_device() tries them. */
  readonly hardwareIds: readonly string[];

  /** A companion at `path` with hardware IDs `hid` + `cids`. */
  constructor(
    path: string,
    readonly hid: string,
    readonly cids: readonly string[] = [],
    readonly uid: string | null = null,
    /** _CCA: 1 coherent, 0 not; null when the object has none. */
    readonly cca: number | null = null,
    parent: Fwnode | null = null,
  ) {
    super(path, parent);
    this.hardwareIds = [hid, ...cids];
  }
}
