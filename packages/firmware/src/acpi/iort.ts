import { FirmwareError } from '../errors.js';
import { hex, LeBytes, tableNodeName } from './bytes.js';
import {
  IORT_HEADER_SIZE, IORT_ID_MAPPING_SIZE, IORT_ID_SINGLE_MAPPING, IORT_NODE, IORT_NODE_HEADER_SIZE,
  type IortIdMapping, type IortMemoryAccess, type IortNode, type IortNodeCommon,
} from './iort-types.js';
import { printableSig, readAcpiTable, type AcpiTable, type AcpiTableHeader } from './table.js';
import type { AcpiWarning } from './warnings.js';

/** Why the node walk (iort_scan_node(), iort_init_platform_devices()) ended. */
export type IortWalkEnd =
  | 'complete'      // all `nodeCount` nodes visited
  | 'overflow'      // a node pointer reached the table end: Linux logs and stops
  | 'outOfTable'    // a node header or Length runs past the end (simulation rule: stop)
  | 'zeroLength';   // a node of Length 0: Linux revisits it for every remaining count

/** The result of walking the node array as Linux does. */
export interface IortWalk {
  /** Nodes reached, in walk order, each once. */
  readonly nodes: readonly IortNode[];
  /** Why the walk ended. */
  readonly end: IortWalkEnd;
  /** Offset at which it ended (the overflowing pointer, the out-of-table or zero-length node). */
  readonly endOffset: number;
  /** Iterations Linux still had left when the walk ended. */
  readonly remaining: number;
}

/**
 * A decoded IORT (actbl2.h; ARM DEN 0049). Decoding never throws for
 * content Linux tolerates: nodes are decoded lazily by offset (output
 * references may point anywhere), and the node walk is done once, with
 * Linux's stop rules.
 */
export class Iort {
  /** The file the table came from. */
  readonly file: string;
  /** The common ACPI header. */
  readonly header: AcpiTableHeader;
  /** Number of nodes as stored. */
  readonly nodeCount: number;
  /** Offset of the first node. */
  readonly nodeOffset: number;
  /** Reserved word at offset 44. */
  readonly reserved: number;
  /** The table's bytes. */
  readonly bytes: Uint8Array;
  /** Checksum warnings of the table. */
  readonly tableWarnings: readonly AcpiWarning[];
  /** The node walk. */
  readonly walk: IortWalk;
  readonly #r: LeBytes;
  readonly #cache = new Map<number, IortNode | null>();

  /** Decodes `table` (which must be an IORT of at least 48 bytes). */
  constructor(table: AcpiTable) {
    if (table.header === null || table.signature !== 'IORT') {
      throw new FirmwareError('badSignature', {
        file: table.file, offset: 0,
        message: `expected an IORT table, found [${printableSig(table.signature)}]`,
      });
    }
    if (table.bytes.length < IORT_HEADER_SIZE) {
      throw new FirmwareError('badLength', {
        file: table.file, offset: 4,
        message: `IORT Length ${table.bytes.length} is less than its fixed header (${IORT_HEADER_SIZE} bytes)`,
      });
    }
    this.file = table.file;
    this.header = table.header;
    this.bytes = table.bytes;
    this.tableWarnings = table.warnings;
    this.#r = new LeBytes(table.bytes);
    this.nodeCount = this.#r.u32(36);
    this.nodeOffset = this.#r.u32(40);
    this.reserved = this.#r.u32(44);
    this.walk = this.#walk();
  }

  /** Table length. */
  get length(): number {
    return this.bytes.length;
  }

  /** Table revision (0, 3, 5, ...). */
  get revision(): number {
    return this.header.revision;
  }

  /** Nodes reached by the walk. */
  get nodes(): readonly IortNode[] {
    return this.walk.nodes;
  }

  /**
   * The node at table offset `offset`, as Linux would see it through an
   * output reference (ACPI_ADD_PTR(iort_table, ref)); null if its 16-byte
   * header is not inside the table (simulation rule: a failed reference).
   */
  nodeAt(offset: number): IortNode | null {
    const hit = this.#cache.get(offset);
    if (hit !== undefined) return hit;
    const node = this.#r.has(offset, IORT_NODE_HEADER_SIZE) ? decodeNode(this.#r, offset) : null;
    this.#cache.set(offset, node);
    return node;
  }

  /** Plain JSON form: bigints as `0x` hex strings. */
  toJSON(): unknown {
    return toPlain({
      file: this.file, header: this.header, nodeCount: this.nodeCount, nodeOffset: this.nodeOffset,
      reserved: this.reserved, walkEnd: this.walk.end, nodes: this.walk.nodes,
    });
  }

