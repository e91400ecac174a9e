import { LeBytes } from './bytes.js';
import { iaslAcpiHeader, iaslBanner, iaslRawData, IaslWriter } from './print.js';
import { VIOT_NODE, VIOT_NODE_HEADER_SIZE, type Viot } from './viot.js';

type VField = readonly [rel: number, len: 1 | 2 | 4 | 6 | 8, name: string];

// ACPICA dmtbinfo3.c: AcpiDmTableInfoViot1..4; dmtable.c: AcpiDmViotSubnames.
const VIOT_FIELDS: Readonly<Record<number, readonly VField[]>> = {
  [VIOT_NODE.PCI_RANGE]: [
    [4, 4, 'Endpoint start'], [8, 2, 'PCI Segment start'], [10, 2, 'PCI Segment end'], [12, 2, 'PCI BDF start'],
    [14, 2, 'PCI BDF end'], [16, 2, 'Output node'], [18, 6, 'Reserved'],
  ],
  [VIOT_NODE.MMIO]: [[4, 4, 'Endpoint'], [8, 8, 'Base address'], [16, 2, 'Output node'], [18, 6, 'Reserved']],
  [VIOT_NODE.VIRTIO_IOMMU_PCI]: [[4, 2, 'PCI Segment'], [6, 2, 'PCI BDF number'], [8, 8, 'Reserved']],
  [VIOT_NODE.VIRTIO_IOMMU_MMIO]: [[4, 4, 'Reserved'], [8, 8, 'Base address']],
};
const VIOT_SUBNAMES = ['Unknown Subtable Type', 'PCI Range', 'MMIO Endpoint', 'VirtIO-PCI IOMMU', 'VirtIO-MMIO IOMMU'];

function readField(r: LeBytes, at: number, len: VField[1]): bigint {
  if (len === 8) return r.u64(at);
  if (len === 6) return BigInt(r.u32(at)) | (BigInt(r.u16(at + 4)) << 32n);
  return BigInt(len === 4 ? r.u32(at) : len === 2 ? r.u16(at) : r.u8(at));
}

/**
 * The VIOT as `iasl -d` of ACPICA 20260408 prints it (20200925 does not know
 * VIOT): node by node from the node offset until the table end, node headers
 * with the type name, then the raw hex dump. A node of Length < 4 ends the
 * listing.
 */
export function printViot(viot: Viot): string {
  const w = new IaslWriter('20260408');
  const r = new LeBytes(viot.bytes);
  iaslBanner(w, viot.file, 'VIOT');
  iaslAcpiHeader(w, viot.header, viot.bytes, 'Virtual I/O Translation Table');
  w.blank();
  w.uint(36, 2, 'Node count', viot.nodeCount);
  w.uint(38, 2, 'Node offset', viot.nodeOffset);
  w.uint(40, 8, 'Reserved', viot.reserved);
  let off = viot.nodeOffset;
  while (off + VIOT_NODE_HEADER_SIZE <= viot.length) {
    const node = viot.nodeAt(off);
    w.blank();
    w.field(off, 1, 'Type', `${node.type.toString(16).toUpperCase().padStart(2, '0')} [${VIOT_SUBNAMES[node.type] ?? 'Unknown Subtable Type'}]`);
    w.uint(off + 1, 1, 'Reserved', node.reserved);
    w.uint(off + 2, 2, 'Length', node.length);
    const fields = VIOT_FIELDS[node.type];
    if (fields === undefined) {
      w.blank();
      w.text(`**** Unknown VIOT node type 0x${node.type.toString(16).toUpperCase()}`);
    } else {
      w.blank();
      for (const [rel, len, name] of fields) {
        if (rel >= node.length) {
          w.text('/**** ACPI subtable terminates early - may be older version (dump table) */');
          break;
        }
        if (off + rel + len > viot.length) {
          w.text('**** ACPI table terminates in the middle of a data structure! (dump table)');
          break;
        }
        w.uint(off + rel, len, name, readField(r, off + rel, len));
      }
    }
    if (node.length < VIOT_NODE_HEADER_SIZE) break;
    off += node.length;
  }
  iaslRawData(w, viot.bytes);
  return w.toString();
}
