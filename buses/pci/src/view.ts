import type { Device } from '@kdsim/core';
import { pciAcsEnabled, pciAcsPathEnabled } from './acs.js';
import type { PciBus } from './bus.js';
import { PciDevice } from './device.js';
import { REQ_ACS_FLAGS } from './regs.js';
import { pciDevsAreDmaAliases, pciForEachDmaAlias, pciIsRootBus } from './search.js';

/**
 * What pci_device_group() (iommu.c) reads of the PCI topology, over plain
 * devices: the IOMMU core declares the same shape and keeps the algorithm.
 */
export interface PciGroupingView {
  /** dev_is_pci() */
  isPci(dev: Device): boolean;
  /** pci_for_each_dma_alias() visits, in order: the device on whose bus each alias lives. */
  dmaAliasOwners(dev: Device): readonly Device[];
  /** bus->self of the bus `dev` sits on: the bridge above it, or null on a root bus. */
  upstreamBridge(dev: Device): Device | null;
  /** pci_is_root_bus(dev->bus) */
  onRootBus(dev: Device): boolean;
  /** pci_acs_path_enabled(dev, NULL, REQ_ACS_FLAGS) */
  acsPathEnabled(dev: Device): boolean;
  /** pci_acs_enabled(dev, REQ_ACS_FLAGS) */
  acsEnabled(dev: Device): boolean;
  /** The other PCI functions on the same bus as `dev`, in for_each_pci_dev() order. */
  sameBus(dev: Device): readonly Device[];
  /** pci_devs_are_dma_aliases() */
  areDmaAliases(a: Device, b: Device): boolean;
  /** pdev->multifunction */
  multifunction(dev: Device): boolean;
  /** pdev->devfn */
  devfn(dev: Device): number;
}

/** The {@link PciGroupingView} of the functions on `pci` (non-PCI devices answer as "not PCI"). */
export function pciGroupingView(pci: PciBus): PciGroupingView {
  const asPci = (d: Device): PciDevice | null => (d instanceof PciDevice ? d : null);
  return {
    isPci: (d) => asPci(d) !== null,
    dmaAliasOwners: (d) => {
      const p = asPci(d);
      if (p === null) return [];
      const out: Device[] = [];
      pciForEachDmaAlias(p, (owner) => (out.push(owner), 0));
      return out;
    },
    upstreamBridge: (d) => {
      const p = asPci(d);
      return p === null || pciIsRootBus(p.pciBus) ? null : p.pciBus.self;
    },
    onRootBus: (d) => {
      const p = asPci(d);
      return p !== null && pciIsRootBus(p.pciBus);
    },
    acsPathEnabled: (d) => {
      const p = asPci(d);
      return p !== null && pciAcsPathEnabled(p, null, REQ_ACS_FLAGS);
    },
    acsEnabled: (d) => {
      const p = asPci(d);
      return p !== null && pciAcsEnabled(p, REQ_ACS_FLAGS);
    },
    sameBus: (d) => {
      const p = asPci(d);
      return p === null ? [] : pci.functions().filter((t) => t !== p && t.pciBus === p.pciBus);
    },
    areDmaAliases: (a, b) => {
      const pa = asPci(a);
      const pb = asPci(b);
      return pa !== null && pb !== null && pciDevsAreDmaAliases(pa, pb);
    },
    multifunction: (d) => asPci(d)?.multifunction ?? false,
    devfn: (d) => asPci(d)?.devfn ?? 0,
  };
}
