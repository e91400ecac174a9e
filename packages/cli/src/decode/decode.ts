import {
  acpiIommuTopology, decodeFdt, dtIommuTopology, dtcNormalize, encodeFdt, parseDts, readAcpiInput, printDts, type AcpiTable, type DeviceTree,
} from '@kdsim/firmware';
import { printAcpiTable } from './acpi-print.js';
import { detectFormat, type InputFormat } from './detect.js';
import { acpiTopologyTable, dtTopologyTable, renderTopologyTable, type TopologyTable } from './topology.js';

/** One input of `kdsim decode`. */
export interface DecodeInput {
  /** Its name (path), used in output and errors. */
  readonly file: string;
  /** Its content. */
  readonly bytes: Uint8Array;
}

/** One ACPI table of an input. */
export interface DecodedAcpiTable {
  /** Signature. */
  readonly signature: string;
  /** Byte offset in a binary input, or 1-based line in acpidump text. */
  readonly offset: number;
  /** Table length. */
  readonly length: number;
  /** Revision, or null for an RSDP. */
  readonly revision: number | null;
  /** OEM ID, or null for an RSDP. */
  readonly oemId: string | null;
  /** OEM table ID, or null for an RSDP. */
  readonly oemTableId: string | null;
  /** False when the checksum is wrong (printed as iasl marks it; the table is still used). */
  readonly checksumValid: boolean;
  /** The iasl-style disassembly. */
  readonly text: string;
}

/** What one input decoded to. */
export type DecodedFile =
  | { readonly file: string; readonly format: 'dtb' | 'dts'; readonly dts: string }
  | { readonly file: string; readonly format: 'acpi'; readonly tables: readonly DecodedAcpiTable[] };

/** Everything `kdsim decode` derives from its inputs. */
export interface DecodeResult {
  /** Each input, in order. */
  readonly files: readonly DecodedFile[];
  /** One topology per device tree, then one per ACPI machine (see {@link decodeInputs}). */
  readonly topologies: readonly TopologyTable[];
}

/** Options of {@link decodeInputs}. */
export interface DecodeOptions {
  /** Include directories for DTS `/include/` and `#include`. */
  readonly includeDirs?: readonly string[];
  /** Called after each input (progress). */
  readonly onInput?: (file: string) => void;
}

// What dtc -I dtb -O dts prints for a tree: its checks' edits, then the printer.
const dtsOf = (tree: DeviceTree): string => printDts(dtcNormalize(tree));

function decodeDt(input: DecodeInput, format: 'dtb' | 'dts', options: DecodeOptions): { file: DecodedFile; tree: DeviceTree } {
  // A .dts is compiled to the blob dtc would write and that blob printed, like dtc -I dts -O dtb | dtc -I dtb -O dts.
  const tree = format === 'dtb'
    ? decodeFdt(input.bytes, input.file)
    : decodeFdt(encodeFdt(parseDts(new TextDecoder().decode(input.bytes), { file: input.file, includeDirs: [...(options.includeDirs ?? [])] })), input.file);
  return { file: { file: input.file, format, dts: dtsOf(tree) }, tree };
}

function tableRow(t: AcpiTable): DecodedAcpiTable {
  return {
    signature: t.signature, offset: t.offset, length: t.bytes.length, revision: t.header?.revision ?? null,
    oemId: t.header?.oemId ?? null, oemTableId: t.header?.oemTableId ?? null, checksumValid: t.checksumValid, text: printAcpiTable(t),
  };
}

// Adds a table to the current ACPI machine, or starts the next machine when its signature is already there.
function addToMachine(machines: { tables: AcpiTable[]; files: string[] }[], t: AcpiTable): void {
  let m = machines.at(-1);
  if (m === undefined || (t.signature !== 'SSDT' && m.tables.some((x) => x.signature === t.signature))) {
    m = { tables: [], files: [] };
    machines.push(m);
  }
  m.tables.push(t);
  if (!m.files.includes(t.file)) m.files.push(t.file);
}

/**
 * Decodes firmware files: device trees print as `dtc -I dtb -O dts` would,
 * ACPI tables as iasl would; then the IOMMU topology each device tree and
 * each set of ACPI tables describes: tables in input order make up one
 * machine until a signature comes again (SSDTs excepted), so
 * `IORT.bin VIOT.bin DSDT.bin` is one machine and `a/IORT.bin b/IORT.bin`
 * two. Throws `FirmwareError` for bad input.
 */
export function decodeInputs(inputs: readonly DecodeInput[], options: DecodeOptions = {}): DecodeResult {
  const files: DecodedFile[] = [];
  const topologies: TopologyTable[] = [];
  const machines: { tables: AcpiTable[]; files: string[] }[] = [];
  for (const input of inputs) {
    const format: InputFormat = detectFormat(input.file, input.bytes);
    if (format === 'acpi') {
      const tables = readAcpiInput({ file: input.file, bytes: input.bytes });
      for (const t of tables) addToMachine(machines, t);
      files.push({ file: input.file, format, tables: tables.map(tableRow) });
    } else {
      const { file, tree } = decodeDt(input, format, options);
      files.push(file);
      topologies.push(dtTopologyTable(input.file, dtIommuTopology(tree)));
    }
    options.onInput?.(input.file);
  }
  for (const m of machines) topologies.push(acpiTopologyTable(`ACPI ${m.files.join(', ')}`, acpiIommuTopology(m.tables)));
  return { files, topologies };
}

/** Which parts {@link renderDecodeText} prints (both by default). */
export interface DecodeTextParts {
  /** The dtc/iasl disassembly of each input. */
  readonly disassembly?: boolean;
  /** The IOMMU topology tables. */
  readonly topology?: boolean;
}

/**
 * The text output: each input's disassembly (headed by a `// ==> file <==`
 * line when there are several), then the topologies.
 */
export function renderDecodeText(r: DecodeResult, show: DecodeTextParts = {}): string {
  const parts: string[] = [];
  const many = r.files.length > 1;
  for (const f of show.disassembly === false ? [] : r.files) {
    const body = f.format === 'acpi' ? f.tables.map((t) => t.text).join('\n') : f.dts;
    parts.push(many ? `// ==> ${f.file} <==\n${body}` : body);
  }
  for (const t of show.topology === false ? [] : r.topologies) parts.push(renderTopologyTable(t));
  return parts.join('\n');
}
