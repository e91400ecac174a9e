import {
  formatPciRange, type AcpiIommuTopology, type DtIommuTopology, type OfNode, type TopologyRange,
} from '@kdsim/firmware';

/** IDs an endpoint gets: a list (`iommus` specifiers, single mappings) or a linear window. */
export type TopologyIds = readonly number[] | { readonly first: number; readonly last: number };

/** One row of the derived IOMMU topology: an endpoint or RID range and where its DMA goes. */
export interface TopologyRow {
  /** The IOMMU (DT node path, `IORT@0x30`, `VIOT@0x30`), or null: not translated. */
  readonly iommu: string | null;
  /** The endpoint: a node path, a namespace path, an MMIO address, or a PCI RID range with its source. */
  readonly endpoint: string;
  /** PCI segment and RID window, for range rows. */
  readonly rids?: { readonly segment: number; readonly first: number; readonly last: number };
  /** The IDs the IOMMU sees (stream IDs, endpoint IDs, domids), or null when not translated. */
  readonly ids: TopologyIds | null;
  /** Whether the endpoint's DMA is cache-coherent, or null when the tables do not say. */
  readonly coherent: boolean | null;
  /** Why the row is special (`manages nothing`, `the IOMMU itself`), or absent. */
  readonly note?: string;
}

/** An IOMMU instance and its own coherency (its table walks). */
export interface TopologyIommuRow {
  /** Its name (DT path, `IORT@0x30`, `VIOT@0x30`). */
  readonly name: string;
  /** What it is (`compatible` strings, `SMMUv3`, `virtio-iommu (PCI)`). */
  readonly kind: string;
  /** Coherent table walks, or null when the tables do not say. */
  readonly coherent: boolean | null;
  /** True when no endpoint reaches it. */
  readonly managesNothing: boolean;
}

/** The IOMMU topology of one firmware description, as `kdsim decode` shows it. */
export interface TopologyTable {
  /** What it was derived from (a DT file, or `ACPI` and the files). */
  readonly source: string;
  /** The IOMMUs. */
  readonly iommus: readonly TopologyIommuRow[];
  /** Endpoints and RID ranges. */
  readonly rows: readonly TopologyRow[];
  /** MSI routing of PCI RIDs (IORT ITS groups), when the tables describe it. */
  readonly msi: readonly TopologyRow[];
  /** Firmware problems Linux would log (dropped references, table warnings). */
  readonly problems: readonly string[];
}

const hex4 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;

function pciDomain(bus: OfNode): number {
  const v = bus.getProperty('linux,pci-domain');
  return v !== undefined && v.length >= 4 ? new DataView(v.buffer, v.byteOffset, 4).getUint32(0) : 0;
}

/** The topology table of a device tree (see `dtIommuTopology`). */
export function dtTopologyTable(source: string, t: DtIommuTopology): TopologyTable {
  const rows: TopologyRow[] = [];
  const iommus: TopologyIommuRow[] = [];
  for (const io of t.iommus) {
    const managesNothing = io.masters.length === 0 && io.idRanges.length === 0;
    iommus.push({ name: io.node.path, kind: io.compatible.join(', ') || '(no compatible)', coherent: io.coherent, managesNothing });
    for (const m of io.masters) rows.push({ iommu: io.node.path, endpoint: m.node.path, ids: m.ids, coherent: m.coherent });
    for (const r of io.idRanges) {
      const seg = pciDomain(r.bus);
      rows.push({
        iommu: io.node.path, endpoint: `${r.bus.path} RIDs ${hex4(r.first)}–${hex4(r.last)} (${formatPciRange(seg, r.first & 0xffff, r.last & 0xffff)})`,
        rids: { segment: seg, first: r.first, last: r.last }, ids: { first: r.idFirst, last: r.idLast }, coherent: r.coherent,
      });
    }
    if (managesNothing) rows.push({ iommu: io.node.path, endpoint: '(none)', ids: null, coherent: null, note: io.available ? 'manages nothing' : 'disabled; manages nothing' });
  }
  const problems = t.problems.map((p) => `${p.path}: ${p.property}: ${p.message}`);
  return { source, iommus, rows, msi: [], problems };
}

function rangeRow(r: TopologyRange, coherent: boolean | null): TopologyRow {
  return {
    iommu: r.target, endpoint: `PCI ${r.endpoints} (${r.source})`, rids: { segment: r.segment, first: r.ridFirst, last: r.ridLast },
    ids: r.idFirst === null || r.idLast === null ? null : { first: r.idFirst, last: r.idLast }, coherent,
    ...(r.target === null ? { note: 'not translated' } : {}),
  };
}

