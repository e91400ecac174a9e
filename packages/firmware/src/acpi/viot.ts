import { FirmwareError } from '../errors.js';
import { LeBytes, tableNodeName } from './bytes.js';
import { toPlain } from './iort.js';
import { printableSig, readAcpiTable, type AcpiTable, type AcpiTableHeader } from './table.js';
import type { AcpiWarning } from './warnings.js';

/** VIOT node types (actbl3.h: enum acpi_viot_node_type). */
export const VIOT_NODE = { PCI_RANGE: 1, MMIO: 2, VIRTIO_IOMMU_PCI: 3, VIRTIO_IOMMU_MMIO: 4 } as const;
/** Size of the VIOT table header. */
export const VIOT_HEADER_SIZE = 48;
/** Size of a VIOT node header. */
export const VIOT_NODE_HEADER_SIZE = 4;
/** Size of an endpoint node (PCI range, MMIO endpoint). */
export const VIOT_ENDPOINT_NODE_SIZE = 24;
/** Size of an IOMMU node (virtio-pci, virtio-mmio). */
export const VIOT_IOMMU_NODE_SIZE = 16;

/** What every VIOT node has. */
export interface ViotNodeCommon {
  /** Byte offset in the table (what `output node` fields hold). */
  readonly offset: number;
  /** `VIOT@0x30`. */
  readonly name: string;
  /** Type byte. */
  readonly type: number;
  /** Reserved byte after the type. */
  readonly reserved: number;
  /** Length of the node. */
  readonly length: number;
}

/** Type 1: a range of PCI endpoints. */
export interface ViotPciRangeNode extends ViotNodeCommon {
  /** Discriminant. */
  readonly kind: 'pciRange';
  /** Endpoint ID of the first BDF of the first segment. */
  readonly endpointStart: number;
  /** First PCI segment. */
  readonly segmentStart: number;
  /** Last PCI segment (inclusive). */
  readonly segmentEnd: number;
  /** First BDF. */
  readonly bdfStart: number;
  /** Last BDF (inclusive). */
  readonly bdfEnd: number;
  /** Table offset of the IOMMU node. */
  readonly outputNode: number;
}

/** Type 2: one MMIO endpoint. */
export interface ViotMmioNode extends ViotNodeCommon {
  /** Discriminant. */
  readonly kind: 'mmio';
  /** Endpoint ID. */
  readonly endpoint: number;
  /** Base address of the endpoint's registers. */
  readonly baseAddress: bigint;
  /** Table offset of the IOMMU node. */
  readonly outputNode: number;
}

/** Type 3: virtio-iommu on PCI. */
export interface ViotVirtioPciNode extends ViotNodeCommon {
  /** Discriminant. */
  readonly kind: 'virtioPci';
  /** PCI segment. */
  readonly segment: number;
  /** BDF of the IOMMU function. */
  readonly bdf: number;
}

/** Type 4: virtio-iommu on virtio-mmio. */
export interface ViotVirtioMmioNode extends ViotNodeCommon {
  /** Discriminant. */
  readonly kind: 'virtioMmio';
  /** Base address of the virtio-mmio transport. */
  readonly baseAddress: bigint;
}

/** A reserved node type. */
export interface ViotUnknownNode extends ViotNodeCommon {
  /** Discriminant. */
  readonly kind: 'unknown';
}

/** Any VIOT node. */
export type ViotNode = ViotPciRangeNode | ViotMmioNode | ViotVirtioPciNode | ViotVirtioMmioNode | ViotUnknownNode;

/**
 * A decoded VIOT (actbl3.h, VIOT version 1). `nodes` is the node array as
 * far as it is well formed (each header inside the table, Length ≥ 4);
 * {@link acpiViotInit} applies Linux's parsing rules to it.
 */
export class Viot {
  /** The file the table came from. */
  readonly file: string;
  /** The common ACPI header. */
  readonly header: AcpiTableHeader;
  /** Node count. */
  readonly nodeCount: number;
  /** Offset of the first node. */
  readonly nodeOffset: number;
  /** The 8 reserved bytes. */
  readonly reserved: bigint;
  /** The table's bytes. */
  readonly bytes: Uint8Array;
  /** Checksum warnings of the table. */
  readonly tableWarnings: readonly AcpiWarning[];
  /** Well-formed nodes in table order. */
  readonly nodes: readonly ViotNode[];
  readonly #r: LeBytes;
  readonly #cache = new Map<number, ViotNode>();

