import { FirmwareError } from '../errors.js';
import { LeBytes } from './bytes.js';
import type { AcpiWarning } from './warnings.js';

/** Size of the common ACPI table header (actbl.h: struct acpi_table_header). */
export const ACPI_HEADER_SIZE = 36;

/** The common 36-byte ACPI table header. */
export interface AcpiTableHeader {
  /** Four-character signature, e.g. `IORT`. */
  readonly signature: string;
  /** Length of the whole table in bytes. */
  readonly length: number;
  /** Table revision. */
  readonly revision: number;
  /** Checksum byte as stored. */
  readonly checksum: number;
  /** OEM ID (6 characters). */
  readonly oemId: string;
  /** OEM table ID (8 characters). */
  readonly oemTableId: string;
  /** OEM revision. */
  readonly oemRevision: number;
  /** Creator (ASL compiler) ID, 4 characters. */
  readonly creatorId: string;
  /** Creator (ASL compiler) revision. */
  readonly creatorRevision: number;
}

/** One ACPI table as read from an input. */
export interface AcpiTable {
  /** Signature (`IORT`, `VIOT`, ...; `RSD PTR` for an RSDP in acpidump text). */
  readonly signature: string;
  /** The decoded header, or null for an RSDP (it has no standard header). */
  readonly header: AcpiTableHeader | null;
  /** Exactly the table's bytes (`Length` of them). */
  readonly bytes: Uint8Array;
  /** Input the table came from. */
  readonly file: string;
  /** Byte offset of the table in a binary input, or the 1-based line of its block in acpidump text. */
  readonly offset: number;
  /** True unless the checksum is wrong (FACS and RSDP are not checked, as in ACPICA). */
  readonly checksumValid: boolean;
  /** Checksum warnings (ACPICA logs them and still uses the table). */
  readonly warnings: readonly AcpiWarning[];
}

/** Sum of all bytes modulo 256 (a valid table sums to 0). */
export function acpiChecksumSum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) sum += bytes[i] ?? 0;
  return sum & 0xff;
}

/** Decodes the 36-byte header at the start of `bytes`; throws `truncated` if it is shorter. */
export function decodeAcpiTableHeader(bytes: Uint8Array, file: string, offset = 0): AcpiTableHeader {
  if (bytes.length < ACPI_HEADER_SIZE) {
    throw new FirmwareError('truncated', {
      file, offset,
      message: `ACPI table header needs ${ACPI_HEADER_SIZE} bytes but only ${bytes.length} remain`,
    });
  }
  const r = new LeBytes(bytes);
  return {
    signature: r.ascii(0, 4),
    length: r.u32(4),
    revision: r.u8(8),
    checksum: r.u8(9),
    oemId: r.ascii(10, 6),
    oemTableId: r.ascii(16, 8),
    oemRevision: r.u32(24),
    creatorId: r.ascii(28, 4),
    creatorRevision: r.u32(32),
  };
}

// tbutils.c / utcksum.c: FACS and S3PT have no checksum.
const NO_CHECKSUM = new Set(['FACS', 'S3PT']);

/**
 * Reads one table starting at `at` in `buf`: its `Length` must be at least
 * `minLength` and fit in the buffer (simulation rule; Linux does not check).
 * A wrong checksum is a warning with ACPICA's wording
 * (utcksum.c: acpi_ut_verify_checksum()) and the table is still used.
 */
export function readAcpiTable(buf: Uint8Array, file: string, at = 0, minLength = ACPI_HEADER_SIZE): AcpiTable {
  const rest = buf.subarray(at);
  const header = decodeAcpiTableHeader(rest, file, at);
  if (header.length < minLength) {
    throw new FirmwareError('badLength', {
      file, offset: at + 4,
      message: `table [${printableSig(header.signature)}] declares Length ${header.length}, less than its fixed header (${minLength} bytes)`,
    });
  }
  if (header.length > rest.length) {
    throw new FirmwareError('truncated', {
      file, offset: at + 4,
      message: `table [${printableSig(header.signature)}] declares Length ${header.length} but only ${rest.length} bytes remain`,
    });
  }
  const bytes = rest.subarray(0, header.length);
  return withChecksum(header.signature, header, bytes, file, at);
}

/**
 * Builds an {@link AcpiTable} for `bytes`, verifying the checksum; warning
 * offsets are `byteBase` plus the offset in the table.
 */
export function withChecksum(signature: string, header: AcpiTableHeader | null, bytes: Uint8Array, file: string, offset: number, byteBase = offset): AcpiTable {
  const warnings: AcpiWarning[] = [];
  let checksumValid = true;
  if (header !== null && !NO_CHECKSUM.has(signature)) {
    const sum = acpiChecksumSum(bytes);
    if (sum !== 0) {
      checksumValid = false;
      const should = (header.checksum - sum) & 0xff;
      warnings.push({
        file, offset: byteBase + 9, level: 'warn', source: 'linux',
        message: `ACPI BIOS Warning (bug): Incorrect checksum in table [${printableSig(signature)}] - 0x${hex2(header.checksum)}, should be 0x${hex2(should)}`,
      });
    }
  }
  return { signature, header, bytes, file, offset, checksumValid, warnings };
}

/** Splits a buffer holding one or more binary tables back to back (walks by `Length`). */
export function splitAcpiTables(buf: Uint8Array, file: string): AcpiTable[] {
  const out: AcpiTable[] = [];
  let at = 0;
  // Each table is at least 36 bytes long, so this loop ends.
  while (at < buf.length) {
    const t = readAcpiTable(buf, file, at);
    out.push(t);
    at += t.bytes.length;
  }
  return out;
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

/** A signature as ACPICA prints `%4.4s`, with non-printable bytes shown as `?`. */
export function printableSig(sig: string): string {
  return sig.replace(/[^\x20-\x7e]/g, '?');
}
