import type { Fwnode } from '@kdsim/core';
import { ViotFwnode } from './fwnodes.js';
import {
  VIOT_ENDPOINT_NODE_SIZE, VIOT_IOMMU_NODE_SIZE, VIOT_NODE_HEADER_SIZE,
  type Viot, type ViotMmioNode, type ViotPciRangeNode, type ViotVirtioMmioNode, type ViotVirtioPciNode,
} from './viot.js';
import { FW_BUG, type AcpiWarning } from './warnings.js';

/** A PCI function as VIOT parsing sees it. */
export interface ViotPciFunction {
  /** Its fwnode, or null if the PCI function has none (VIOT then creates one). */
  readonly fwnode: Fwnode | null;
}

/** What VIOT parsing needs from the simulated machine, at the moment it runs. */
export interface ViotInitEnv {
  /** pci_get_domain_bus_and_slot(): the PCI function present now, or null. */
  pciFunction(segment: number, bus: number, devfn: number): ViotPciFunction | null;
  /** acpi_resource_consumer(): the first ACPI device (namespace order) whose resources contain `address`. */
  acpiResourceConsumer(address: bigint): Fwnode | null;
  /** set_primary_fwnode(): told when VIOT gives a PCI function a synthetic fwnode. */
  setPrimaryFwnode?(segment: number, bdf: number, fwnode: Fwnode): void;
}

/** A virtio-iommu instance VIOT resolved (viot.c: struct viot_iommu). */
export interface ViotIommu {
  /** Table offset of its node. */
  readonly offset: number;
  /** The node. */
  readonly node: ViotVirtioPciNode | ViotVirtioMmioNode;
  /** The fwnode the virtio-iommu driver registers with. */
  readonly fwnode: Fwnode;
  /** True if VIOT created the fwnode (a PCI function without one). */
  readonly createdFwnode: boolean;
}

/** A PCI range endpoint entry (viot.c: struct viot_endpoint). */
export interface ViotPciRange {
  /** The node it came from. */
  readonly node: ViotPciRangeNode;
  /** The IOMMU. */
  readonly viommu: ViotIommu;
}

/** An MMIO endpoint entry. */
export interface ViotMmioEndpoint {
  /** The node it came from. */
  readonly node: ViotMmioNode;
  /** The IOMMU. */
  readonly viommu: ViotIommu;
}

/** What acpi_viot_init() leaves behind. */
export interface ViotInitResult {
  /** The table. */
  readonly viot: Viot;
  /** PCI ranges in lookup order: later table nodes first (list_add()). */
  readonly pciRanges: readonly ViotPciRange[];
  /** MMIO endpoints in lookup order: later table nodes first. */
  readonly mmioEndpoints: readonly ViotMmioEndpoint[];
  /** Resolved IOMMUs, in resolution order. */
  readonly iommus: readonly ViotIommu[];
  /** True if parsing stopped early (bad bounds, empty or short endpoint node). */
  readonly aborted: boolean;
  /** acpi_viot_early_init(): a VIOT exists, so PCI ACS is requested. */
  readonly acsRequested: true;
  /** Log lines. */
  readonly warnings: readonly AcpiWarning[];
}

/**
 * viot.c: acpi_viot_init() / viot_parse_node() / viot_get_iommu(). Runs
 * after PCI enumeration: a virtio-pci IOMMU must be present now, a
 * virtio-mmio IOMMU is the ACPI device whose resources contain its address.
 * A node out of bounds, an empty node or a short endpoint node aborts
 * parsing (earlier entries stay); an unknown type is skipped; an endpoint
 * whose output node does not resolve is dropped. Entries are inserted at the
 * front, so later nodes take precedence.
 */
