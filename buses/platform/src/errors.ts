/** What kind of problem a {@link PlatformError} reports. */
export type PlatformErrorKind = 'badField' | 'missingField' | 'duplicate';

/** Where a platform-device input problem is and what was expected there. */
export interface PlatformErrorDetails {
  /** The input entry (`acpi[2] (\_SB_.COM0)`). */
  readonly entry: string;
  /** The field at fault, when one is. */
  readonly field?: string;
  /** A sentence saying what was found and what was expected. */
  readonly message: string;
}

/** The one error class of `@kdsim/bus-platform`: bad input names the entry, the field and what was expected. */
export class PlatformError extends Error {
  /** Location details. */
  readonly details: PlatformErrorDetails;

  /** Creates an error of `kind` for the entry and field `details` names. */
  constructor(readonly kind: PlatformErrorKind, details: PlatformErrorDetails) {
    super(`${details.entry}${details.field !== undefined ? `: ${details.field}` : ''}: ${details.message}`);
    this.name = 'PlatformError';
    this.details = details;
  }
}
