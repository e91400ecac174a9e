/** What kind of firmware problem a {@link FirmwareError} reports. */
export type FirmwareErrorKind =
  | 'badMagic'
  | 'badVersion'
  | 'truncated'
  | 'badAlignment'
  | 'badStructure'
  | 'badChecksum'
  | 'badSignature'
  | 'badLength'
  | 'badNode'
  | 'danglingReference'
  | 'syntax'
  | 'duplicate'
  | 'unsupported'
  | 'io'
  | 'preprocessor'
  | 'cycle';

/** Where a firmware problem is and what was expected there. */
export interface FirmwareErrorDetails {
  /** The file (or table) being read. */
  readonly file?: string;
  /** Byte offset in the file, for binary formats. */
  readonly offset?: number;
  /** Node path or source location, for tree formats. */
  readonly path?: string;
  /** Line and column, for source formats (1-based). */
  readonly line?: number;
  /** Column (1-based). */
  readonly column?: number;
  /** A sentence saying what was found and what was expected. */
  readonly message: string;
}

/**
 * The one error class of `@kdsim/firmware`: bad input names the file, the
 * offset or path, and what was expected.
 */
export class FirmwareError extends Error {
  /** Location details. */
  readonly details: FirmwareErrorDetails;

  /** Creates an error of `kind` at the place `details` names. */
  constructor(readonly kind: FirmwareErrorKind, details: FirmwareErrorDetails) {
    super(formatFirmwareError(details));
    this.name = 'FirmwareError';
    this.details = details;
  }
}

function formatFirmwareError(d: FirmwareErrorDetails): string {
  const where: string[] = [];
  if (d.file !== undefined) where.push(d.file);
  if (d.line !== undefined) where.push(d.column !== undefined ? `${d.line}:${d.column}` : String(d.line));
  if (d.offset !== undefined) where.push(`offset 0x${d.offset.toString(16)}`);
  if (d.path !== undefined) where.push(d.path);
  return where.length > 0 ? `${where.join(': ')}: ${d.message}` : d.message;
}
