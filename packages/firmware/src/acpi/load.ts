import { parseAcpidump } from './acpidump.js';
import { splitAcpiTables, type AcpiTable } from './table.js';

/** One firmware input: a binary table file, several tables back to back, or acpidump text. */
export interface AcpiInput {
  /** Name used in errors and warnings. */
  readonly file: string;
  /** The content; a string is always acpidump text. */
  readonly bytes: Uint8Array | string;
  /** How to read it; `auto` (default) tells text from binary. */
  readonly format?: 'binary' | 'acpidump' | 'auto';
}

const LATIN1 = new TextDecoder('latin1');

/**
 * True if `bytes` looks like acpidump text rather than binary tables: a
 * binary table header always has a NUL byte in its first 36 bytes.
 */
export function looksLikeAcpidump(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 36);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return false;
  return bytes.length > 0;
}

/** Reads every table of one input (see {@link AcpiInput}). */
export function readAcpiInput(input: AcpiInput): AcpiTable[] {
  if (typeof input.bytes === 'string') return parseAcpidump(input.bytes, input.file);
  const format = input.format ?? 'auto';
  if (format === 'acpidump' || (format === 'auto' && looksLikeAcpidump(input.bytes))) {
    return parseAcpidump(LATIN1.decode(input.bytes), input.file);
  }
  return splitAcpiTables(input.bytes, input.file);
}

/**
 * Reads all inputs and groups the tables by signature, in input order
 * (several SSDTs stay several entries). Bad checksums are warnings on the
 * table; structural errors throw `FirmwareError`.
 */
export function loadAcpiTables(inputs: readonly AcpiInput[]): Map<string, AcpiTable[]> {
  const out = new Map<string, AcpiTable[]>();
  for (const input of inputs) {
    for (const t of readAcpiInput(input)) {
      const list = out.get(t.signature);
      if (list === undefined) out.set(t.signature, [t]);
      else list.push(t);
    }
  }
  return out;
}
