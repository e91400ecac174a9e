import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, sharedDir } from '@kdsim/testing';
import { LeBytes } from './bytes.js';
import { decodeIort } from './iort.js';
import type { IortIdMapping, IortNode } from './iort-types.js';
import { decodeViot, type ViotNode } from './viot.js';

// One field line of a *.decoded.txt: "[09Ch 0156  4]   Number of IDs (-1)   : 0x000001FF  -> inputs 0x0..0x1FF".
interface DecodedLine {
  readonly offset: number;
  readonly size: number;
  readonly name: string;
  readonly value: string | bigint;
  readonly line: string;
}

function readDecoded(name: string): DecodedLine[] {
  const text = readFileSync(resolve(sharedDir(), 'fixtures/acpi', `${name}.decoded.txt`), 'latin1');
  const out: DecodedLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^\[([0-9A-F]+)h (\d+)\s+(\d+)\]\s+(.*?)\s+: (.*)$/.exec(line);
    if (m === null) continue;
    const raw = (m[5] ?? '').trim();
    const tok = raw.split(/\s+/)[0] ?? '';
    let value: string | bigint;
    if (tok.startsWith('"')) value = /^"(.*)"/.exec(raw)?.[1] ?? '';
    else if (tok.startsWith('0x')) value = BigInt(tok);
    else if (/^[0-9A-Fa-f]{6,}$/.test(tok)) value = BigInt('0x' + tok);
    else value = BigInt(tok);
    out.push({ offset: parseInt(m[1] ?? '0', 16), size: Number(m[3]), name: (m[4] ?? '').trim(), value, line });
  }
  return out;
}

// decoded.txt field names → decoder fields.
const HEADER: Record<string, (h: { signature: string; length: number; revision: number; checksum: number; oemId: string; oemTableId: string; oemRevision: number; creatorId: string; creatorRevision: number }) => unknown> = {
  Signature: (h) => h.signature, Length: (h) => h.length, Revision: (h) => h.revision, Checksum: (h) => h.checksum,
  'OEM ID': (h) => h.oemId, 'OEM Table ID': (h) => h.oemTableId, 'OEM Revision': (h) => h.oemRevision,
  'Creator ID': (h) => h.creatorId, 'Creator Revision': (h) => h.creatorRevision,
};
const IORT_NODE_FIELDS: Record<string, (n: IortNode) => unknown> = {
  Type: (n) => n.type, Length: (n) => n.length, Revision: (n) => n.revision, Identifier: (n) => n.identifier,
  'Number of ID mappings': (n) => n.mappingCount, 'Reference to ID array': (n) => n.mappingOffset,
  'Number of ITSs': (n) => (n.kind === 'itsGroup' ? n.itsCount : undefined),
  'GIC ITS Identifier': (n) => (n.kind === 'itsGroup' ? n.identifiers[0] : undefined),
  'Base Address': (n) => (n.kind === 'smmuV3' ? n.baseAddress : undefined),
  Flags: (n) => (n.kind === 'smmuV3' ? n.flags : undefined),
  'VATOS Address': (n) => (n.kind === 'smmuV3' ? n.vatosAddress : undefined),
  Model: (n) => (n.kind === 'smmuV3' ? n.model : undefined),
  'Event GSIV': (n) => (n.kind === 'smmuV3' ? n.eventGsiv : undefined),
  'PRI GSIV': (n) => (n.kind === 'smmuV3' ? n.priGsiv : undefined),
  'GERR GSIV': (n) => (n.kind === 'smmuV3' ? n.gerrGsiv : undefined),
  'Sync GSIV': (n) => (n.kind === 'smmuV3' ? n.syncGsiv : undefined),
  'Proximity domain': (n) => (n.kind === 'smmuV3' ? n.pxm : undefined),
  'DeviceID mapping index': (n) => (n.kind === 'smmuV3' ? n.idMappingIndex : undefined),
  'Cache Coherent Attr': (n) => (n.kind === 'rootComplex' ? n.memory.cca : undefined),
  'Allocation Hints': (n) => (n.kind === 'rootComplex' ? n.memory.allocationHints : undefined),
  'Memory Access Flags': (n) => (n.kind === 'rootComplex' ? n.memory.memoryFlags : undefined),
  'ATS Attribute': (n) => (n.kind === 'rootComplex' ? n.atsAttribute : undefined),
  'PCI Segment number': (n) => (n.kind === 'rootComplex' ? n.pciSegment : undefined),
  'Memory addr size limit': (n) => (n.kind === 'rootComplex' ? n.memoryAddressLimit : undefined),
  'Reserved / PASID caps': (n) => (n.kind === 'rootComplex' ? n.pasidCapabilities ?? 0 : undefined),
};
const MAPPING_FIELDS: Record<string, (m: IortIdMapping) => unknown> = {
  'Input base': (m) => m.inputBase, 'Number of IDs (-1)': (m) => m.idCount, 'Output base': (m) => m.outputBase,
  'Output reference': (m) => m.outputReference, Flags: (m) => m.flags,
};
const VIOT_NODE_FIELDS: Record<string, (n: ViotNode) => unknown> = {
  Type: (n) => n.type, Length: (n) => n.length,
  'PCI Segment': (n) => (n.kind === 'virtioPci' ? n.segment : undefined),
  'PCI BDF number': (n) => (n.kind === 'virtioPci' ? n.bdf : undefined),
  'Endpoint start': (n) => (n.kind === 'pciRange' ? n.endpointStart : undefined),
  'PCI Segment start': (n) => (n.kind === 'pciRange' ? n.segmentStart : undefined),
  'PCI Segment end': (n) => (n.kind === 'pciRange' ? n.segmentEnd : undefined),
  'PCI BDF start': (n) => (n.kind === 'pciRange' ? n.bdfStart : undefined),
  'PCI BDF end': (n) => (n.kind === 'pciRange' ? n.bdfEnd : undefined),
  'Output node': (n) => (n.kind === 'pciRange' ? n.outputNode : undefined),
};