  // iort.c: the loop shared by iort_scan_node() and iort_init_platform_devices().
  #walk(): IortWalk {
    const nodes: IortNode[] = [];
    let pos = this.nodeOffset;
    const len = this.bytes.length;
    // Every iteration either stops or advances pos by at least one byte
    // while pos < len, so there are at most min(nodeCount, len) iterations.
    for (let i = 0; i < this.nodeCount; i++) {
      const remaining = this.nodeCount - i;
      if (pos >= len) return { nodes, end: 'overflow', endOffset: pos, remaining };
      const node = this.nodeAt(pos);
      if (node === null || node.length > len - pos) return { nodes, end: 'outOfTable', endOffset: pos, remaining };
      nodes.push(node);
      if (node.length === 0) return { nodes, end: 'zeroLength', endOffset: pos, remaining: remaining - 1 };
      pos += node.length;
    }
    return { nodes, end: 'complete', endOffset: pos, remaining: 0 };
  }
}

/** Reads and decodes an IORT from one binary table (`Length` 48 or more, fitting the buffer). */
export function decodeIort(bytes: Uint8Array, file: string): Iort {
  return new Iort(readAcpiTable(bytes, file, 0, IORT_HEADER_SIZE));
}

/** The walk-end warnings a caller of the node walk would log, or none. */
export function iortWalkWarnings(iort: Iort, context: 'init' | 'scan'): AcpiWarning[] {
  const w = iort.walk;
  const file = iort.file;
  switch (w.end) {
    case 'complete':
      return [];
    case 'overflow':
      return [context === 'init'
        // iort_init_platform_devices(): pr_err()
        ? { file, offset: w.endOffset, level: 'err', source: 'linux', message: 'ACPI: IORT: iort node pointer overflows, bad table' }
        // iort_scan_node(): WARN_TAINT(..., TAINT_FIRMWARE_WORKAROUND, ...)
        : { file, offset: w.endOffset, level: 'warn', source: 'linux', message: 'IORT node pointer overflows, bad table!' }];
    case 'outOfTable':
      return [{
        file, offset: w.endOffset, level: 'err', source: 'kdsim',
        message: `IORT node at ${hex(w.endOffset)} runs past the table end (${hex(iort.length)}); Linux would read it out of bounds, the walk stops here`,
      }];
    case 'zeroLength':
      return [{
        file, offset: w.endOffset, level: 'err', source: 'kdsim',
        message: `IORT node at ${hex(w.endOffset)} has Length 0; Linux revisits it ${w.remaining} more times and never reaches a later node`,
      }];
  }
}

function memoryAccess(r: LeBytes, at: number): IortMemoryAccess {
  const memoryFlags = r.u8(at + 7);
  return {
    cca: r.u32(at), allocationHints: r.u8(at + 4), memoryFlags,
    cpm: (memoryFlags & 1) !== 0, dacs: (memoryFlags & 2) !== 0, canwbs: (memoryFlags & 4) !== 0,
  };
}

// Entries of a counted array at `at` that fit in the table.
function fitting(r: LeBytes, at: number, count: number, size: number): number {
  if (at < 0 || at >= r.length) return 0;
  return Math.min(count, Math.floor((r.length - at) / size));
}

