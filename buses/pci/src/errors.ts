/** What kind of problem a {@link PciError} reports. */
export type PciErrorKind =
  | 'badField'
  | 'missingField'
  | 'duplicate'
  | 'topology';

/** Where a PCI input problem is and what was expected there. */
export interface PciErrorDetails {
  /** The device-list entry (its index and `bdf` when known): `devices[3] (00:05.0)`. */
  readonly entry: string;
  /** The field of the entry (`class`, `bridge.secondary`), when one field is at fault. */
  readonly field?: string;
  /** A sentence saying what was found and what was expected. */
  readonly message: string;
}

/**
 * The one error class of `@kdsim/bus-pci`: a bad device-list entry names the
 * entry, the field and what was expected.
 */
export class PciError extends Error {
  /** Location details. */
  readonly details: PciErrorDetails;

  /** Creates an error of `kind` for the entry and field `details` names. */
  constructor(readonly kind: PciErrorKind, details: PciErrorDetails) {
    super(`${details.entry}${details.field !== undefined ? `: ${details.field}` : ''}: ${details.message}`);
    this.name = 'PciError';
    this.details = details;
  }
}
