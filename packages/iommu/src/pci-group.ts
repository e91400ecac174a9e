import type { Device } from '@kdsim/core';
import type { PciGroupingView } from '@kdsim/bus-pci';
import type { IommuGroup } from './group.js';

/**
 * What pci_device_group() reads of the PCI topology: the PCI bus package's
 * {@link PciGroupingView} (its PciDevice, alias and ACS helpers); the IOMMU
 * core keeps the algorithm.
 */
export type PciTopologyView = PciGroupingView;

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
