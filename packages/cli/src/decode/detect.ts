/** What `kdsim decode` found a file to be. */
export type InputFormat = 'dtb' | 'dts' | 'acpi';

const FDT_MAGIC = [0xd0, 0x0d, 0xfe, 0xed] as const;
const DTS_HEADER = /^(?:\s|\/\*[\s\S]*?\*\/|\/\/[^\n]*\n|#[^\n]*\n)*\/dts-v1\/\s*;/;

/**
 * Tells the input format from the content first (the FDT magic, a `/dts-v1/;`
 * header after comments or cpp lines) and the name second (`.dtb`, `.dts`,
 * `.dtsi`: the FDT reader then reports a bad magic);
 * everything else is read as ACPI (binary tables or acpidump text), whose
 * reader reports what it expected.
 */
export function detectFormat(file: string, bytes: Uint8Array): InputFormat {
  if (FDT_MAGIC.every((b, i) => bytes[i] === b)) return 'dtb';
  if (/\.dtbo?$/i.test(file)) return 'dtb';
  if (/\.dtsi?$/i.test(file)) return 'dts';
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 4096));
  return DTS_HEADER.test(head) ? 'dts' : 'acpi';
}
