import {
  Iort, IaslWriter, Viot, iaslAcpiHeader, iaslBanner, iaslRawData, printIort, printViot, printableSig, type AcpiTable,
} from '@kdsim/firmware';

/**
 * One ACPI table as iasl disassembles it: IORT in the layout of iasl
 * 20200925, VIOT in that of 20260408 (20200925 does not know it). Tables
 * kdsim has no field decoder for (DSDT, SSDT, MADT, ...) get iasl's header
 * fields and raw dump, with iasl 20200925's line for a signature it does not
 * know: kdsim does not disassemble AML.
 */
export function printAcpiTable(table: AcpiTable): string {
  if (table.signature === 'IORT') return printIort(new Iort(table));
  if (table.signature === 'VIOT') return printViot(new Viot(table));
  return printUnknownAcpiTable(table);
}

/** iasl 20200925 on a table it has no decoder for: banner, header fields, the "Unknown" line, raw dump. */
export function printUnknownAcpiTable(table: AcpiTable): string {
  const w = new IaslWriter('20200925');
  const sig = printableSig(table.signature);
  iaslBanner(w, table.file, sig);
  if (table.header !== null) {
    iaslAcpiHeader(w, table.header, table.bytes, '');
    w.blank();
  }
  w.blank();
  w.text(`**** Unknown ACPI table signature [${sig}]`);
  w.blank();
  iaslRawData(w, table.bytes);
  return w.toString();
}