  /** Decodes `table` (which must be a VIOT of at least 48 bytes). */
  constructor(table: AcpiTable) {
    if (table.header === null || table.signature !== 'VIOT') {
      throw new FirmwareError('badSignature', { file: table.file, offset: 0, message: `expected a VIOT table, found [${printableSig(table.signature)}]` });
    }
    if (table.bytes.length < VIOT_HEADER_SIZE) {
      throw new FirmwareError('badLength', { file: table.file, offset: 4, message: `VIOT Length ${table.bytes.length} is less than its fixed header (${VIOT_HEADER_SIZE} bytes)` });
    }
    this.file = table.file;
    this.header = table.header;
    this.bytes = table.bytes;
    this.tableWarnings = table.warnings;
    this.#r = new LeBytes(table.bytes);
    this.nodeCount = this.#r.u16(36);
    this.nodeOffset = this.#r.u16(38);
    this.reserved = this.#r.u64(40);
    const nodes: ViotNode[] = [];
    let pos = this.nodeOffset;
    for (let i = 0; i < this.nodeCount; i++) {
      if (!this.headerInBounds(pos)) break;
      const n = this.nodeAt(pos);
      nodes.push(n);
      if (n.length < VIOT_NODE_HEADER_SIZE) break;
      pos += n.length;
    }
    this.nodes = nodes;
  }

  /** Table length. */
  get length(): number {
    return this.bytes.length;
  }

  /** viot.c: viot_check_bounds() without the length test: the 4-byte header lies in [max(48, nodeOffset), Length). */
  headerInBounds(pos: number): boolean {
    return pos >= Math.max(VIOT_HEADER_SIZE, this.nodeOffset) && pos + VIOT_NODE_HEADER_SIZE <= this.bytes.length;
  }

  /** The node at table offset `off` (fields past the table end read as 0). */
  nodeAt(off: number): ViotNode {
    let n = this.#cache.get(off);
    if (n === undefined) {
      n = this.#decode(off);
      this.#cache.set(off, n);
    }
    return n;
  }

  #decode(off: number): ViotNode {
    const r = this.#r;
    const common: ViotNodeCommon = { offset: off, name: tableNodeName('VIOT', off), type: r.u8(off), reserved: r.u8(off + 1), length: r.u16(off + 2) };
    switch (common.type) {
      case VIOT_NODE.PCI_RANGE:
        return Object.assign(common, { kind: 'pciRange' as const, endpointStart: r.u32(off + 4), segmentStart: r.u16(off + 8), segmentEnd: r.u16(off + 10),
          bdfStart: r.u16(off + 12), bdfEnd: r.u16(off + 14), outputNode: r.u16(off + 16),
        });
      case VIOT_NODE.MMIO:
        return Object.assign(common, { kind: 'mmio' as const, endpoint: r.u32(off + 4), baseAddress: r.u64(off + 8), outputNode: r.u16(off + 16) });
      case VIOT_NODE.VIRTIO_IOMMU_PCI:
        return Object.assign(common, { kind: 'virtioPci' as const, segment: r.u16(off + 4), bdf: r.u16(off + 6) });
      case VIOT_NODE.VIRTIO_IOMMU_MMIO:
        return Object.assign(common, { kind: 'virtioMmio' as const, baseAddress: r.u64(off + 8) });
      default:
        return Object.assign(common, { kind: 'unknown' as const });
    }
  }

  /** Plain JSON form: bigints as `0x` hex strings. */
  toJSON(): unknown {
    return toPlain({ file: this.file, header: this.header, nodeCount: this.nodeCount, nodeOffset: this.nodeOffset, reserved: this.reserved, nodes: this.nodes });
  }
}

/** Reads and decodes a VIOT from one binary table. */
export function decodeViot(bytes: Uint8Array, file: string): Viot {
  return new Viot(readAcpiTable(bytes, file, 0, VIOT_HEADER_SIZE));
}