/** The topology table of a machine's ACPI tables (see `acpiIommuTopology`). */
export function acpiTopologyTable(source: string, t: AcpiIommuTopology): TopologyTable {
  const iommus: TopologyIommuRow[] = [];
  const rows: TopologyRow[] = [];
  const msi: TopologyRow[] = [];
  if (t.iort !== null) {
    const cca = new Map(t.iort.nodes.map((n) => [n.name, n.cca === undefined ? null : n.cca === 1]));
    const smmuCoherent = new Map(t.iort.nodes.map((n) => [n.name, n.coherent ?? null]));
    for (const io of t.iort.iommus) iommus.push({ name: io.name, kind: io.kind, coherent: smmuCoherent.get(io.name) ?? null, managesNothing: io.managesNothing });
    for (const r of t.iort.ranges) rows.push(rangeRow(r, cca.get(r.source) ?? null));
    for (const c of t.iort.namedComponents) {
      rows.push({ iommu: c.iommu, endpoint: `${c.path} (${c.node})`, ids: c.iommu === null ? null : c.ids, coherent: cca.get(c.node) ?? null });
    }
    for (const io of t.iort.iommus) if (io.managesNothing) rows.push({ iommu: io.name, endpoint: '(none)', ids: null, coherent: null, note: 'manages nothing' });
    for (const r of t.iort.msi) msi.push({ ...rangeRow(r, cca.get(r.source) ?? null), ...(r.target === null ? { note: 'no ITS' } : {}) });
  }
  if (t.viot !== null) {
    for (const io of t.viot.iommus) iommus.push({ name: io.name, kind: io.pci !== undefined ? `${io.kind} ${io.pci}` : io.kind, coherent: null, managesNothing: io.managesNothing });
    for (const r of t.viot.ranges) rows.push(rangeRow(r, null));
    for (const m of t.viot.mmio) rows.push({ iommu: m.iommu, endpoint: `MMIO ${m.address}`, ids: [m.endpointId], coherent: null });
    for (const s of t.viot.self) rows.push({ iommu: null, endpoint: `PCI ${s.pci}`, ids: null, coherent: null, note: `the IOMMU ${s.iommu} itself (Linux refuses it)` });
    for (const io of t.viot.iommus) if (io.managesNothing) rows.push({ iommu: io.name, endpoint: '(none)', ids: null, coherent: null, note: 'manages nothing' });
  }
  const problems = t.warnings.map((w) => w.message);
  return { source, iommus, rows, msi, problems };
}

function idsText(ids: TopologyIds | null): string {
  if (ids === null) return '—';
  if ('first' in ids) return ids.first === ids.last ? hex4(ids.first) : `${hex4(ids.first)}–${hex4(ids.last)}`;
  return `[${ids.map((i) => `0x${i.toString(16)}`).join(' ')}]`;
}

const yesNo = (b: boolean | null): string => (b === null ? '?' : b ? 'yes' : 'no');

function columns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd());
}

function rowCells(r: TopologyRow): string[] {
  return [r.iommu ?? 'none', r.endpoint, idsText(r.ids), yesNo(r.coherent), r.note ?? ''];
}

/** The table as text: IOMMUs, then endpoint rows, MSI rows and problems. */
export function renderTopologyTable(t: TopologyTable): string {
  const out: string[] = [`IOMMU topology of ${t.source}:`];
  if (t.iommus.length === 0) out.push('  IOMMUs: none');
  else out.push(...columns([['IOMMU', 'KIND', 'COHERENT WALK', ''], ...t.iommus.map((i) => [i.name, i.kind, yesNo(i.coherent), i.managesNothing ? 'manages nothing' : ''])]));
  if (t.rows.length > 0) out.push('', ...columns([['IOMMU', 'ENDPOINTS', 'IDS', 'COHERENT', ''], ...t.rows.map(rowCells)]));
  if (t.msi.length > 0) out.push('', ...columns([['MSI TARGET', 'ENDPOINTS', 'DEVICE IDS', 'COHERENT', ''], ...t.msi.map(rowCells)]));
  if (t.problems.length > 0) out.push('', 'problems:', ...t.problems.map((p) => `  ${p}`));
  return `${out.join('\n')}\n`;
}
