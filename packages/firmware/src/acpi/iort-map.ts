import { Errno } from '@kdsim/core';
import { hex } from './bytes.js';
import type { Iort } from './iort.js';
import { IORT_NODE, type IortIdMapping, type IortNode, type IortTypeMask } from './iort-types.js';
import { FW_BUG, ptr, type AcpiWarning } from './warnings.js';

/** Behaviour switches for kernel versions and simulation limits. */
export interface IortOptions {
  /**
   * Honour the SMMUv3 DeviceID-valid flag for node revision ≥ 5
   * ("ACPI/IORT: Update SMMUv3 DeviceID support", v6.2). Before it, the
   * all-GSIV rule applied to every revision. Default true.
   */
  readonly smmuV3DeviceIdValid?: boolean;
  /** Set the fwspec CANWBS flag from an RC's memory flags (v6.13+). Default true. */
  readonly canwbs?: boolean;
  /** Cap on translation hops; Linux has none (a cycle hangs it). Default 32. */
  readonly maxHops?: number;
}

/** The result of {@link iortIdMap}: kernel return code and output ID. */
export interface IortIdMapResult {
  /** 0, -ENXIO (no match) or -EAGAIN (matched the last ID of a range: provisional). */
  readonly rc: number;
  /** The output ID (meaningful when rc is 0 or -EAGAIN). */
  readonly out: number;
}

/** A node reached by translation, with the translated ID. */
export interface IortMapped {
  /** The node found, or null when translation failed. */
  readonly node: IortNode | null;
  /** The translated ID; the input ID when translation failed (iort.c "map input ID unchanged"). */
  readonly id: number;
}

function warn(log: AcpiWarning[], iort: Iort, offset: number, level: AcpiWarning['level'], message: string, source: AcpiWarning['source'] = 'linux'): void {
  log.push({ file: iort.file, offset, level, source, message });
}

/**
 * iort.c: iort_id_map() — one mapping applied to one input ID. A range
 * covers `inputBase .. inputBase + idCount` inclusive (idCount is "number
 * of IDs minus one"); a match on its last ID returns -EAGAIN so that a
 * later range starting there can supersede it (the off-by-one workaround).
 */
export function iortIdMap(iort: Iort, map: IortIdMapping, nodeType: number, idIn: number, checkOverlap: boolean, log: AcpiWarning[]): IortIdMapResult {
  if (map.singleMapping) {
    if (nodeType === IORT_NODE.NAMED_COMPONENT || nodeType === IORT_NODE.PCI_ROOT_COMPLEX) return { rc: 0, out: map.outputBase };
    warn(log, iort, map.offset, 'warn', `ACPI: IORT: ${FW_BUG}[map ${ptr(map.offset)}] SINGLE MAPPING flag not allowed for node type ${nodeType}, skipping ID map`);
    return { rc: -Errno.ENXIO, out: 0 };
  }
  const end = (map.inputBase + map.idCount) >>> 0;
  if (idIn < map.inputBase || idIn > end) return { rc: -Errno.ENXIO, out: 0 };
  if (checkOverlap) {
    warn(log, iort, map.offset, 'err', `ACPI: IORT: ${FW_BUG}[map ${ptr(map.offset)}] conflicting mapping for input ID ${hex(idIn)}`);
    if (idIn !== map.inputBase) return { rc: -Errno.ENXIO, out: 0 };
    warn(log, iort, map.offset, 'err', `ACPI: IORT: ${FW_BUG}applying workaround.`);
  }
  const out = (map.outputBase + (idIn - map.inputBase)) >>> 0;
  if (map.idCount > 0 && idIn === end) return { rc: -Errno.EAGAIN, out };
  return { rc: 0, out };
}

/**
 * iort.c: iort_get_id_mapping_index() — the SMMUv3/PMCG mapping that gives
 * the node's own MSI DeviceID, skipped during translation; -EINVAL if none.
 */
export function iortGetIdMappingIndex(iort: Iort, node: IortNode, log: AcpiWarning[], opts: IortOptions = {}): number {
  switch (node.kind) {
    case 'smmuV3': {
      if (node.revision < 1) return -Errno.EINVAL;
      if (node.revision < 5 || opts.smmuV3DeviceIdValid === false) {
        // Until IORT E.e the index is valid unless all interrupts are GSIV-based.
        if (node.eventGsiv !== 0 && node.priGsiv !== 0 && node.gerrGsiv !== 0 && node.syncGsiv !== 0) return -Errno.EINVAL;
      } else if (!node.deviceIdValid) {
        return -Errno.EINVAL;
      }
      if (node.idMappingIndex >= node.mappingCount) {
        warn(log, iort, node.offset + 64, 'err', `ACPI: IORT: ${FW_BUG}[node ${ptr(node.offset)} type ${node.type}] ID mapping index overflows valid mappings`);
        return -Errno.EINVAL;
      }
      return node.idMappingIndex;
    }
    case 'pmcg':
      if (node.overflowGsiv !== 0 || node.mappingCount === 0) return -Errno.EINVAL;
      return 0;
    default:
      return -Errno.EINVAL;
  }
}

