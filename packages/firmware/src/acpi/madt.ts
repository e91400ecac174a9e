import { FirmwareError } from '../errors.js';
import { LeBytes } from './bytes.js';
import { printableSig, readAcpiTable } from './table.js';

/** MADT fixed part: the header, the local interrupt controller address and the flags. */
export const MADT_HEADER_SIZE = 44;

/** The MADT subtable types kdsim reads (actbl2.h: enum acpi_madt_type). */
export const MADT_TYPE = {
  /** GIC distributor (GICD). */
  GENERIC_DISTRIBUTOR: 0x0c,
  /** GICv2m MSI frame. */
  GENERIC_MSI_FRAME: 0x0d,
  /** GICv3 ITS (Generic Interrupt Translator). */
  GENERIC_TRANSLATOR: 0x0f,
} as const;

/** One MADT subtable: its type, length and place. */
export interface MadtSubtable {
  /** Subtable type. */
  readonly type: number;
  /** Subtable length in bytes. */
  readonly length: number;
  /** Byte offset in the table. */
  readonly offset: number;
}

/** A GICv2m MSI frame the MADT describes (struct acpi_madt_generic_msi_frame). */
export interface MadtGicMsiFrame {
  /** MSI frame ID. */
  readonly id: number;
  /** Physical base address. */
  readonly base: bigint;
}

/** A GICv3 ITS the MADT describes (struct acpi_madt_generic_translator). */
export interface MadtGicIts {
  /** Translation ID: what IORT ITS group nodes list. */
  readonly id: number;
  /** Physical base address. */
  readonly base: bigint;
}

/**
 * The MADT (signature `APIC`), as far as kdsim needs it: the subtable walk and
 * the arm64 GIC entries — the GICv3 ITSes (`its_acpi_probe()` registers one MSI
 * domain per entry), the GICv2m MSI frames and the GIC version of the distributor.
 */
export class Madt {
  /** The subtables in table order. */
  readonly subtables: readonly MadtSubtable[];
  /** The GICv3 ITSes. */
  readonly gicIts: readonly MadtGicIts[];
  /** The GICv2m MSI frames. */
  readonly gicMsiFrames: readonly MadtGicMsiFrame[];
  /** The GIC distributor's version field (0: none, or "detect from hardware"). */
  readonly gicVersion: number;

  /** Decodes `table`, an MADT; a subtable shorter than its own header, or reaching past the table, is a typed error. */
  constructor(readonly bytes: Uint8Array, readonly file: string) {
    const r = new LeBytes(bytes);
    const subtables: MadtSubtable[] = [];
    const gicIts: MadtGicIts[] = [];
    const gicMsiFrames: MadtGicMsiFrame[] = [];
    let gicVersion = 0;
    // tables.c: acpi_parse_entries_array() walks while a subtable header fits.
    for (let at = MADT_HEADER_SIZE; at + 2 <= bytes.length;) {
      const type = r.u8(at);
      const length = r.u8(at + 1);
      if (length < 2) {
        throw new FirmwareError('badLength', { file, offset: at + 1, message: `MADT subtable type 0x${type.toString(16)} has Length ${length}; expected at least its 2-byte header` });
      }
      if (at + length > bytes.length) {
        throw new FirmwareError('truncated', { file, offset: at, message: `MADT subtable type 0x${type.toString(16)} of Length ${length} reaches past the table's end (${bytes.length} bytes)` });
      }
      subtables.push({ type, length, offset: at });
      if (type === MADT_TYPE.GENERIC_TRANSLATOR) {
        if (length < 20) throw new FirmwareError('badLength', { file, offset: at + 1, message: `MADT GIC ITS subtable has Length ${length}; expected 20` });
        gicIts.push({ id: r.u32(at + 4), base: r.u64(at + 8) });
      } else if (type === MADT_TYPE.GENERIC_MSI_FRAME) {
        if (length < 24) throw new FirmwareError('badLength', { file, offset: at + 1, message: `MADT GIC MSI frame subtable has Length ${length}; expected 24` });
        gicMsiFrames.push({ id: r.u32(at + 4), base: r.u64(at + 8) });
      } else if (type === MADT_TYPE.GENERIC_DISTRIBUTOR && length >= 24) {
        gicVersion = r.u8(at + 20);
      }
      at += length;
    }
    this.subtables = subtables;
    this.gicIts = gicIts;
    this.gicMsiFrames = gicMsiFrames;
    this.gicVersion = gicVersion;
  }
}

/** Decodes an MADT from its bytes (the whole table, header first); errors name `file` and the offset. */
export function decodeMadt(bytes: Uint8Array, file: string): Madt {
  const table = readAcpiTable(bytes, file, 0, MADT_HEADER_SIZE);
  if (table.signature !== 'APIC') {
    throw new FirmwareError('badSignature', { file, offset: 0, message: `expected an MADT (signature APIC), found [${printableSig(table.signature)}]` });
  }
  return new Madt(table.bytes, file);
}
