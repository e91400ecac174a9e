import type { ContainerModuleLoadOptions } from 'inversify';
import type { InitcallLevel, Kernel } from '@kdsim/core';
import type { XenConfig } from './config.js';
import { grantDmaIommuInit } from './grant-dma-iommu.js';
import { xenGrantDmaServices, xenGuestInit } from './module.js';

/**
 * A driver-catalogue entry as the scenario layer's registry takes it
 * (structurally its `DriverEntry`; this package sits below the scenario
 * layer and cannot import it).
 */
export interface XenDriverEntry {
  /** Driver name scenarios write in `builtin`. */
  readonly name: string;
  /** Module name. */
  readonly module: string;
  /** One line for listings. */
  readonly description: string;
  /** Initcall level when built in. */
  readonly level: InitcallLevel;
  /** The module's init. */
  init(ctx: unknown, k: Kernel): number;
  /** Services bound when the module loads. */
  readonly services?: (options: ContainerModuleLoadOptions) => void;
}

/** Anything with the scenario registry's `addDriver()`. */
export interface XenDriverRegistry {
  /** Adds or replaces a driver entry. */
  addDriver(entry: XenDriverEntry): unknown;
}

/**
 * Adds the Xen grant-DMA pieces to a scenario registry: `grant-dma-iommu`
 * (module grant_dma_iommu, subsys_initcall, always built in in a real
 * kernel) and `xen-grant-dma` (the guest's grant-dma-ops and virtio
 * callback, early_initcall; its services must load after the IOMMU core's).
 */
export function registerXen(registry: XenDriverRegistry, config: Partial<XenConfig> = {}): void {
  registry.addDriver({
    name: 'grant-dma-iommu',
    module: 'grant_dma_iommu',
    description: 'Xen grant-DMA stub IOMMU: binds xen,grant-dma nodes so their masters stop waiting',
    level: 'subsys',
    init: (_ctx, k) => grantDmaIommuInit(k),
  });
  registry.addDriver({
    name: 'xen-grant-dma',
    module: 'xen_grant_dma_ops',
    description: 'Xen guest grant DMA ops: virtio transports of a xen,grant-dma backend use grant mappings',
    level: 'early',
    init: (_ctx, k) => xenGuestInit(k),
    services: xenGrantDmaServices(config),
  });
}
