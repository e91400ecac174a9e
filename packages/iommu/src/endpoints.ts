import type { Device } from '@kdsim/core';
import { OfNode, type AcpiDmaAttr, type AcpiEndpoint } from '@kdsim/firmware';

/** One DMA alias of a PCI device, as pci_for_each_dma_alias() visits it. */
export interface DmaAlias {
  /** The device on whose bus the alias lives (the device itself, or a bridge). */
  readonly owner: Device;
  /** The requester ID (bus << 8 | devfn). */
  readonly rid: number;
}

/** What the bus's dma_configure hands to the firmware glue for one device. */
export interface DmaEndpoint {
  /** PCI devices translate their RIDs through the host bridge; platform devices use their own node. */
  readonly kind: 'pci' | 'platform';
  /**
   * np of of_dma_configure_id(): the device's OF node, or for PCI the node of
   * the host bridge's parent; null when DT does not describe it.
   */
  readonly ofNode: OfNode | null;
  /**
   * The ACPI side when the device (for PCI: the host bridge) has an ACPI
   * companion: its DMA attribute (acpi_get_dma_attr()) and the endpoint the
   * IORT/VIOT code matches. Null without a companion.
   */
  readonly acpi: { readonly attr: AcpiDmaAttr; readonly endpoint: AcpiEndpoint } | null;
  /** Buses with input IDs (fsl-mc, CDX). */
  readonly inputId?: number;
  /** PCI: the DMA aliases in pci_for_each_dma_alias() order (own RID first). */
  readonly dmaAliases?: readonly DmaAlias[];
  /** PCI: pci_request_acs(), called by of_iommu_configure() before grouping. */
  readonly requestAcs?: () => void;
}

/** Describes a device for dma_configure, or returns undefined when the device is not its kind. */
export type DmaEndpointDescriber = (dev: Device) => DmaEndpoint | null | undefined;

/**
 * How each bus describes its devices to the IOMMU glue (the part of
 * platform_dma_configure() / pci_dma_configure() that picks the firmware
 * node and the IDs). Bus packages add a describer; a device no describer
 * claims is a platform device described by its own OF node, if any.
 */
export class DmaEndpoints {
  readonly #describers: DmaEndpointDescriber[] = [];

  /** Adds a describer, asked before the earlier ones. */
  add(describer: DmaEndpointDescriber): void {
    this.#describers.unshift(describer);
  }

  /** The endpoint of `dev`, or null when firmware says nothing about its DMA. */
  describe(dev: Device): DmaEndpoint | null {
    for (const d of this.#describers) {
      const r = d(dev);
      if (r !== undefined) return r;
    }
    return dev.fwnode instanceof OfNode ? { kind: 'platform', ofNode: dev.fwnode, acpi: null } : null;
  }
}
