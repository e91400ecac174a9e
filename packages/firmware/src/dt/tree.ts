/**
 * The device-tree model shared by the FDT decoder and encoder, the DTS
 * compiler and printer: nodes with raw properties in blob order. It is what
 * Linux's unflattened tree holds before `of_core_init()` — no `name`
 * property is synthesised here (the live tree in `of.ts` does that).
 * Trees are immutable by contract: every field is read-only and nothing in
 * this package changes a tree once built.
 */

/** One property: its name and raw value bytes (never mutate `value`). */
export interface DtProperty {
  /** Property name, one char per byte (latin1) as stored in the strings block. */
  readonly name: string;
  /** Raw big-endian value bytes. */
  readonly value: Uint8Array;
}

/** One node of a {@link DeviceTree}. */
export interface DtNode {
  /** Node name incl. unit address (`cpu@0`); the root's is `''`. One char per byte. */
  readonly name: string;
  /** Properties in blob order. */
  readonly properties: readonly DtProperty[];
  /** Children in blob order. */
  readonly children: readonly DtNode[];
  /**
   * The node's phandle as Linux derives it (0 when none): fdt.c:
   * populate_properties() takes the first non-zero 4-byte `phandle` or
   * `linux,phandle`, and any `ibm,phandle` overrides.
   */
  readonly phandle: number;
}

/** One `/memreserve/` entry (u64 address and size). */
export interface DtMemReserve {
  /** Start address. */
  readonly address: bigint;
  /** Length in bytes. */
  readonly size: bigint;
}

/** A tolerated defect, worded like the kernel's message where one exists. */
export interface DtWarning {
  /** The file the tree came from. */
  readonly file: string;
  /** Byte offset in the blob, for FDT input. */
  readonly offset?: number;
  /** Node path the warning is about. */
  readonly path?: string;
  /** What was found. */
  readonly message: string;
}

/** A whole device tree: header fields, reservations, root node and decode warnings. */
export interface DeviceTree {
  /** Where it came from (a file name or a caller-chosen label). */
  readonly file: string;
  /** FDT `version` (17 for compiled trees). */
  readonly version: number;
  /** FDT `last_comp_version` (16 for compiled trees). */
  readonly lastCompVersion: number;
  /** FDT `boot_cpuid_phys`. */
  readonly bootCpuidPhys: number;
  /** Memory reservations in order. */
  readonly memreserve: readonly DtMemReserve[];
  /** The root node (name `''`). */
  readonly root: DtNode;
  /** Tolerated defects met while decoding, in blob order. */
  readonly warnings: readonly DtWarning[];
}

const PHANDLE = 'phandle';
const LINUX_PHANDLE = 'linux,phandle';
const IBM_PHANDLE = 'ibm,phandle';

/** Reads the big-endian u32 at `off` of `b` (caller checks bounds). */
export function be32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

/**
 * fdt.c: populate_properties(): the phandle Linux gives a node with these
 * properties. A phandle property that is not exactly 4 bytes is ignored
 * (simulation rule; Linux would read 4 bytes blindly).
 */
export function phandleOf(properties: readonly DtProperty[]): number {
  let ph = 0;
  for (const p of properties) {
    if (p.value.length !== 4) continue;
    if (p.name === PHANDLE || p.name === LINUX_PHANDLE) {
      if (ph === 0) ph = be32(p.value, 0);
    } else if (p.name === IBM_PHANDLE) {
      ph = be32(p.value, 0);
    }
  }
  return ph;
}

/** True for the property names Linux reads a phandle from. */
export function isPhandleProperty(name: string): boolean {
  return name === PHANDLE || name === LINUX_PHANDLE || name === IBM_PHANDLE;
}

/** Builds a node (read-only by type; the arrays are copied); its phandle is derived from `properties`. */
export function dtNode(name: string, properties: readonly DtProperty[], children: readonly DtNode[]): DtNode {
  return { name, properties: [...properties], children: [...children], phandle: phandleOf(properties) };
}

/** Builds a property (the bytes are not copied). */
export function dtProperty(name: string, value: Uint8Array): DtProperty {
  return { name, value };
}

/** Options of {@link deviceTree}. */
export interface DeviceTreeFields {
  /** See {@link DeviceTree.file}; default `'<tree>'`. */
  readonly file?: string;
  /** Default 17. */
  readonly version?: number;
  /** Default 16. */
  readonly lastCompVersion?: number;
  /** Default 0. */
  readonly bootCpuidPhys?: number;
  /** Default none. */
  readonly memreserve?: readonly DtMemReserve[];
  /** Default none. */
  readonly warnings?: readonly DtWarning[];
}

/** Builds an immutable {@link DeviceTree} around `root`. */
export function deviceTree(root: DtNode, fields: DeviceTreeFields = {}): DeviceTree {
  return Object.freeze({
    file: fields.file ?? '<tree>',
    version: fields.version ?? 17,
    lastCompVersion: fields.lastCompVersion ?? 16,
    bootCpuidPhys: fields.bootCpuidPhys ?? 0,
    memreserve: Object.freeze([...(fields.memreserve ?? [])]),
    root,
    warnings: Object.freeze([...(fields.warnings ?? [])]),
  });
}

/** Finds a property of `node` by name (the first one, as of_find_property() does). */
export function dtGetProperty(node: DtNode, name: string): DtProperty | undefined {
  for (const p of node.properties) if (p.name === name) return p;
  return undefined;
}

/** Joins a parent path and a child name the way dtc and Linux print full paths. */
export function joinPath(parent: string, name: string): string {
  return parent.endsWith('/') ? parent + name : `${parent}/${name}`;
}

/**
 * Depth-first pre-order walk (node before its children), the order Linux's
 * for_each_of_allnodes() and dtc's checks visit nodes in. Iterative, so deep
 * trees cannot overflow the stack.
 */
export function* dtWalk(root: DtNode): Generator<{ node: DtNode; path: string; depth: number }> {
  const stack: { node: DtNode; path: string; depth: number }[] = [{ node: root, path: '/', depth: 0 }];
  while (stack.length > 0) {
    const cur = stack.pop()!;
    yield cur;
    for (let i = cur.node.children.length - 1; i >= 0; i--) {
      const c = cur.node.children[i]!;
      stack.push({ node: c, path: joinPath(cur.path, c.name), depth: cur.depth + 1 });
    }
  }
}

/** Decodes bytes one char per byte (names and strings keep their exact bytes). */
export function latin1(b: Uint8Array, start = 0, end = b.length): string {
  let s = '';
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(null, b.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  }
  return s;
}

/** Encodes a one-char-per-byte string back to bytes (chars above 0xFF keep their low byte). */
export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}
