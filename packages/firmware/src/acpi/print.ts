import { acpiChecksumSum, type AcpiTableHeader } from './table.js';

/** Which iasl disassembly layout to follow. */
export type IaslStyle = '20200925' | '20260408';

const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));
const hexU = (n: number | bigint, width: number): string =>
  width === 2 && typeof n === 'number' && n >= 0 && n < 256 ? (HEX2[n] ?? '') : n.toString(16).toUpperCase().padStart(width, '0');

/**
 * Writes iasl data-table disassembly lines: `[OFFh DDDD LEN] Name : Value`
 * with the field name right-aligned to column 44, flag lines below their
 * field, and ACPICA's buffer layout (dmtable.c / dmtbdump.c).
 */
export class IaslWriter {
  /** Output lines so far. */
  readonly lines: string[] = [];

  /** A writer for `style`. */
  constructor(readonly style: IaslStyle) {}

  /** AcpiDmLineHeader(): the offset prefix and name. */
  prefix(off: number, len: number, name: string): string {
    const where = this.style === '20200925'
      ? `[${hexU(off, 3)}h ${String(off).padStart(4, '0')} ${String(len).padStart(3, ' ')}]`
      : `[${hexU(off, 3)}h ${String(off).padStart(4, '0')} ${hexU(len, 3)}h]`;
    return `${where} ${name.padStart(43 - where.length)} : `;
  }

  /** A field line with a preformatted value. */
  field(off: number, len: number, name: string, value: string): void {
    this.lines.push(this.prefix(off, len, name) + value);
  }

  /** An unsigned field printed as upper-case hex of its byte width. */
  uint(off: number, len: number, name: string, value: number | bigint, suffix = ''): void {
    this.field(off, len, name, hexU(value, len * 2) + suffix);
  }

  /** A decoded flag line under a field. */
  flag(name: string, value: number): void {
    this.lines.push(`${name.padStart(44)} : ${value}`);
  }

  /** A quoted string field. */
  str(off: number, len: number, name: string, value: string): void {
    this.field(off, len, name, `"${value}"`);
  }

  /** dmtbdump.c: AcpiDmDumpBuffer() — bytes, 16 per line after a `\` when more than 16. */
  buffer(off: number, name: string, bytes: Uint8Array): void {
    let s = '';
    for (let i = 0; i < bytes.length; i++) {
      if (i % 16 === 0 && bytes.length > 16) s += '\\\n    ';
      s += hexU(bytes[i] ?? 0, 2) + ' ';
    }
    for (const l of (this.prefix(off, bytes.length, name) + s).split('\n')) this.lines.push(l);
  }

  /** An empty line. */
  blank(): void {
    this.lines.push('');
  }

  /** A literal line. */
  text(line: string): void {
    this.lines.push(line);
  }

  /** The text, newline-terminated. */
  toString(): string {
    return this.lines.join('\n') + '\n';
  }
}

/** The comment block at the top of an iasl disassembly (without the date, for determinism). */
export function iaslBanner(w: IaslWriter, file: string, signature: string): void {
  const year = w.style === '20200925' ? '2020' : '2026';
  w.text('/*');
  w.text(' * Intel ACPI Component Architecture');
  w.text(` * AML/ASL+ Disassembler version ${w.style} (64-bit version) layout, printed by kdsim`);
  w.text(` * Copyright (c) 2000 - ${year} Intel Corporation`);
  w.text(' * ');
  w.text(` * Disassembly of ${file}`);
  w.text(' *');
  w.text(` * ACPI Data Table [${signature}]`);
  w.text(' *');
  w.text(` * Format: [HexOffset DecimalOffset ByteLength]  FieldName : FieldValue${w.style === '20200925' ? '' : ' (in hex)'}`);
  w.text(' */');
  w.blank();
}

/** The 36-byte common header as iasl prints it (dmtbinfo.c: AcpiDmTableInfoHeader). */
export function iaslAcpiHeader(w: IaslWriter, h: AcpiTableHeader, bytes: Uint8Array, description: string): void {
  w.field(0, 4, 'Signature', `"${h.signature}"` + (description === '' ? '    ' : `    [${description}]`));
  w.field(4, 4, 'Table Length', hexU(h.length, 8));
  w.uint(8, 1, 'Revision', h.revision);
  const sum = acpiChecksumSum(bytes);
  w.uint(9, 1, 'Checksum', h.checksum, sum === 0 ? '' : `     /* Incorrect checksum, should be ${hexU((h.checksum - sum) & 0xff, 2)} */`);
  w.str(10, 6, 'Oem ID', h.oemId);
  w.str(16, 8, 'Oem Table ID', h.oemTableId);
  w.uint(24, 4, 'Oem Revision', h.oemRevision);
  w.str(28, 4, 'Asl Compiler ID', h.creatorId);
  w.uint(32, 4, 'Asl Compiler Revision', h.creatorRevision);
}

/** The "Raw Table Data" hex dump iasl appends. */
export function iaslRawData(w: IaslWriter, bytes: Uint8Array): void {
  w.blank();
  w.text(`Raw Table Data: Length ${bytes.length} (0x${hexU(bytes.length, 1)})`);
  w.blank();
  for (let off = 0; off < bytes.length; off += 16) {
    let h = '';
    let a = '';
    for (let k = 0; k < 16; k++) {
      const b = bytes[off + k];
      if (b === undefined) {
        h += '   ';
        continue;
      }
      h += hexU(b, 2) + ' ';
      a += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '.';
    }
    w.text(`    ${hexU(off, 4)}: ${h} // ${a}`);
  }
}

