// machine.iort: a scenario edits the IORT's root complex nodes before boot,
// as a firmware with those bits would have written them. The edit is made in
// the table's bytes (checksum fixed), so everything downstream (the decode,
// acpi_iort_init(), the fwspec flags at dma_configure) comes from the
// patched table like from any other.
import { acpiChecksumSum, decodeIort, FirmwareError, withChecksum, type AcpiTable, type Iort, type IortRootComplexNode } from '@kdsim/firmware';
import type { IortRootComplexPatchDoc, ScenarioDoc } from '../document.js';
import type { YamlSource } from '../source.js';

// actbl2.h: struct acpi_iort_root_complex after the 16-byte node header —
// memory_properties { u32 cache_coherency; u8 hints; u16 reserved; u8 memory_flags }, u32 ats_attribute.
const RC_CCA = 16;
const RC_MEMORY_FLAGS = 23;
const RC_ATS_ATTRIBUTE = 24;
// ACPI_IORT_MF_COHERENCY, ACPI_IORT_MF_ATTRIBUTES, ACPI_IORT_MF_CANWBS; ACPI_IORT_ATS_SUPPORTED.
const MF_BIT = { cpm: 1 << 0, dacs: 1 << 1, canwbs: 1 << 2 } as const;
const ATS_SUPPORTED = 1 << 0;

/** `IORT@0x74`, `0x74` or 116 → 116; null when malformed. */
function nodeOffset(v: number | string): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : null;
  const m = /^(?:IORT@)?0x([0-9a-f]+)$/i.exec(v);
  return m === null ? null : parseInt(m[1]!, 16);
}

function describe(rcs: readonly IortRootComplexNode[]): string {
  return rcs.length === 0 ? 'the table has no root complex node' : `root complexes: ${rcs.map((n) => `${n.name} (segment ${n.pciSegment})`).join(', ')}`;
}

function selectNode(rcs: readonly IortRootComplexNode[], p: IortRootComplexPatchDoc, source: YamlSource, at: string, nodeName: (off: number) => string | null): IortRootComplexNode {
  if ((p.segment === undefined) === (p.node === undefined)) {
    throw source.error('schema', at, `expected exactly one of segment (the PCI Segment Number) or node (IORT@0x<offset>) to name the root complex; ${describe(rcs)}`);
  }
  if (p.node !== undefined) {
    const off = nodeOffset(p.node);
    const hit = off === null ? undefined : rcs.find((n) => n.offset === off);
    if (hit !== undefined) return hit;
    const other = off === null ? null : nodeName(off);
    throw source.error('unknownNode', `${at}/node`, `${other !== null ? `${other} is not a root complex node` : `no IORT node at ${String(p.node)}`}; ${describe(rcs)}`);
  }
  const hits = rcs.filter((n) => n.pciSegment === p.segment);
  if (hits.length === 1) return hits[0]!;
  throw source.error('unknownNode', `${at}/segment`, hits.length === 0
    ? `no root complex node with PCI segment ${p.segment}; ${describe(rcs)}`
    : `${hits.length} root complex nodes have PCI segment ${p.segment}; name one by node (${hits.map((n) => n.name).join(', ')})`);
}

function setBit(value: number, bit: number, on: boolean | undefined): number {
  return on === undefined ? value : on ? value | bit : value & ~bit;
}

/**
 * Applies `machine.iort.rootComplex` to the machine's first IORT (the one
 * acpi_iort_init() maps): returns the tables with that IORT replaced by the
 * edited bytes, checksum recomputed. Unchanged when the document has no
 * edits. Located ScenarioErrors: no IORT among the tables, no such root
 * complex node, neither or both selectors.
 */
export function patchIort(doc: ScenarioDoc, source: YamlSource, tables: ReadonlyMap<string, readonly AcpiTable[]>): ReadonlyMap<string, readonly AcpiTable[]> {
  const patches = doc.machine?.iort?.rootComplex;
  if (patches === undefined) return tables;
  const list = tables.get('IORT') ?? [];
  const table = list[0];
  if (table === undefined) {
    throw source.error('missingFirmware', '/machine/iort', `no IORT to edit: machine.acpi / machine.acpidump hold ${tables.size === 0 ? 'no ACPI tables' : `only ${[...tables.keys()].join(', ')}`}; expected an IORT table (e.g. QEMU virt with iommu=smmuv3)`, true);
  }
  let decoded: Iort;
  try {
    decoded = decodeIort(table.bytes, table.file);
  } catch (e) {
    if (!(e instanceof FirmwareError)) throw e;
    throw source.error('firmware', '/machine/iort', `bad firmware: ${e.message}`);
  }
  const rcs = decoded.nodes.filter((n): n is IortRootComplexNode => n.kind === 'rootComplex');
  const nodeName = (off: number): string | null => decoded.nodes.find((n) => n.offset === off)?.name ?? null;
  const bytes = Uint8Array.from(table.bytes);
  const view = new DataView(bytes.buffer);
  for (const [i, p] of patches.entries()) {
    const node = selectNode(rcs, p, source, `/machine/iort/rootComplex/${i}`, nodeName);
    const o = node.offset;
    if (node.fixedPartTruncated || node.length < RC_ATS_ATTRIBUTE + 4) {
      throw source.error('firmware', `/machine/iort/rootComplex/${i}`, `${node.name} is too short (${node.length} bytes) to hold the memory properties and ATS attribute; expected a root complex node of at least ${RC_ATS_ATTRIBUTE + 4} bytes`);
    }
    if (p.cca !== undefined) view.setUint32(o + RC_CCA, p.cca, true);
    let flags = bytes[o + RC_MEMORY_FLAGS]!;
    for (const k of ['cpm', 'dacs', 'canwbs'] as const) flags = setBit(flags, MF_BIT[k], p[k]);
    bytes[o + RC_MEMORY_FLAGS] = flags;
    if (p.ats !== undefined) view.setUint32(o + RC_ATS_ATTRIBUTE, setBit(view.getUint32(o + RC_ATS_ATTRIBUTE, true), ATS_SUPPORTED, p.ats) >>> 0, true);
  }
  // The checksum byte makes the table sum to zero again.
  bytes[9] = 0;
  bytes[9] = (0x100 - acpiChecksumSum(bytes)) & 0xff;
  const patched = withChecksum(table.signature, table.header === null ? null : { ...table.header, checksum: bytes[9] }, bytes, table.file, table.offset);
  const out = new Map(tables);
  out.set('IORT', [patched, ...list.slice(1)]);
  return out;
}
