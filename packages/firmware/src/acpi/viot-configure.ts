import { Errno, type Fwnode } from '@kdsim/core';
import {
  outcomeOf, ownRidOnly, type AcpiEndpoint, type AcpiIommuResult, type IommuCoreEnv,
} from './outcome.js';
import type { ViotInitResult, ViotIommu } from './viot-init.js';

/** What VIOT endpoint configuration needs from the rest of the simulated kernel. */
export interface ViotEnv<D> extends IommuCoreEnv<D> {
  /** IS_ENABLED(CONFIG_VIRTIO_IOMMU). */
  virtioIommuBuilt(): boolean;
  /** The device's fwnode (device_match_fwnode()); default: `dev.fwnode`. */
  fwnodeOf?(dev: D): Fwnode | null;
}

/** Kernel-version switches for {@link viotIommuConfigure}. */
export interface ViotOptions {
  /**
   * Before v6.3 ("ACPI: VIOT: Initialize the correct IOMMU fwspec") the PCI
   * callback configured the alias owner (e.g. a bridge) instead of the
   * device. Default false.
   */
  readonly aliasOwnerBug?: boolean;
}

/**
 * viot.c: viot_iommu_configure(). PCI: for each DMA alias, the first range
 * (later table nodes first) whose segment range holds the alias owner's
 * segment and whose BDF range holds the RID; endpoint ID =
 * ((segment − segStart) << 16) + RID − bdfStart + endpointStart (mod 2^32).
 * Platform: the first MMIO endpoint whose address equals the start of the
 * device's first MEM resource. The IOMMU never translates itself (-EINVAL).
 */
export function viotIommuConfigure<D extends AcpiEndpoint>(init: ViotInitResult, dev: D, env: ViotEnv<D>, opts: ViotOptions = {}): AcpiIommuResult<ViotIommu> {
  const ids: number[] = [];
  const st: { iommu: ViotIommu | null } = { iommu: null };
  const fwnodeOf = (d: D): Fwnode | null => (env.fwnodeOf !== undefined ? env.fwnodeOf(d) : d.fwnode ?? null);

  // viot.c: viot_dev_iommu_init()
  const devInit = (target: D, viommu: ViotIommu, epid: number): number => {
    if (fwnodeOf(target) === viommu.fwnode) return -Errno.EINVAL; // "We're not translating ourself"
    if (!env.virtioIommuBuilt()) return -Errno.ENODEV;
    const r = env.fwspecInit(target, viommu.fwnode);
    if (r !== 0) return r;
    st.iommu = viommu;
    ids.push(epid);
    env.fwspecAddId?.(target, epid);
    return 0;
  };

  let errno: number;
  const ep0: AcpiEndpoint = dev;
  if (ep0.kind === 'pci') {
    const walk = (d: D, fn: (owner: D, rid: number) => number): number => (env.forEachDmaAlias !== undefined ? env.forEachDmaAlias(d, fn) : ownRidOnly(d, fn));
    // viot.c: viot_pci_dev_iommu_init()
    errno = walk(dev, (owner, rid) => {
      const seg = owner.kind === 'pci' ? owner.segment : 0;
      const bdf = rid & 0xffff;
      for (const ep of init.pciRanges) {
        const n = ep.node;
        if (seg >= n.segmentStart && seg <= n.segmentEnd && bdf >= n.bdfStart && bdf <= n.bdfEnd) {
          const epid = (((seg - n.segmentStart) << 16) + bdf - n.bdfStart + n.endpointStart) >>> 0;
          return devInit(opts.aliasOwnerBug === true ? owner : dev, ep.viommu, epid);
        }
      }
      return -Errno.ENODEV;
    });
  } else {
    // viot.c: viot_mmio_dev_iommu_init()
    const mem = ep0.memStart;
    errno = -Errno.ENODEV;
    if (mem !== undefined && mem !== null) {
      const ep = init.mmioEndpoints.find((e) => e.node.baseAddress === mem);
      if (ep !== undefined) errno = devInit(dev, ep.viommu, ep.node.endpoint);
    }
  }
  return {
    outcome: outcomeOf(errno), errno, iommu: st.iommu, iommuFwnode: st.iommu?.fwnode ?? null, ids,
    flags: { ats: false, canwbs: false }, deviceProperties: null, warnings: [],
  };
}
