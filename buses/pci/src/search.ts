import type { PciBusNode, PciDevice } from './device.js';
import { PCI_DEVID, PCI_EXP_TYPE } from './regs.js';

/**
 * A pci_for_each_dma_alias() callback: `pdev` is the device on whose bus the
 * alias lives (the bridge, for a bridge alias), `alias` the requester ID.
 * Non-zero stops the walk and is returned.
 */
export type PciDmaAliasFn = (pdev: PciDevice, alias: number) => number;

/** pci.h: pci_is_root_bus() — the bus has no parent bus. */
export function pciIsRootBus(bus: PciBusNode): boolean {
  return bus.parent === null;
}

/** pci.h: pci_upstream_bridge() — the bridge above `dev`, or null on a root bus. */
export function pciUpstreamBridge(dev: PciDevice): PciDevice | null {
  if (pciIsRootBus(dev.pciBus)) return null;
  return dev.pciBus.self;
}

/** pci.c: pci_real_dma_dev() — the device DMA really comes from; the identity without an arch quirk (VMD). */
export function pciRealDmaDev(dev: PciDevice): PciDevice {
  return dev;
}

/**
 * search.c: pci_for_each_dma_alias() — calls `fn` for every requester ID
 * the device's DMA may carry, stopping at the first non-zero result: its
 * own RID, its quirk aliases (same bus, ascending devfn), then for each bus
 * up to the root: PCIe root/switch ports are transparent, a PCIe-to-PCI/X
 * bridge takes ownership with (secondary bus, devfn 0), a PCI/X-to-PCIe
 * bridge with its own RID, a conventional bridge with its own RID (or the
 * secondary bus with the PCIE_BRIDGE_ALIAS quirk). A bridge with the
 * BRIDGE_XLATE_ROOT quirk ends the walk.
 */
export function pciForEachDmaAlias(pdev: PciDevice, fn: PciDmaAliasFn): number {
  pdev = pciRealDmaDev(pdev);
  let ret = fn(pdev, pdev.rid);
  if (ret !== 0) return ret;
  for (const devfn of pdev.dmaAliases) {
    ret = fn(pdev, PCI_DEVID(pdev.busNr, devfn));
    if (ret !== 0) return ret;
  }
  for (let bus: PciBusNode = pdev.pciBus; !pciIsRootBus(bus); bus = bus.parent!) {
    const tmp = bus.self;
    if (tmp === null) continue; // virtual bus
    if (tmp.bridgeXlateRoot) return ret;
    if (tmp.pcieType !== null) {
      switch (tmp.pcieType) {
        case PCI_EXP_TYPE.PCI_BRIDGE:
          ret = fn(tmp, PCI_DEVID(bus.number, 0));
          break;
        case PCI_EXP_TYPE.PCIE_BRIDGE:
          ret = fn(tmp, tmp.rid);
          break;
        default: // root and switch ports are transparent
          continue;
      }
    } else {
      ret = fn(tmp, tmp.pcieBridgeAlias ? PCI_DEVID(bus.number, 0) : tmp.rid);
    }
    if (ret !== 0) return ret;
  }
  return ret;
}

/**
 * All requester IDs of `pdev` in walk order, with the device each belongs
 * to: pci_for_each_dma_alias() collected into a list.
 */
export function pciDmaAliases(pdev: PciDevice): { readonly dev: PciDevice; readonly alias: number }[] {
  const out: { dev: PciDevice; alias: number }[] = [];
  pciForEachDmaAlias(pdev, (dev, alias) => {
    out.push({ dev, alias });
    return 0;
  });
  return out;
}

/**
 * pci.c: pci_devs_are_dma_aliases() — one of two devices on the same bus
 * lists the other's devfn among its quirk aliases.
 */
export function pciDevsAreDmaAliases(dev1: PciDevice, dev2: PciDevice): boolean {
  return dev1.dmaAliases.includes(dev2.devfn) || dev2.dmaAliases.includes(dev1.devfn);
}
