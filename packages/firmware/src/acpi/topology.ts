import type { Fwnode } from '@kdsim/core';
import { acpiIommuConfigureId } from './acpi-configure.js';
import { hex } from './bytes.js';
import { Iort } from './iort.js';
import { iortFindRootComplex, iortIommuConfigure } from './iort-configure.js';
import { acpiIortInit } from './iort-init.js';
import { iortNodeMapId } from './iort-map.js';
import { IORT_IOMMU_TYPE, IORT_MSI_TYPE, type IortNode, type IortRootComplexNode, type IortTypeMask } from './iort-types.js';
import type { AcpiPciEndpoint } from './outcome.js';
import { formatPciName, formatPciRange } from './pci-names.js';
import type { AcpiTable } from './table.js';
import { Viot } from './viot.js';
import { acpiViotInit, type ViotInitResult } from './viot-init.js';
import type { AcpiWarning } from './warnings.js';

/** One ID mapping of a node, resolved for display. */
export interface TopologyMapping {
  /** First input ID. */
  readonly inputFirst: number;
  /** Last input ID (inclusive). */
  readonly inputLast: number;
  /** The output node (`IORT@0x30`). */
  readonly output: string;
  /** First output ID. */
  readonly outputFirst: number;
  /** Last output ID. */
  readonly outputLast: number;
  /** Single-mapping flag. */
  readonly single: boolean;
}

/** One IORT node as the fixtures README lists it. */
export interface IortTopologyNode {
  /** `IORT@0x30`. */
  readonly name: string;
  /** Identifier field. */
  readonly id: number;
  /** `ITS group`, `Named component`, `Root complex`, `SMMUv1/v2`, `SMMUv3`, `PMCG`, `RMR`, `IWB` or `Unknown`. */
  readonly type: string;
  /** Node revision. */
  readonly revision: number;
  /** Its ID mappings. */
  readonly mappings: readonly TopologyMapping[];
  /** ITS IDs (ITS group). */
  readonly itsIds?: readonly number[];
  /** PCI segment (root complex). */
  readonly segment?: number;
  /** Cache coherency attribute (NC, RC). */
  readonly cca?: number;
  /** Memory access flags byte (NC, RC). */
  readonly memoryFlags?: number;
  /** ATS supported (RC). */
  readonly ats?: boolean;
  /** CANWBS memory flag (NC, RC). */
  readonly canwbs?: boolean;
  /** Memory address size limit in bits (NC, RC rev ≥ 1). */
  readonly memoryAddressLimit?: number | null;
  /** Base address, `0x09050000` style (SMMU). */
  readonly baseAddress?: string;
  /** Raw SMMU flags. */
  readonly flags?: number;
  /** SMMUv3 COHACC override / SMMUv1/v2 coherent walk: the SMMU's own coherency. */
  readonly coherent?: boolean;
  /** SMMU model. */
  readonly model?: number;
  /** SMMUv3 GSIVs. */
  readonly gsiv?: { readonly event: number; readonly pri: number; readonly gerr: number; readonly sync: number };
  /** Device path (named component). */
  readonly path?: string;
}

/** A run of PCI requester IDs and where Linux sends them. */
export interface TopologyRange {
  /** The root complex or VIOT node the range comes from. */
  readonly source: string;
  /** PCI segment. */
  readonly segment: number;
  /** First RID. */
  readonly ridFirst: number;
  /** Last RID (inclusive). */
  readonly ridLast: number;
  /** `0000:00:00.0–0000:00:1f.7`. */
  readonly endpoints: string;
  /** The IOMMU (or ITS group for MSI ranges), or null: not translated / not mapped. */
  readonly target: string | null;
  /** First output ID (stream ID, endpoint ID or ITS device ID); null when not mapped. */
  readonly idFirst: number | null;
  /** Last output ID. */
  readonly idLast: number | null;
}

/** An IOMMU instance the tables describe. */
export interface TopologyIommu {
  /** `IORT@0x30` or `VIOT@0x30`. */
  readonly name: string;
  /** `SMMUv3`, `SMMUv1/v2`, `virtio-iommu (PCI)` or `virtio-iommu (MMIO)`. */
  readonly kind: string;
  /** The PCI function of a virtio-pci IOMMU. */
  readonly pci?: string;
  /** Base address of an SMMU or virtio-mmio IOMMU. */
  readonly baseAddress?: string;
  /** True if no endpoint of the tables is translated by it. */
  readonly managesNothing: boolean;
}

/** A named component and its IOMMU. */
export interface TopologyNamedComponent {
  /** `IORT@0x...`. */
  readonly node: string;
  /** Namespace path. */
  readonly path: string;
  /** The IOMMU, or null. */
  readonly iommu: string | null;
  /** Stream IDs. */
  readonly ids: readonly number[];
}

