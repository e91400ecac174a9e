import { LeBytes } from './bytes.js';
import type { Iort } from './iort.js';
import { IORT_HEADER_SIZE, IORT_NODE } from './iort-types.js';
import { iaslAcpiHeader, iaslBanner, iaslRawData, IaslWriter } from './print.js';

type Field =
  | { readonly off: number; readonly len: 1 | 2 | 3 | 4 | 8; readonly name: string; readonly flags?: readonly (readonly [string, number])[] }
  | { readonly off: number; readonly len: 'mem'; readonly name: string };

const u = (off: number, len: 1 | 2 | 3 | 4 | 8, name: string, flags?: readonly (readonly [string, number])[]): Field =>
  flags === undefined ? { off, len, name } : { off, len, name, flags };

// ACPICA dmtbinfo2.c (20200925): AcpiDmTableInfoIortHdr, Iort0..Iort5, IortMap, Iort6 (later versions).
const NODE_HEADER: readonly Field[] = [
  u(0, 1, 'Type'), u(1, 2, 'Length'), u(3, 1, 'Revision'), u(4, 4, 'Reserved'), u(8, 4, 'Mapping Count'), u(12, 4, 'Mapping Offset'),
];
const MEM: Field = { off: 0, len: 'mem', name: 'Memory Properties' };
const TYPE_FIELDS: Readonly<Record<number, readonly Field[]>> = {
  [IORT_NODE.ITS_GROUP]: [u(0, 4, 'ItsCount')],
  [IORT_NODE.NAMED_COMPONENT]: [u(0, 4, 'Node Flags'), { ...MEM, off: 4 }, u(12, 1, 'Memory Size Limit')],
  [IORT_NODE.PCI_ROOT_COMPLEX]: [MEM, u(8, 4, 'ATS Attribute'), u(12, 4, 'PCI Segment Number'), u(16, 1, 'Memory Size Limit'), u(17, 3, 'Reserved')],
  [IORT_NODE.SMMU]: [
    u(0, 8, 'Base Address'), u(8, 8, 'Span'), u(16, 4, 'Model'), u(20, 4, 'Flags (decoded below)', [['DVM Supported', 0], ['Coherent Walk', 1]]),
    u(24, 4, 'Global Interrupt Offset'), u(28, 4, 'Context Interrupt Count'), u(32, 4, 'Context Interrupt Offset'),
    u(36, 4, 'PMU Interrupt Count'), u(40, 4, 'PMU Interrupt Offset'),
  ],
  [IORT_NODE.SMMU_V3]: [
    u(0, 8, 'Base Address'), u(8, 4, 'Flags (decoded below)', [['COHACC Override', 0], ['HTTU Override', 1], ['Proximity Domain Valid', 3]]),
    u(12, 4, 'Reserved'), u(16, 8, 'VATOS Address'), u(24, 4, 'Model'), u(28, 4, 'Event GSIV'), u(32, 4, 'PRI GSIV'),
    u(36, 4, 'GERR GSIV'), u(40, 4, 'Sync GSIV'), u(44, 4, 'Proximity Domain'), u(48, 4, 'Device ID Mapping Index'),
  ],
  [IORT_NODE.PMCG]: [u(0, 8, 'Page 0 Base Address'), u(8, 4, 'Overflow Interrupt GSIV'), u(12, 4, 'Node Reference'), u(16, 8, 'Page 1 Base Address')],
  [IORT_NODE.RMR]: [
    u(0, 4, 'Flags (decoded below)', [['Remapping Permitted', 0], ['Access Privileged', 1]]),
    u(4, 4, 'Number of RMR Descriptors'), u(8, 4, 'RMR Descriptor Offset'),
  ],
  [IORT_NODE.IWB]: [u(0, 8, 'Base Address'), u(8, 2, 'IWB Index')],
};
const SMMU_GLOBAL: readonly Field[] = [
  u(0, 4, 'NSgIrpt'), u(4, 4, 'NSgIrpt Flags (decoded below)', [['Edge Triggered', 0]]),
  u(8, 4, 'NSgCfgIrpt'), u(12, 4, 'NSgCfgIrpt Flags (decoded below)', [['Edge Triggered', 0]]),
];
const ID_MAPPING: readonly Field[] = [
  u(0, 4, 'Input base'), u(4, 4, 'ID Count'), u(8, 4, 'Output Base'), u(12, 4, 'Output Reference'),
  u(16, 4, 'Flags (decoded below)', [['Single Mapping', 0]]),
];
const RMR_DESC: readonly Field[] = [u(0, 8, 'Base Address of RMR'), u(8, 8, 'Length of RMR'), u(16, 4, 'Reserved')];

class Dumper {
  stopped = false;

  constructor(readonly w: IaslWriter, readonly r: LeBytes) {}

  // dmtable.c: AcpiDmDumpTable() — `subLen` bounds the subtable like iasl's Length argument.
  fields(base: number, fields: readonly Field[], subLen?: number): void {
    for (const f of fields) {
      if (this.stopped) return;
      if (subLen !== undefined && f.off >= subLen) {
        this.w.text('/**** ACPI subtable terminates early - may be older version (dump table) */');
        return;
      }
      const at = base + f.off;
      const size = f.len === 'mem' ? 8 : f.len;
      if (at + size > this.r.length) {
        this.w.text('**** ACPI table terminates in the middle of a data structure! (dump table)');
        this.stopped = true;
        return;
      }
      if (f.len === 'mem') {
        this.memory(at);
        continue;
      }
      const v = f.len === 8 ? this.r.u64(at) : f.len === 4 ? this.r.u32(at) : f.len === 3 ? this.r.u24(at) : f.len === 2 ? this.r.u16(at) : this.r.u8(at);
      this.w.uint(at, f.len, f.name, v);
      for (const [name, bit] of f.flags ?? []) this.w.flag(name, Number((BigInt(v) >> BigInt(bit)) & 1n));
    }
  }

