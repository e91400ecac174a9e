/**
 * Constants of the flattened device-tree format (libfdt/fdt.h).
 */

/** FDT_MAGIC. */
export const FDT_MAGIC = 0xd00dfeed;
/** FDT_BEGIN_NODE: start of a node, followed by its NUL-terminated name. */
export const FDT_BEGIN_NODE = 0x1;
/** FDT_END_NODE. */
export const FDT_END_NODE = 0x2;
/** FDT_PROP: u32 len, u32 nameoff, value. */
export const FDT_PROP = 0x3;
/** FDT_NOP. */
export const FDT_NOP = 0x4;
/** FDT_END: end of the structure block. */
export const FDT_END = 0x9;

/** FDT_FIRST_SUPPORTED_VERSION (libfdt_internal.h). */
export const FDT_FIRST_SUPPORTED_VERSION = 0x02;
/** FDT_LAST_SUPPORTED_VERSION. */
export const FDT_LAST_SUPPORTED_VERSION = 0x11;

/** Header field offsets (struct fdt_header). */
export const HDR = {
  magic: 0x00,
  totalsize: 0x04,
  offDtStruct: 0x08,
  offDtStrings: 0x0c,
  offMemRsvmap: 0x10,
  version: 0x14,
  lastCompVersion: 0x18,
  bootCpuidPhys: 0x1c,
  sizeDtStrings: 0x20,
  sizeDtStruct: 0x24,
} as const;

/** fdt_header_size_(): v1 = 28, v2 = 32, v3..v16 = 36, v17+ = 40 bytes. */
export function fdtHeaderSize(version: number): number {
  if (version <= 1) return 28;
  if (version <= 2) return 32;
  if (version <= 16) return 36;
  return 40;
}