function decodeNode(r: LeBytes, off: number): IortNode {
  const type = r.u8(off);
  const length = r.u16(off + 1);
  const mappingCount = r.u32(off + 8);
  const mappingOffset = r.u32(off + 12);
  const mappings: IortIdMapping[] = [];
  if (mappingOffset !== 0) {
    const base = off + mappingOffset;
    const n = fitting(r, base, mappingCount, IORT_ID_MAPPING_SIZE);
    for (let i = 0; i < n; i++) {
      const m = base + i * IORT_ID_MAPPING_SIZE;
      const flags = r.u32(m + 16);
      mappings.push({
        offset: m, inputBase: r.u32(m), idCount: r.u32(m + 4), outputBase: r.u32(m + 8),
        outputReference: r.u32(m + 12), flags, singleMapping: (flags & IORT_ID_SINGLE_MAPPING) !== 0,
      });
    }
  }
  // Object.assign(common(...), {...}) rather than object spread: V8 clones spread objects slowly.
  const common = (fixedEnd: number): IortNodeCommon => ({
    offset: off, name: tableNodeName('IORT', off), type, length, revision: r.u8(off + 3), identifier: r.u32(off + 4),
    mappingCount, mappingOffset, mappings, fixedPartTruncated: length < fixedEnd,
  });
  const d = off + IORT_NODE_HEADER_SIZE;
  switch (type) {
    case IORT_NODE.ITS_GROUP: {
      const itsCount = r.u32(d);
      const n = fitting(r, d + 4, itsCount, 4);
      const identifiers: number[] = [];
      for (let i = 0; i < n; i++) identifiers.push(r.u32(d + 4 + 4 * i));
      return Object.assign(common(20), { kind: 'itsGroup' as const, itsCount, identifiers });
    }
    case IORT_NODE.NAMED_COMPONENT: {
      const nodeFlags = r.u32(d);
      return Object.assign(common(29), { kind: 'namedComponent' as const, nodeFlags, stallSupported: (nodeFlags & 1) !== 0,
        pasidBits: (nodeFlags >>> 1) & 0x1f, memory: memoryAccess(r, d + 4), memoryAddressLimit: r.u8(d + 12),
        deviceName: r.cstring(d + 13, r.length),
      });
    }
    case IORT_NODE.PCI_ROOT_COMPLEX: {
      const rev = r.u8(off + 3);
      const ats = r.u32(d + 8);
      return Object.assign(common(rev >= 4 ? 36 : rev >= 1 ? 33 : 32), { kind: 'rootComplex' as const, memory: memoryAccess(r, d), atsAttribute: ats,
        atsSupported: (ats & 1) !== 0, priSupported: (ats & 2) !== 0, pasidForwarding: (ats & 4) !== 0,
        pciSegment: r.u32(d + 12), memoryAddressLimit: rev >= 1 ? r.u8(d + 16) : null,
        pasidCapabilities: rev >= 4 ? r.u16(d + 17) : null,
      });
    }
    case IORT_NODE.SMMU: {
      const flags = r.u32(d + 20);
      const g = off + r.u32(d + 24);
      const contextInterruptCount = r.u32(d + 28);
      const contextInterruptOffset = r.u32(d + 32);
      const pmuInterruptCount = r.u32(d + 36);
      const pmuInterruptOffset = r.u32(d + 40);
      const irqs = (rel: number, count: number): { gsiv: number; flags: number }[] => {
        const at = off + rel;
        const out: { gsiv: number; flags: number }[] = [];
        const n = fitting(r, at, count, 8);
        for (let i = 0; i < n; i++) out.push({ gsiv: r.u32(at + 8 * i), flags: r.u32(at + 8 * i + 4) });
        return out;
      };
      return Object.assign(common(60), { kind: 'smmu' as const, baseAddress: r.u64(d), span: r.u64(d + 8), model: r.u32(d + 16), flags,
        dvm: (flags & 1) !== 0, coherentWalk: (flags & 2) !== 0,
        globalInterruptOffset: r.u32(d + 24), contextInterruptCount, contextInterruptOffset, pmuInterruptCount, pmuInterruptOffset,
        globalInterrupts: { nsgIrpt: r.u32(g), nsgIrptFlags: r.u32(g + 4), nsgCfgIrpt: r.u32(g + 8), nsgCfgIrptFlags: r.u32(g + 12) },
        contextInterrupts: irqs(contextInterruptOffset, contextInterruptCount),
        pmuInterrupts: irqs(pmuInterruptOffset, pmuInterruptCount),
      });
    }
    case IORT_NODE.SMMU_V3: {
      const flags = r.u32(d + 8);
      return Object.assign(common(r.u8(off + 3) >= 1 ? 68 : 60), { kind: 'smmuV3' as const, baseAddress: r.u64(d), flags,
        cohaccOverride: (flags & 1) !== 0, httuOverride: (flags >>> 1) & 3, pxmValid: (flags & 8) !== 0,
        deviceIdValid: (flags & 16) !== 0, vatosAddress: r.u64(d + 16), model: r.u32(d + 24),
        eventGsiv: r.u32(d + 28), priGsiv: r.u32(d + 32), gerrGsiv: r.u32(d + 36), syncGsiv: r.u32(d + 40),
        pxm: r.u32(d + 44), idMappingIndex: r.u32(d + 48),
      });
    }
    case IORT_NODE.PMCG: {
      const rev = r.u8(off + 3);
      return Object.assign(common(rev >= 1 ? 40 : 32), { kind: 'pmcg' as const, page0Base: r.u64(d), overflowGsiv: r.u32(d + 8),
        nodeReference: r.u32(d + 12), page1Base: rev >= 1 ? r.u64(d + 16) : null,
      });
    }
    case IORT_NODE.RMR: {
      const flags = r.u32(d);
      const descriptorCount = r.u32(d + 4);
      const descriptorOffset = r.u32(d + 8);
      const at = off + descriptorOffset;
      const n = descriptorOffset === 0 ? 0 : fitting(r, at, descriptorCount, 20);
      const descriptors = [];
      for (let i = 0; i < n; i++) {
        const p = at + 20 * i;
        descriptors.push({ offset: p, baseAddress: r.u64(p), length: r.u64(p + 8) });
      }
      return Object.assign(common(28), { kind: 'rmr' as const, flags, remapPermitted: (flags & 1) !== 0, privilegedAccess: (flags & 2) !== 0,
        accessAttributes: (flags >>> 2) & 0xff, descriptorCount, descriptorOffset, descriptors,
      });
    }
    case IORT_NODE.IWB:
      return Object.assign(common(27), { kind: 'iwb' as const, configFrameBase: r.u64(d), iwbIndex: r.u16(d + 8),
        deviceName: r.cstring(d + 10, r.length),
      });
    default:
      return Object.assign(common(16), { kind: 'unknown' as const });
  }
}

/** Deep copy with bigints turned into `0x` hex strings (JSON cannot hold bigints). */
export function toPlain(v: unknown): unknown {
  if (typeof v === 'bigint') return '0x' + v.toString(16);
  if (Array.isArray(v)) return v.map(toPlain);
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = toPlain(x);
    return o;
  }
  return v;
}
