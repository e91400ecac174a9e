import type { Device } from '@kdsim/core';
import type { IommuGroup } from './group.js';

/**
 * What pci_device_group() reads of the PCI topology. The PCI bus package
 * supplies it (its PciDevice, alias and ACS helpers); the IOMMU core keeps
 * the algorithm.
 */
export interface PciTopologyView {
  /** dev_is_pci(). */
  isPci(dev: Device): boolean;
  /** pci_for_each_dma_alias() visits, in order: the device on whose bus each alias lives. */
  dmaAliasOwners(dev: Device): readonly Device[];
  /** bus->self for the bus `dev` sits on: the bridge above it, or null on a root bus / virtual bus. */
  upstreamBridge(dev: Device): Device | null;
  /** True if `dev` sits on a root bus (pci_is_root_bus(dev->bus)). */
  onRootBus(dev: Device): boolean;
  /** pci_acs_path_enabled(dev, NULL, REQ_ACS_FLAGS): ACS SV|RR|CR|UF on `dev` and every bridge up to the root. */
  acsPathEnabled(dev: Device): boolean;
  /** pci_acs_enabled(dev, REQ_ACS_FLAGS). */
  acsEnabled(dev: Device): boolean;
  /** The other PCI functions on the same bus as `dev`, in for_each_pci_dev() order. */
  sameBus(dev: Device): readonly Device[];
  /** pci_devs_are_dma_aliases(). */
  areDmaAliases(a: Device, b: Device): boolean;
  /** pdev->multifunction. */
  multifunction(dev: Device): boolean;
  /** PCI_SLOT(devfn) and the devfn. */
  devfn(dev: Device): number;
}

/**
 * iommu.c: pci_device_group() — follow DMA aliases upward (reuse an alias's
 * group), climb bridges until an ACS-isolated path (reuse a bridge's group),
 * then reuse the group of a device aliasing the representative or of a
 * non-ACS function in the same slot; else a new group.
 */
export function pciDeviceGroup(dev: Device, view: PciTopologyView, groupOf: (d: Device) => IommuGroup | null, alloc: () => IommuGroup): IommuGroup {
  let pdev = dev;
  for (const owner of view.dmaAliasOwners(dev)) { // get_pci_alias_or_group()
    pdev = owner;
    const g = groupOf(owner);
    if (g !== null) return g;
  }
  for (let d = pdev; !view.onRootBus(d);) {
    const self = view.upstreamBridge(d);
    if (self === null) break;
    if (view.acsPathEnabled(self)) break;
    pdev = self;
    const g = groupOf(self);
    if (g !== null) return g;
    d = self;
  }
  const seen = new Set<number>();
  const aliasGroup = (p: Device): IommuGroup | null => { // get_pci_alias_group()
    const fn = view.devfn(p);
    if (seen.has(fn)) return null;
    seen.add(fn);
    const g = groupOf(p);
    if (g !== null) return g;
    for (const tmp of view.sameBus(p)) {
      if (tmp === p || !view.areDmaAliases(p, tmp)) continue;
      const a = aliasGroup(tmp) ?? functionGroup(tmp);
      if (a !== null) return a;
    }
    return null;
  };
  const functionGroup = (p: Device): IommuGroup | null => { // get_pci_function_alias_group()
    if (!view.multifunction(p) || view.acsEnabled(p)) return null;
    for (const tmp of view.sameBus(p)) {
      if (tmp === p || view.devfn(tmp) >> 3 !== view.devfn(p) >> 3 || view.acsEnabled(tmp)) continue;
      const g = aliasGroup(tmp);
      if (g !== null) return g;
    }
    return null;
  };
  return aliasGroup(pdev) ?? functionGroup(pdev) ?? alloc();
}