/** One PCI device's result. */
export interface TopologyDevice {
  /** `0000:00:01.0`. */
  readonly name: string;
  /** The IOMMU translating it, or null. */
  readonly iommu: string | null;
  /** Its fwspec IDs. */
  readonly ids: readonly number[];
  /** The errno of the configuration (0, -ENODEV, -EINVAL for the IOMMU itself, ...). */
  readonly errno: number;
  /** The ITS group and device ID its MSIs use (IORT), or null. */
  readonly msi: { readonly its: string; readonly itsIds: readonly number[]; readonly deviceId: number } | null;
}

/** The IOMMU topology of a machine's ACPI tables (what the fixtures README tabulates). */
export interface AcpiIommuTopology {
  /** IORT part, or null without an IORT. */
  readonly iort: {
    readonly revision: number;
    readonly length: number;
    readonly nodes: readonly IortTopologyNode[];
    readonly iommus: readonly TopologyIommu[];
    /** RID runs → SMMU (or null), per root complex, covering 0x0000–0xFFFF. */
    readonly ranges: readonly TopologyRange[];
    /** RID runs → ITS group (or null), per root complex. */
    readonly msi: readonly TopologyRange[];
    readonly namedComponents: readonly TopologyNamedComponent[];
  } | null;
  /** VIOT part, or null without a VIOT. */
  readonly viot: {
    readonly iommus: readonly TopologyIommu[];
    /** Translated RID runs (later nodes take precedence); the IOMMU's own function is listed in `self`. */
    readonly ranges: readonly TopologyRange[];
    readonly mmio: readonly { readonly address: string; readonly endpointId: number; readonly iommu: string }[];
    /** virtio-pci IOMMU functions inside their own range: Linux refuses them (-EINVAL). */
    readonly self: readonly { readonly iommu: string; readonly pci: string }[];
  } | null;
  /** Per-device results, when PCI devices were given. */
  readonly devices: readonly TopologyDevice[];
  /** Log lines from parsing and translation (deduplicated). */
  readonly warnings: readonly AcpiWarning[];
}

const TYPE_LABEL: Readonly<Record<IortNode['kind'], string>> = {
  itsGroup: 'ITS group', namedComponent: 'Named component', rootComplex: 'Root complex', smmu: 'SMMUv1/v2',
  smmuV3: 'SMMUv3', pmcg: 'PMCG', rmr: 'RMR', iwb: 'IWB', unknown: 'Unknown',
};

const addr = (v: bigint): string => '0x' + v.toString(16).toUpperCase().padStart(8, '0');

function nodeRow(iort: Iort, n: IortNode): IortTopologyNode {
  const mappings = n.mappings.map((m) => ({
    inputFirst: m.inputBase, inputLast: (m.inputBase + m.idCount) >>> 0, output: iort.nodeAt(m.outputReference)?.name ?? hex(m.outputReference),
    outputFirst: m.outputBase, outputLast: (m.outputBase + m.idCount) >>> 0, single: m.singleMapping,
  }));
  const base = { name: n.name, id: n.identifier, type: TYPE_LABEL[n.kind], revision: n.revision, mappings };
  switch (n.kind) {
    case 'itsGroup':
      return { ...base, itsIds: n.identifiers };
    case 'rootComplex':
      return {
        ...base, segment: n.pciSegment, cca: n.memory.cca, memoryFlags: n.memory.memoryFlags, ats: n.atsSupported,
        canwbs: n.memory.canwbs, memoryAddressLimit: n.memoryAddressLimit,
      };
    case 'namedComponent':
      return { ...base, path: n.deviceName, cca: n.memory.cca, memoryFlags: n.memory.memoryFlags, canwbs: n.memory.canwbs, memoryAddressLimit: n.memoryAddressLimit };
    case 'smmuV3':
      return {
        ...base, baseAddress: addr(n.baseAddress), flags: n.flags, coherent: n.cohaccOverride, model: n.model,
        gsiv: { event: n.eventGsiv, pri: n.priGsiv, gerr: n.gerrGsiv, sync: n.syncGsiv },
      };
    case 'smmu':
      return { ...base, baseAddress: addr(n.baseAddress), flags: n.flags, coherent: n.coherentWalk, model: n.model };
    default:
      return base;
  }
}

interface RidResult {
  readonly target: string | null;
  readonly id: number;
  readonly source: string;
}

