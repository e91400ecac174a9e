import { Errno, type Fwnode } from '@kdsim/core';
import { iortWalkWarnings, type Iort } from './iort.js';
import { iortNodeMapId, iortNodeMapPlatformId, type IortOptions } from './iort-map.js';
import {
  IORT_IOMMU_TYPE, IORT_MSI_TYPE, IORT_NODE, type IortIommuNode, type IortNamedComponentNode, type IortNode, type IortRootComplexNode,
} from './iort-types.js';
import {
  outcomeOf, ownRidOnly, type AcpiEndpoint, type AcpiIommuResult, type IommuCoreEnv,
} from './outcome.js';
import type { AcpiWarning } from './warnings.js';

/** What IORT endpoint configuration needs from the rest of the simulated kernel. */
export interface IortEnv<D> extends IommuCoreEnv<D> {
  /** iort_get_fwnode(): the fwnode acpi_iort_init() created for an SMMU node, or null. */
  fwnodeFor(node: IortNode): Fwnode | null;
  /** IS_ENABLED(CONFIG_ARM_SMMU) / IS_ENABLED(CONFIG_ARM_SMMU_V3) for the node's type. */
  driverBuilt(node: IortIommuNode): boolean;
}

/**
 * iort.c: iort_scan_node() with iort_match_node_callback() — the first
 * node of the walk of `type` that matches; logs the walk-end warning when
 * the walk ends early without a match.
 */
export function iortScanNode(iort: Iort, type: number, match: (node: IortNode) => boolean, log: AcpiWarning[]): IortNode | null {
  for (const node of iort.nodes) if (node.type === type && match(node)) return node;
  log.push(...iortWalkWarnings(iort, 'scan'));
  return null;
}

/** The RC node for a PCI segment (iort_match_node_callback(): one RC per segment). */
export function iortFindRootComplex(iort: Iort, segment: number, log: AcpiWarning[]): IortRootComplexNode | null {
  const n = iortScanNode(iort, IORT_NODE.PCI_ROOT_COMPLEX, (x) => x.kind === 'rootComplex' && x.pciSegment === segment >>> 0, log);
  return n?.kind === 'rootComplex' ? n : null;
}

/** The NC node whose device name equals `acpiPath` byte for byte (strcmp()). */
export function iortFindNamedComponent(iort: Iort, acpiPath: string | null, log: AcpiWarning[]): IortNamedComponentNode | null {
  if (acpiPath === null) return null;
  const n = iortScanNode(iort, IORT_NODE.NAMED_COMPONENT, (x) => x.kind === 'namedComponent' && x.deviceName === acpiPath, log);
  return n?.kind === 'namedComponent' ? n : null;
}

class Xlate<D> {
  readonly ids: number[] = [];
  iommu: IortIommuNode | null = null;
  iommuFwnode: Fwnode | null = null;
  fwspecMade = false;

  constructor(readonly env: IortEnv<D>) {}

  // iort.c: iort_iommu_xlate() → acpi_iommu_fwspec_init()
  run(dev: D, node: IortNode | null, sid: number): number {
    if (node === null || (node.kind !== 'smmu' && node.kind !== 'smmuV3')) return -Errno.ENODEV;
    const fw = this.env.fwnodeFor(node);
    if (fw === null) return -Errno.ENODEV;
    if (!this.env.driverBuilt(node)) return -Errno.ENODEV;
    const r = this.env.fwspecInit(dev, fw);
    if (r !== 0) return r;
    this.fwspecMade = true;
    this.iommu = node;
    this.iommuFwnode = fw;
    this.ids.push(sid);
    this.env.fwspecAddId?.(dev, sid);
    return 0;
  }
}

/**
 * iort.c: iort_iommu_configure_id() — configures one endpoint from the
 * IORT. PCI: the first RC of the device's segment, every DMA alias
 * translated to an SMMU (stops at the first failing alias); ATS and CANWBS
 * flags from the RC once the device has an fwspec. Platform: the NC whose
 * name is the device's ACPI path; with an input ID one translation,
 * otherwise each single mapping in order until one fails or leads nowhere;
 * on success the NC's PASID width and stall flag become device properties.
 */