export function acpiViotInit(viot: Viot, env: ViotInitEnv): ViotInitResult {
  const warnings: AcpiWarning[] = [...viot.tableWarnings];
  const pciRanges: ViotPciRange[] = [];
  const mmioEndpoints: ViotMmioEndpoint[] = [];
  const iommus: ViotIommu[] = [];
  const cache = new Map<number, ViotIommu>();
  const file = viot.file;
  const log = (offset: number, level: AcpiWarning['level'], message: string, source: AcpiWarning['source'] = 'linux'): void => {
    warnings.push({ file, offset, level, source, message: `ACPI: VIOT: ${message}` });
  };

  // viot.c: viot_check_bounds()
  const boundsOk = (pos: number): boolean => {
    if (!viot.headerInBounds(pos)) {
      log(pos, 'err', `${FW_BUG}Node pointer overflows`);
      return false;
    }
    if (viot.nodeAt(pos).length < VIOT_NODE_HEADER_SIZE) {
      log(pos, 'err', `${FW_BUG}Empty node`);
      return false;
    }
    return true;
  };

  // viot.c: viot_get_iommu()
  const getIommu = (off: number): ViotIommu | null => {
    const hit = cache.get(off);
    if (hit !== undefined) return hit;
    if (!boundsOk(off)) return null;
    const node = viot.nodeAt(off);
    // Simulation rule: an IOMMU node whose 16 bytes leave the table is unusable (Linux reads past the end).
    if (node.length < VIOT_IOMMU_NODE_SIZE || off + VIOT_IOMMU_NODE_SIZE > viot.length) return null;
    let fwnode: Fwnode;
    let created = false;
    if (node.kind === 'virtioPci') {
      const pdev = env.pciFunction(node.segment, node.bdf >> 8, node.bdf & 0xff);
      if (pdev === null) {
        log(off, 'err', 'Could not find PCI IOMMU');
        return null;
      }
      if (pdev.fwnode !== null) {
        fwnode = pdev.fwnode;
      } else {
        fwnode = new ViotFwnode(off);
        created = true;
        env.setPrimaryFwnode?.(node.segment, node.bdf, fwnode);
      }
    } else if (node.kind === 'virtioMmio') {
      const adev = env.acpiResourceConsumer(node.baseAddress);
      if (adev === null) {
        log(off, 'err', 'Could not find MMIO IOMMU');
        return null;
      }
      fwnode = adev;
    } else {
      return null;
    }
    const viommu: ViotIommu = { offset: off, node, fwnode, createdFwnode: created };
    cache.set(off, viommu);
    iommus.push(viommu);
    return viommu;
  };

  // viot.c: viot_parse_node(); false aborts the walk.
  const parseNode = (pos: number): boolean => {
    if (!boundsOk(pos)) return false;
    const node = viot.nodeAt(pos);
    if (node.kind === 'virtioPci' || node.kind === 'virtioMmio') return true;
    if (node.kind === 'pciRange' || node.kind === 'mmio') {
      const what = node.kind === 'pciRange' ? 'PCI' : 'MMIO';
      if (node.length < VIOT_ENDPOINT_NODE_SIZE) {
        log(pos, 'err', `${FW_BUG}Invalid ${what} node size`);
        return false;
      }
      if (pos + node.length > viot.length) {
        // Simulation rule (spec §4.2): a node running past the table end counts as invalid.
        log(pos, 'err', `${FW_BUG}Invalid ${what} node size`, 'kdsim');
        return false;
      }
      const viommu = getIommu(node.outputNode);
      if (viommu === null) {
        log(pos, 'warn', 'No IOMMU node found');
        return true;
      }
      if (node.kind === 'pciRange') pciRanges.unshift({ node, viommu });
      else mmioEndpoints.unshift({ node, viommu });
      return true;
    }
    log(pos, 'warn', `Unsupported node ${node.type.toString(16)}`);
    return true;
  };

  let aborted = false;
  let pos = viot.nodeOffset;
  // nodeCount is a u16 and every accepted node advances pos by ≥ 4 bytes.
  for (let i = 0; i < viot.nodeCount; i++) {
    if (!parseNode(pos)) {
      aborted = true;
      break;
    }
    pos += viot.nodeAt(pos).length;
  }
  return { viot, pciRanges, mmioEndpoints, iommus, aborted, acsRequested: true, warnings };
}
