import type { Fwnode } from '@kdsim/core';
import { IortFwnode } from './fwnodes.js';
import { iortWalkWarnings, type Iort } from './iort.js';
import type { IortNode, IortPmcgNode, IortSmmuNode, IortSmmuV3Node } from './iort-types.js';
import type { AcpiWarning } from './warnings.js';

/** A platform device iort.c creates for an SMMU or PMCG node. */
export interface IortPlatformDevice {
  /** The node. */
  readonly node: IortSmmuNode | IortSmmuV3Node | IortPmcgNode;
  /** Its synthetic fwnode (what the driver registers its IOMMU with). */
  readonly fwnode: IortFwnode;
  /** iort_dev_config name: the platform driver that binds it. */
  readonly driverName: 'arm-smmu' | 'arm-smmu-v3' | 'arm-smmu-v3-pmcg';
  /**
   * DMA coherency set by dev_dma_configure: SMMUv3 from the COHACC override
   * flag, SMMUv1/v2 from the coherent-walk flag; null for a PMCG (no hook).
   */
  readonly coherent: boolean | null;
}

/** Hooks for {@link acpiIortInit}. */
export interface IortInitEnv {
  /**
   * iort_add_platform_device(): 0, or a negative errno to make device
   * creation fail for `node` (Linux then stops creating IORT devices).
   */
  createDevice?(node: IortNode): number;
}

/** What acpi_iort_init() leaves behind. */
export interface IortInitResult {
  /** The platform devices created, in walk order. */
  readonly devices: readonly IortPlatformDevice[];
  /** iort_enable_acs(): an RC maps to an SMMU, so PCI ACS is requested. */
  readonly acsRequested: boolean;
  /** Log lines. */
  readonly warnings: readonly AcpiWarning[];
  /** iort_get_fwnode(): the fwnode of an SMMU/PMCG node, if init created one. */
  readonly fwnodeFor: (node: IortNode) => Fwnode | null;
  /** iort_get_iort_node(): the node behind a fwnode created here. */
  readonly nodeFor: (fwnode: Fwnode) => IortNode | null;
}

/**
 * iort.c: acpi_iort_init() → iort_init_platform_devices(). Walks the nodes
 * (stopping as Linux does, see {@link iortWalkWarnings}), requests ACS once
 * for the first RC that maps to an SMMU, and creates a synthetic fwnode and a
 * platform device for each SMMUv1/v2, SMMUv3 and PMCG node. If creating a
 * device fails, its fwnode is forgotten and no later node gets a device.
 */
export function acpiIortInit(iort: Iort, env: IortInitEnv = {}): IortInitResult {
  const warnings: AcpiWarning[] = [...iort.tableWarnings];
  const devices: IortPlatformDevice[] = [];
  const byOffset = new Map<number, IortFwnode>();
  let acsRequested = false;
  let stopped = false;
  for (const node of iort.nodes) {
    if (!acsRequested) acsRequested = iortEnableAcs(iort, node);
    const dev = platformDevice(node);
    if (dev === null) continue;
    if ((env.createDevice?.(node) ?? 0) !== 0) {
      stopped = true;
      break;
    }
    byOffset.set(node.offset, dev.fwnode);
    devices.push(dev);
  }
  if (!stopped) warnings.push(...iortWalkWarnings(iort, 'init'));
  return {
    devices, acsRequested, warnings,
    fwnodeFor: (node) => byOffset.get(node.offset) ?? null,
    nodeFor: (fw) => (fw instanceof IortFwnode && byOffset.get(fw.node.offset) === fw ? fw.node : null),
  };
}

// iort.c: iort_enable_acs()
function iortEnableAcs(iort: Iort, node: IortNode): boolean {
  if (node.kind !== 'rootComplex') return false;
  for (const map of node.mappings) {
    if (map.outputReference === 0) continue;
    const parent = iort.nodeAt(map.outputReference);
    if (parent !== null && (parent.kind === 'smmu' || parent.kind === 'smmuV3')) return true;
  }
  return false;
}

// iort.c: iort_get_dev_config() and the dev_dma_configure hooks.
function platformDevice(node: IortNode): IortPlatformDevice | null {
  switch (node.kind) {
    case 'smmuV3':
      return { node, fwnode: new IortFwnode(node), driverName: 'arm-smmu-v3', coherent: node.cohaccOverride };
    case 'smmu':
      return { node, fwnode: new IortFwnode(node), driverName: 'arm-smmu', coherent: node.coherentWalk };
    case 'pmcg':
      return { node, fwnode: new IortFwnode(node), driverName: 'arm-smmu-v3-pmcg', coherent: null };
    default:
      return null;
  }
}