export function iortIommuConfigure<D extends AcpiEndpoint>(iort: Iort, dev: D, env: IortEnv<D>, opts: IortOptions = {}): AcpiIommuResult<IortIommuNode> {
  const log: AcpiWarning[] = [];
  const x = new Xlate(env);
  let errno: number;
  let flags = { ats: false, canwbs: false };
  let deviceProperties: AcpiIommuResult<IortIommuNode>['deviceProperties'] = null;
  const ep: AcpiEndpoint = dev;
  if (ep.kind === 'pci') {
    const rc = iortFindRootComplex(iort, ep.segment, log);
    if (rc === null) {
      errno = -Errno.ENODEV;
    } else {
      const walk = (d: D, fn: (owner: D, rid: number) => number): number => (env.forEachDmaAlias !== undefined ? env.forEachDmaAlias(d, fn) : ownRidOnly(d, fn));
      errno = walk(dev, (_owner, rid) => {
        // iort.c: iort_pci_iommu_init()
        const m = iortNodeMapId(iort, rc, rid & 0xffff, IORT_IOMMU_TYPE, log, opts);
        return x.run(dev, m.node, m.id);
      });
      if (x.fwspecMade || env.hasFwspec?.(dev) === true) {
        flags = { ats: rc.atsSupported, canwbs: opts.canwbs !== false && rc.memory.canwbs };
      }
    }
  } else {
    const pdev = ep;
    const nc = iortFindNamedComponent(iort, pdev.acpiPath, log);
    if (nc === null) {
      errno = -Errno.ENODEV;
    } else {
      errno = pdev.inputId !== undefined ? ncMapId(iort, nc, pdev.inputId, dev, x, log, opts) : ncMap(iort, nc, dev, x, log, opts);
      // iort.c: iort_named_component_init()
      if (errno === 0) deviceProperties = { 'pasid-num-bits': nc.pasidBits, 'dma-can-stall': nc.stallSupported };
    }
  }
  return {
    outcome: outcomeOf(errno), errno, iommu: x.iommu, iommuFwnode: x.iommuFwnode, ids: x.ids, flags,
    deviceProperties, warnings: log,
  };
}

// iort.c: iort_nc_iommu_map_id()
function ncMapId<D>(iort: Iort, nc: IortNode, inputId: number, dev: D, x: Xlate<D>, log: AcpiWarning[], opts: IortOptions): number {
  const m = iortNodeMapId(iort, nc, inputId >>> 0, IORT_IOMMU_TYPE, log, opts);
  return m.node !== null ? x.run(dev, m.node, m.id) : -Errno.ENODEV;
}

// iort.c: iort_nc_iommu_map()
function ncMap<D>(iort: Iort, nc: IortNode, dev: D, x: Xlate<D>, log: AcpiWarning[], opts: IortOptions): number {
  let err = -Errno.ENODEV;
  // Bounded: iort_node_get_id() returns null once i reaches the mapping count.
  for (let i = 0; i <= nc.mappings.length; i++) {
    const m = iortNodeMapPlatformId(iort, nc, IORT_IOMMU_TYPE, i, log, opts);
    if (m === null) break;
    err = x.run(dev, m.node, m.id);
    if (err !== 0) break;
  }
  return err;
}

/**
 * iort.c: iort_msi_map_id() — the ITS device ID of an endpoint's input ID
 * (a PCI RID, or a bus-supplied ID of a named component): its RC or NC node
 * translated to an ITS group; the input ID unchanged when that fails.
 */
export function iortMsiMapId(iort: Iort, dev: AcpiEndpoint, inputId: number, log: AcpiWarning[] = []): { readonly its: IortNode | null; readonly id: number } {
  const node = dev.kind === 'pci' ? iortFindRootComplex(iort, dev.segment, log) : iortFindNamedComponent(iort, dev.acpiPath, log);
  if (node === null) return { its: null, id: inputId };
  const m = iortNodeMapId(iort, node, inputId >>> 0, IORT_MSI_TYPE, log);
  return { its: m.node, id: m.id };
}
