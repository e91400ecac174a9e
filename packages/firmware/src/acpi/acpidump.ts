import { FirmwareError } from '../errors.js';
import { ACPI_HEADER_SIZE, decodeAcpiTableHeader, printableSig, withChecksum, type AcpiTable } from './table.js';
import type { AcpiWarning } from './warnings.js';

// "IORT @ 0x0000000000000000" (acpidump), "DSDT @ 0xdfe5b0e8" (older tools), "RSD PTR @ 0x...".
const BLOCK_HEADER = /^\s*(\S(?:[^@]{0,6}\S)?)\s+@\s+0x[0-9A-Fa-f]+\s*$/;
// A line whose first token ends in ':' is a hex line attempt: "    0000: 49 4F ...".
const HEX_LINE = /^(\s*)(\S+?):/;

interface Block {
  readonly sig: string;
  readonly line: number;
  readonly bytes: number[];
}

function isHex(c: string | undefined): c is string {
  if (c === undefined || c.length !== 1) return false;
  const x = c.charCodeAt(0) | 0x20; // fold A-F to a-f
  return (x >= 0x30 && x <= 0x39) || (x >= 0x61 && x <= 0x66);
}

const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

/**
 * Reads `acpidump` text: blocks `SIG @ 0xADDRESS` followed by hex lines
 * `    0000: 49 4F 52 54 ...  IORT....`. Tolerates CRLF, blank lines, text
 * before the first block and after a block, lower-case hex, any indentation
 * and offset width, and an ASCII column after two spaces (with or without
 * `//`). A malformed hex line is a `syntax` error naming line and column.
 */
export function parseAcpidump(text: string, file: string): AcpiTable[] {
  const tables: AcpiTable[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  let block: Block | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const lineNo = i + 1;
    const head = BLOCK_HEADER.exec(line);
    if (head !== null) {
      if (block !== null) tables.push(finishBlock(block, file));
      block = { sig: head[1] ?? '', line: lineNo, bytes: [] };
      continue;
    }
    if (block === null || line.trim() === '') continue;
    const m = HEX_LINE.exec(line);
    if (m === null) {
      // Trailing text ends the block.
      tables.push(finishBlock(block, file));
      block = null;
      continue;
    }
    parseHexLine(line, lineNo, (m[1] ?? '').length, (m[2] ?? ''), block, file);
  }
  if (block !== null) tables.push(finishBlock(block, file));
  return tables;
}

function parseHexLine(line: string, lineNo: number, indent: number, offsetToken: string, block: Block, file: string): void {
  for (let k = 0; k < offsetToken.length; k++) {
    if (!isHex(offsetToken[k])) {
      throw new FirmwareError('syntax', {
        file, line: lineNo, column: indent + k + 1,
        message: `bad hex digit '${offsetToken[k] ?? ''}' in the offset of an acpidump line`,
      });
    }
  }
  const lineOffset = parseInt(offsetToken, 16);
  if (lineOffset !== block.bytes.length) {
    throw new FirmwareError('badStructure', {
      file, line: lineNo, column: indent + 1,
      message: `acpidump line offset 0x${offsetToken} does not follow the 0x${block.bytes.length.toString(16)} bytes read so far for [${block.sig}]`,
    });
  }
  let pos = indent + offsetToken.length + 1; // just after ':'
  if (line[pos] !== ' ' && line[pos] !== '\t') {
    throw new FirmwareError('syntax', {
      file, line: lineNo, column: pos + 1,
      message: 'expected a space after the offset of an acpidump line',
    });
  }
  pos++;
  for (let n = 0; n < 16; n++) {
    const a = line[pos];
    const b = line[pos + 1];
    if (!isHex(a) || !isHex(b)) {
      throw new FirmwareError('syntax', {
        file, line: lineNo, column: isHex(a) ? pos + 2 : pos + 1,
        message: `expected two hex digits for byte ${n} of an acpidump line, found '${(a ?? '') + (b ?? '')}'`,
      });
    }
    block.bytes.push((hexVal(a) << 4) | hexVal(b));
    pos += 2;
    const next = line[pos];
    if (next === undefined) return;
    if (next !== ' ' && next !== '\t') {
      throw new FirmwareError('syntax', {
        file, line: lineNo, column: pos + 1,
        message: `unexpected '${next}' after byte ${n} of an acpidump line`,
      });
    }
    // Two blanks: the ASCII column follows.
    const after = line[pos + 1];
    if (after === undefined || after === ' ' || after === '\t') return;
    pos++;
  }
}

function hexVal(c: string): number {
  const x = c.charCodeAt(0) | 0x20;
  return x <= 0x39 ? x - 0x30 : x - 0x57;
}

function finishBlock(block: Block, file: string): AcpiTable {
  const bytes = Uint8Array.from(block.bytes);
  if (block.sig === 'RSD PTR') return withChecksum('RSD PTR', null, bytes, file, block.line, 0);
  if (bytes.length < ACPI_HEADER_SIZE) {
    throw new FirmwareError('truncated', {
      file, line: block.line,
      message: `acpidump block [${block.sig}] holds ${bytes.length} bytes, less than an ACPI table header (${ACPI_HEADER_SIZE})`,
    });
  }
  const header = decodeAcpiTableHeader(bytes, file);
  if (header.length < ACPI_HEADER_SIZE) {
    throw new FirmwareError('badLength', {
      file, line: block.line,
      message: `table [${printableSig(header.signature)}] declares Length ${header.length}, less than an ACPI table header`,
    });
  }
  if (header.length > bytes.length) {
    throw new FirmwareError('truncated', {
      file, line: block.line,
      message: `table [${printableSig(header.signature)}] declares Length ${header.length} but its acpidump block holds ${bytes.length} bytes`,
    });
  }
  const t = withChecksum(header.signature, header, bytes.subarray(0, header.length), file, block.line, 0);
  const extra: AcpiWarning[] = [];
  if (header.signature !== block.sig) {
    extra.push({
      file, offset: 0, level: 'warn', source: 'kdsim',
      message: `acpidump block [${block.sig}] at line ${block.line} holds table [${printableSig(header.signature)}]; using the table's signature`,
    });
  }
  if (header.length < bytes.length) {
    extra.push({
      file, offset: header.length, level: 'warn', source: 'kdsim',
      message: `acpidump block [${block.sig}] at line ${block.line} has ${bytes.length - header.length} bytes after the table's Length; ignored`,
    });
  }
  return extra.length === 0 ? t : { ...t, warnings: [...t.warnings, ...extra] };
}

/**
 * Renders tables as `acpidump` prints them (ACPICA utbuffer.c:
 * acpi_ut_dump_buffer() byte display): a `SIG @ 0x...` line, 16 bytes per
 * line with offset and ASCII column, and a blank line after each table.
 */
export function renderAcpidump(tables: readonly { readonly signature: string; readonly bytes: Uint8Array }[]): string {
  const out: string[] = [];
  for (const t of tables) {
    out.push(`${t.signature} @ 0x0000000000000000`);
    for (let off = 0; off < t.bytes.length; off += 16) {
      let hexPart = '';
      let asc = '';
      for (let k = 0; k < 16; k++) {
        const b = t.bytes[off + k];
        if (b === undefined) {
          hexPart += '   ';
          continue;
        }
        hexPart += (HEX2[b] ?? '') + ' ';
        asc += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '.';
      }
      out.push(`    ${off.toString(16).toUpperCase().padStart(4, '0')}: ${hexPart} ${asc}`);
    }
    out.push('');
  }
  return out.length === 0 ? '' : out.join('\n') + '\n';
}