// Evaluates every RID 0x0000–0xFFFF of a segment and merges runs with one source and target and consecutive IDs.
function ridRuns(segment: number, evaluate: (rid: number) => RidResult | null): TopologyRange[] {
  const out: TopologyRange[] = [];
  let first = 0;
  let prev: RidResult | null = null;
  let idFirst = 0;
  const flush = (last: number): void => {
    if (prev === null) return;
    out.push({
      source: prev.source, segment, ridFirst: first, ridLast: last, endpoints: formatPciRange(segment, first, last),
      target: prev.target, idFirst: prev.target === null ? null : idFirst, idLast: prev.target === null ? null : prev.id,
    });
  };
  for (let rid = 0; rid <= 0xffff; rid++) {
    const r = evaluate(rid);
    const joins = r !== null && prev !== null && r.source === prev.source && r.target === prev.target && (r.target === null || r.id === ((prev.id + 1) >>> 0));
    if (!joins) {
      flush(rid - 1);
      first = rid;
      idFirst = r?.id ?? 0;
    }
    prev = r;
  }
  flush(0xffff);
  return out;
}

// iort_node_map_id() for every RID of a root complex.
function iortRuns(iort: Iort, rc: IortRootComplexNode, mask: IortTypeMask, log: AcpiWarning[]): TopologyRange[] {
  return ridRuns(rc.pciSegment, (rid) => {
    const m = iortNodeMapId(iort, rc, rid, mask, log);
    return { target: m.node?.name ?? null, id: m.id, source: rc.name };
  });
}