// The first mapping of a node must name a parent; Linux checks only map 0.
function nullParent(iort: Iort, node: IortNode, map: IortIdMapping, log: AcpiWarning[]): boolean {
  if (map.outputReference !== 0) return false;
  warn(log, iort, map.offset + 12, 'err', `ACPI: IORT: ${FW_BUG}[node ${ptr(node.offset)} type ${node.type}] ID map has NULL parent reference`);
  return true;
}

function refTarget(iort: Iort, from: IortIdMapping, log: AcpiWarning[]): IortNode | null {
  const target = iort.nodeAt(from.outputReference);
  if (target === null) {
    warn(log, iort, from.offset + 12, 'err',
      `IORT output reference ${hex(from.outputReference)} points outside the table; Linux would read it out of bounds, the mapping fails`, 'kdsim');
  }
  return target;
}

/**
 * iort.c: iort_node_map_id() — follows ID mappings from `start` until a
 * node whose type is in `typeMask`. Mappings are tried in table order; the
 * first full match wins; a last-ID match is provisional (see
 * {@link iortIdMap}). Fails (node null, ID unchanged) when a node has no
 * mappings, map 0 has output reference 0, nothing matches, a reference
 * leaves the table, or after `maxHops` hops (Linux loops forever on a cycle).
 */
export function iortNodeMapId(iort: Iort, start: IortNode, idIn: number, typeMask: IortTypeMask, log: AcpiWarning[], opts: IortOptions = {}): IortMapped {
  const maxHops = opts.maxHops ?? 32;
  const fail: IortMapped = { node: null, id: idIn };
  let node: IortNode = start;
  let id = idIn >>> 0;
  for (let hop = 0; ; hop++) {
    if (((1 << node.type) & typeMask) !== 0 && node.type < 31) return { node, id };
    if (hop >= maxHops) {
      warn(log, iort, node.offset, 'err', `IORT ID translation from ${start.name} did not end after ${maxHops} hops (a cycle?); Linux would loop, the mapping fails`, 'kdsim');
      return fail;
    }
    if (node.mappingOffset === 0 || node.mappingCount === 0) return fail;
    const first = node.mappings[0];
    if (first === undefined) {
      warn(log, iort, node.offset + 12, 'err', `IORT ${node.name} ID mapping array at ${hex(node.offset + node.mappingOffset)} is outside the table; the mapping fails`, 'kdsim');
      return fail;
    }
    if (nullParent(iort, node, first, log)) return fail;
    const index = iortGetIdMappingIndex(iort, node, log, opts);
    const mapId = id;
    let rc = 0;
    let outRef: IortIdMapping | null = null;
    let chosen: IortIdMapping | null = null;
    for (let i = 0; i < node.mappings.length; i++) {
      if (i === index) continue;
      const map = node.mappings[i];
      if (map === undefined) break;
      const r = iortIdMap(iort, map, node.type, mapId, outRef !== null, log);
      rc = r.rc;
      if (rc === 0) {
        id = r.out;
        chosen = map;
        break;
      }
      if (rc === -Errno.EAGAIN) {
        id = r.out;
        outRef = map;
      }
    }
    if (chosen === null && outRef === null) return fail;
    const via = rc !== 0 ? outRef : chosen;
    if (via === null) return fail;
    // Linux follows the reference as is; a zero reference here (map > 0) is read as the table header.
    const next = refTarget(iort, via, log);
    if (next === null) return fail;
    node = next;
  }
}

/**
 * iort.c: iort_node_get_id() — mapping `index` of `node` when it is a
 * single mapping on a node type that may have one: the parent node and the
 * output base, or null.
 */
export function iortNodeGetId(iort: Iort, node: IortNode, index: number, log: AcpiWarning[]): IortMapped | null {
  if (node.mappingOffset === 0 || node.mappingCount === 0 || index >= node.mappingCount) return null;
  const map = node.mappings[index];
  if (map === undefined) return null;
  if (nullParent(iort, node, map, log)) return null;
  if (!map.singleMapping) return null;
  if (node.kind !== 'namedComponent' && node.kind !== 'rootComplex' && node.kind !== 'smmuV3' && node.kind !== 'pmcg') return null;
  const parent = refTarget(iort, map, log);
  if (parent === null) return null;
  return { node: parent, id: map.outputBase };
}

/**
 * iort.c: iort_node_map_platform_id() — the device ID of mapping `index`
 * (a single mapping), translated further when its parent is not yet of a
 * type in `typeMask` (e.g. NC → SMMU → ITS).
 */
export function iortNodeMapPlatformId(iort: Iort, node: IortNode, typeMask: IortTypeMask, index: number, log: AcpiWarning[], opts: IortOptions = {}): IortMapped | null {
  const first = iortNodeGetId(iort, node, index, log);
  if (first === null || first.node === null) return null;
  if (((1 << first.node.type) & typeMask) === 0 || first.node.type >= 31) {
    const r = iortNodeMapId(iort, first.node, first.id, typeMask, log, opts);
    return r.node === null ? null : r;
  }
  return first;
}
