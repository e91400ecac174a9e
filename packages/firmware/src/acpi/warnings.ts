/**
 * A message a Linux ACPI parser would log for tolerated bad firmware, with
 * the kernel's wording (including `pr_fmt` prefixes such as `ACPI: IORT: `
 * and `[Firmware Bug]: `). Where Linux would read out of bounds and the
 * simulation stops instead, `source` is `kdsim`.
 */
export interface AcpiWarning {
  /** The table file the problem is in. */
  readonly file: string;
  /** Byte offset in the table. */
  readonly offset: number;
  /** The log line, without level or timestamp. */
  readonly message: string;
  /** The printk level Linux uses. */
  readonly level: 'err' | 'warn' | 'info';
  /** Who says it: the kernel (`linux`) or a simulation rule (`kdsim`). */
  readonly source: 'linux' | 'kdsim';
}

/** include/linux/printk.h: FW_BUG. */
export const FW_BUG = '[Firmware Bug]: ';

/**
 * How a `%p` in a kernel message is rendered: the kernel prints a hashed
 * pointer; kdsim prints the table offset of the object, 16 hex digits wide,
 * so messages stay deterministic and point at the bytes.
 */
export function ptr(offset: number): string {
  return offset.toString(16).padStart(16, '0');
}
