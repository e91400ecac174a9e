import type { Device, Fwnode, Kernel } from '@kdsim/core';
import { PciDevice, REQ_ACS_FLAGS, pciAcsEnabled, pciAcsPathEnabled, pciDevsAreDmaAliases, pciDmaAliases, pciIsRootBus, pciRequestAcs } from '@kdsim/bus-pci';
import { AmbaDevice, PlatformDevice } from '@kdsim/bus-platform';
import { OfNode, acpiDmaAttr, acpiFullPathname, type AcpiDmaAttr } from '@kdsim/firmware';
import type { DmaEndpoint, DmaEndpointDescriber } from './endpoints.js';
import type { PciTopologyView } from './pci-group.js';

// scan.c: acpi_init_coherency(): the _CCA values from the namespace root down to `node`.
function ccaPath(node: Fwnode | null): (0 | 1 | null)[] {
  const out: (0 | 1 | null)[] = [];
  for (let n = node; n !== null; n = n.parent) {
    const cca = (n as { cca?: number | null }).cca;
    out.unshift(cca === 0 || cca === 1 ? cca : null);
  }
  return out;
}

function acpiAttr(k: Kernel, node: Fwnode): AcpiDmaAttr {
  return acpiDmaAttr(ccaPath(node), k.config.arch === 'arm64'); // CONFIG_ACPI_CCA_REQUIRED on arm64
}

/**
 * pci-driver.c: pci_dma_configure() — a PCI function is configured from its
 * host bridge: the DT host controller node, or the bridge's ACPI companion;
 * its DMA aliases are the RIDs firmware translates.
 */
export function pciDmaEndpoints(k: Kernel): DmaEndpointDescriber {
  return (dev: Device): DmaEndpoint | null | undefined => {
    if (!(dev instanceof PciDevice)) return undefined;
    const node = dev.hostBridge.dmaFwnode;
    const dmaAliases = pciDmaAliases(dev).map((a) => ({ owner: a.dev, rid: a.alias }));
    const requestAcs = (): void => pciRequestAcs(k);
    if (node instanceof OfNode) return { kind: 'pci', ofNode: node, acpi: null, dmaAliases, requestAcs };
    if (node !== null && node.type === 'acpi') {
      return { kind: 'pci', ofNode: null, acpi: { attr: acpiAttr(k, node), endpoint: { kind: 'pci', segment: dev.segment, rid: dev.rid, fwnode: dev.fwnode } }, dmaAliases, requestAcs };
    }
    return null;
  };
}

/**
 * platform.c: platform_dma_configure() — the device's own OF node, else its
 * ACPI companion (IORT named components by path, VIOT MMIO endpoints by the
 * first MEM resource).
 */
export function platformDmaEndpoints(k: Kernel): DmaEndpointDescriber {
  return (dev: Device): DmaEndpoint | null | undefined => {
    if (!(dev instanceof PlatformDevice) && !(dev instanceof AmbaDevice)) return undefined;
    const node = dev.fwnode;
    if (node instanceof OfNode) return { kind: 'platform', ofNode: node, acpi: null };
    if (node !== null && node.type === 'acpi') {
      const memStart = dev instanceof PlatformDevice ? dev.mmio[0] ?? null : dev.mmio;
      return { kind: 'platform', ofNode: null, acpi: { attr: acpiAttr(k, node), endpoint: { kind: 'platform', acpiPath: acpiFullPathname(node.path), memStart, fwnode: node } } };
    }
    return null;
  };
}

/** The PCI topology pci_device_group() reads, over the PCI bus package's devices. */
export const busPciView: PciTopologyView = {
  isPci: (dev) => dev instanceof PciDevice,
  dmaAliasOwners: (dev) => (dev instanceof PciDevice ? pciDmaAliases(dev).map((a) => a.dev) : [dev]),
  upstreamBridge: (dev) => (dev instanceof PciDevice ? dev.pciBus.self : null),
  onRootBus: (dev) => !(dev instanceof PciDevice) || pciIsRootBus(dev.pciBus),
  acsPathEnabled: (dev) => dev instanceof PciDevice && pciAcsPathEnabled(dev, null, REQ_ACS_FLAGS),
  acsEnabled: (dev) => dev instanceof PciDevice && pciAcsEnabled(dev, REQ_ACS_FLAGS),
  sameBus: (dev) => (dev instanceof PciDevice ? dev.pciBus.devices : []),
  areDmaAliases: (a, b) => a instanceof PciDevice && b instanceof PciDevice && pciDevsAreDmaAliases(a, b),
  multifunction: (dev) => dev instanceof PciDevice && dev.multifunction,
  devfn: (dev) => (dev instanceof PciDevice ? dev.devfn : 0),
};