  // dmtable.c: ACPI_DMT_IORTMEM (AcpiDmTableInfoIortAcc)
  memory(at: number): void {
    const w = this.w;
    w.field(at, 8, 'Memory Properties', '[IORT Memory Access Properties]');
    w.uint(at, 4, 'Cache Coherency', this.r.u32(at));
    const hints = this.r.u8(at + 4);
    w.uint(at + 4, 1, 'Hints (decoded below)', hints);
    for (const [n, b] of [['Transient', 0], ['Write Allocate', 1], ['Read Allocate', 2], ['Override', 3]] as const) w.flag(n, (hints >> b) & 1);
    w.uint(at + 5, 2, 'Reserved', this.r.u16(at + 5));
    const mf = this.r.u8(at + 7);
    w.uint(at + 7, 1, 'Memory Flags (decoded below)', mf);
    w.flag('Coherency', mf & 1);
    w.flag('Device Attribute', (mf >> 1) & 1);
  }
}

/**
 * The IORT as `iasl -d` (ACPICA 20200925) prints it: same field names,
 * offsets and layout, node by node until the table end (iasl ignores the
 * node count), then the raw hex dump. RMR nodes use the field names of later
 * ACPICA versions, IWB nodes kdsim's; 20200925 prints both as unknown. A node
 * of Length 0 ends the listing (iasl would loop).
 */
export function printIort(iort: Iort): string {
  const w = new IaslWriter('20200925');
  const r = new LeBytes(iort.bytes);
  const d = new Dumper(w, r);
  iaslBanner(w, iort.file, 'IORT');
  iaslAcpiHeader(w, iort.header, iort.bytes, 'IO Remapping Table');
  w.blank();
  d.fields(0, [u(36, 4, 'Node Count'), u(40, 4, 'Node Offset'), u(44, 4, 'Reserved')]);
  if (iort.nodeOffset > IORT_HEADER_SIZE && iort.nodeOffset <= iort.length) {
    w.buffer(IORT_HEADER_SIZE, 'Optional Padding', iort.bytes.subarray(IORT_HEADER_SIZE, iort.nodeOffset));
  }
  let off = iort.nodeOffset;
  while (off < iort.length && !d.stopped) {
    const node = iort.nodeAt(off);
    w.blank();
    d.fields(off, NODE_HEADER);
    if (node === null || d.stopped) break;
    const fields = TYPE_FIELDS[node.type];
    if (fields === undefined) {
      w.blank();
      w.text(`**** Unknown IORT node type 0x${node.type.toString(16).toUpperCase()}`);
      if (node.length === 0) {
        w.text('Invalid zero length IORT node');
        break;
      }
      off += node.length;
      continue;
    }
    w.blank();
    const data = off + 16;
    switch (node.kind) {
      case 'itsGroup': {
        d.fields(data, fields, 4);
        for (let i = 0; i < node.identifiers.length && !d.stopped; i++) d.fields(data + 4 + 4 * i, [u(0, 4, 'Identifiers')]);
        break;
      }
      case 'namedComponent': {
        d.fields(data, fields, 13);
        const nameLen = node.deviceName.length + 1;
        if (!d.stopped) w.field(data + 13, nameLen, 'Device Name', `"${node.deviceName}"`);
        const used = 16 + 13 + nameLen;
        if (node.length > used && !d.stopped) {
          // iasl computes the padding in u32 and gives up on a zero-length one.
          const pad = (node.length - used - node.mappingCount * 20) >>> 0;
          if (pad === 0) {
            w.text(`${'Padding'.padStart(44)} : /* Zero-length Data */`);
            w.text('Invalid zero length subtable');
            d.stopped = true;
          } else if (off + used + pad > iort.length) {
            w.text('**** ACPI table terminates in the middle of a data structure! (dump table)');
            d.stopped = true;
          } else {
            w.buffer(off + used, 'Padding', iort.bytes.subarray(off + used, off + used + pad));
          }
        }
        break;
      }
      case 'smmu': {
        d.fields(data, fields, 44);
        w.blank();
        d.fields(off + node.globalInterruptOffset, SMMU_GLOBAL, 16);
        for (let i = 0; i < node.contextInterrupts.length && !d.stopped; i++) {
          d.fields(off + node.contextInterruptOffset + 8 * i, [u(0, 8, 'Context Interrupt')]);
        }
        for (let i = 0; i < node.pmuInterrupts.length && !d.stopped; i++) {
          d.fields(off + node.pmuInterruptOffset + 8 * i, [u(0, 8, 'PMU Interrupt')]);
        }
        break;
      }
      case 'rmr': {
        d.fields(data, fields, node.length - 16);
        for (const desc of node.descriptors) {
          if (d.stopped) break;
          w.blank();
          d.fields(desc.offset, RMR_DESC);
        }
        break;
      }
      case 'iwb': {
        d.fields(data, fields, 10);
        if (!d.stopped) w.field(data + 10, node.deviceName.length + 1, 'Device Name', `"${node.deviceName}"`);
        break;
      }
      default:
        d.fields(data, fields, node.length - 16);
    }
    for (const m of node.mappings) {
      if (d.stopped) break;
      w.blank();
      d.fields(m.offset, ID_MAPPING);
    }
    if (node.length === 0) break;
    off += node.length;
  }
  iaslRawData(w, iort.bytes);
  return w.toString();
}