function dedupe(ws: readonly AcpiWarning[]): AcpiWarning[] {
  const seen = new Set<string>();
  return ws.filter((w) => {
    const k = `${w.file}\0${w.offset}\0${w.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Input of {@link acpiIommuTopology}: tables grouped by signature, or a flat list. */
export type AcpiTopologyTables = ReadonlyMap<string, readonly AcpiTable[]> | readonly AcpiTable[];

/**
 * The IOMMU topology the machine's IORT and VIOT describe, as Linux would
 * resolve it: for IORT, every RID of every root complex through
 * iort_node_map_id() to an SMMU and to an ITS group, named components through
 * their single mappings, SMMUs that manage nothing; for VIOT, the PCI ranges
 * (with Linux's precedence) and MMIO endpoints of each virtio-iommu and the
 * IOMMU functions that lie in their own range. With `pciDevices`, each
 * device's configuration result (all IOMMU drivers built and registered).
 * When `pciDevices` is given, a virtio-pci IOMMU absent from it is "not
 * found" as in Linux; otherwise every IOMMU function is assumed present.
 */
export function acpiIommuTopology(tables: AcpiTopologyTables, pciDevices?: readonly AcpiPciEndpoint[]): AcpiIommuTopology {
  const list = Array.isArray(tables) ? (tables as readonly AcpiTable[]) : [...(tables as ReadonlyMap<string, readonly AcpiTable[]>).values()].flat();
  const iortTable = list.find((t) => t.signature === 'IORT');
  const viotTable = list.find((t) => t.signature === 'VIOT');
  const warnings: AcpiWarning[] = [];
  const iort = iortTable !== undefined ? new Iort(iortTable) : null;
  const viot = viotTable !== undefined ? new Viot(viotTable) : null;

  let iortPart: AcpiIommuTopology['iort'] = null;
  const init = iort !== null ? acpiIortInit(iort) : null;
  if (iort !== null && init !== null) {
    warnings.push(...init.warnings);
    const ranges: TopologyRange[] = [];
    const msi: TopologyRange[] = [];
    for (const n of iort.nodes) {
      if (n.kind !== 'rootComplex') continue;
      ranges.push(...iortRuns(iort, n, IORT_IOMMU_TYPE, warnings));
      msi.push(...iortRuns(iort, n, IORT_MSI_TYPE, warnings));
    }
    const env = { fwnodeFor: init.fwnodeFor, driverBuilt: () => true, fwspecInit: () => 0 };
    const namedComponents: TopologyNamedComponent[] = [];
    for (const n of iort.nodes) {
      if (n.kind !== 'namedComponent') continue;
      const r = iortIommuConfigure(iort, { kind: 'platform', acpiPath: n.deviceName }, env);
      warnings.push(...r.warnings);
      namedComponents.push({ node: n.name, path: n.deviceName, iommu: r.errno === 0 ? r.iommu?.name ?? null : null, ids: r.errno === 0 ? r.ids : [] });
    }
    const used = new Set<string>([...ranges.map((r) => r.target), ...namedComponents.map((c) => c.iommu)].filter((x): x is string => x !== null));
    const iommus = iort.nodes.flatMap((n): TopologyIommu[] => (n.kind === 'smmu' || n.kind === 'smmuV3'
      ? [{ name: n.name, kind: TYPE_LABEL[n.kind], baseAddress: addr(n.baseAddress), managesNothing: !used.has(n.name) }]
      : []));
    iortPart = { revision: iort.revision, length: iort.length, nodes: iort.nodes.map((n) => nodeRow(iort, n)), iommus, ranges, msi, namedComponents };
  }

  let viotPart: AcpiIommuTopology['viot'] = null;
  let vinit: ViotInitResult | null = null;
  const selfFw = new Map<string, Fwnode>();
  if (viot !== null) {
    const present = (seg: number, rid: number): boolean => pciDevices === undefined || pciDevices.some((d) => d.segment === seg && d.rid === rid);
    vinit = acpiViotInit(viot, {
      pciFunction: (seg, bus, devfn) => (present(seg, (bus << 8) | devfn) ? { fwnode: null } : null),
      acpiResourceConsumer: () => null,
      setPrimaryFwnode: (seg, bdf, fw) => selfFw.set(formatPciName(seg, bdf), fw),
    });
    warnings.push(...vinit.warnings);
    const v = vinit;
    const ranges: TopologyRange[] = [];
    const segs = new Set<number>();
    for (const e of v.pciRanges) {
      for (let s = e.node.segmentStart; s <= e.node.segmentEnd && segs.size < 64; s++) segs.add(s);
    }
    for (const seg of [...segs].sort((a, b) => a - b)) {
      ranges.push(...ridRuns(seg, (rid) => {
        const e = v.pciRanges.find((x) => seg >= x.node.segmentStart && seg <= x.node.segmentEnd && rid >= x.node.bdfStart && rid <= x.node.bdfEnd);
        if (e === undefined) return null;
        const epid = (((seg - e.node.segmentStart) << 16) + rid - e.node.bdfStart + e.node.endpointStart) >>> 0;
        return { target: e.viommu.node.name, id: epid, source: e.node.name };
      }));
    }
    const mmio = v.mmioEndpoints.map((e) => ({ address: addr(e.node.baseAddress), endpointId: e.node.endpoint, iommu: e.viommu.node.name }));
    const self = v.iommus.flatMap((vi) => {
      if (vi.node.kind !== 'virtioPci') return [];
      const n = vi.node;
      const inside = v.pciRanges.some((e) => e.viommu === vi && n.segment >= e.node.segmentStart && n.segment <= e.node.segmentEnd && n.bdf >= e.node.bdfStart && n.bdf <= e.node.bdfEnd);
      return inside ? [{ iommu: n.name, pci: formatPciName(n.segment, n.bdf) }] : [];
    });
    const used = new Set([...ranges.map((r) => r.target), ...mmio.map((m) => m.iommu)]);
    const iommus = viot.nodes.flatMap((n): TopologyIommu[] => {
      if (n.kind === 'virtioPci') return [{ name: n.name, kind: 'virtio-iommu (PCI)', pci: formatPciName(n.segment, n.bdf), managesNothing: !used.has(n.name) }];
      if (n.kind === 'virtioMmio') return [{ name: n.name, kind: 'virtio-iommu (MMIO)', baseAddress: addr(n.baseAddress), managesNothing: !used.has(n.name) }];
      return [];
    });
    viotPart = { iommus, ranges, mmio, self };
  }

  const devices: TopologyDevice[] = [];
  for (const d of pciDevices ?? []) {
    const name = formatPciName(d.segment, d.rid);
    const dev: AcpiPciEndpoint = { kind: 'pci', segment: d.segment, rid: d.rid, fwnode: selfFw.get(name) ?? null };
    const r = acpiIommuConfigureId({ iort, viot: vinit }, dev, {
      fwnodeFor: init?.fwnodeFor ?? (() => null), driverBuilt: () => true, virtioIommuBuilt: () => true, fwspecInit: () => 0,
    });
    warnings.push(...r.warnings);
    let msiRow: TopologyDevice['msi'] = null;
    if (iort !== null) {
      const rc = iortFindRootComplex(iort, d.segment, warnings);
      const m = rc === null ? null : iortNodeMapId(iort, rc, d.rid, IORT_MSI_TYPE, warnings);
      if (m?.node?.kind === 'itsGroup') msiRow = { its: m.node.name, itsIds: m.node.identifiers, deviceId: m.id };
    }
    const iommuName = r.errno === 0 ? (r.iommu === null ? null : 'name' in r.iommu ? r.iommu.name : r.iommu.node.name) : null;
    devices.push({ name, iommu: iommuName, ids: r.errno === 0 ? r.ids : [], errno: r.errno, msi: msiRow });
  }
  return { iort: iortPart, viot: viotPart, devices, warnings: dedupe(warnings) };
}