const norm = (v: unknown): unknown => (typeof v === 'number' ? BigInt(v) : v);
const reservedBytes = (r: LeBytes, l: DecodedLine): bigint => {
  let v = 0n;
  for (let i = l.size - 1; i >= 0; i--) v = (v << 8n) | BigInt(r.u8(l.offset + i));
  return v;
};

const IORTS = ['qemu-virt-IORT-rc-only', 'qemu-virt-IORT-its', 'qemu-virt-IORT-smmuv3-its_off', 'qemu-virt-IORT-smmuv3-legacy', 'qemu72-virt-IORT-smmuv3-bypass'];
const VIOTS = ['qemu-virt-VIOT', 'qemu72-virt-VIOT-bypass'];

describe('fixtures decode to the fields of their .decoded.txt', () => {
  it.each(IORTS)('%s', (name) => {
    const bytes = fixture(`acpi/${name}.bin`);
    const iort = decodeIort(bytes, name);
    const r = new LeBytes(bytes);
    const lines = readDecoded(name);
    expect(lines.length).toBeGreaterThan(20);
    for (const l of lines) {
      const node = [...iort.nodes].reverse().find((n) => l.offset >= n.offset);
      const map = node?.mappings.find((m) => l.offset >= m.offset && l.offset < m.offset + 20);
      let got: unknown;
      if (l.offset < 36) got = HEADER[l.name]?.(iort.header);
      else if (l.offset === 36) got = iort.nodeCount;
      else if (l.offset === 40) got = iort.nodeOffset;
      else if (l.name === 'Reserved') got = reservedBytes(r, l);
      else if (map !== undefined) got = MAPPING_FIELDS[l.name]?.(map);
      else if (node !== undefined) got = IORT_NODE_FIELDS[l.name]?.(node);
      expect(norm(got), l.line).toEqual(l.value);
    }
  });

  it.each(VIOTS)('%s', (name) => {
    const bytes = fixture(`acpi/${name}.bin`);
    const viot = decodeViot(bytes, name);
    const r = new LeBytes(bytes);
    for (const l of readDecoded(name)) {
      const node = [...viot.nodes].reverse().find((n) => l.offset >= n.offset);
      let got: unknown;
      if (l.offset < 36) got = HEADER[l.name]?.(viot.header);
      else if (l.offset === 36) got = viot.nodeCount;
      else if (l.offset === 38) got = viot.nodeOffset;
      else if (l.name === 'Reserved') got = reservedBytes(r, l);
      else if (node !== undefined) got = VIOT_NODE_FIELDS[l.name]?.(node);
      expect(norm(got), l.line).toEqual(l.value);
    }
  });
});

