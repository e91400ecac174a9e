/**
 * @packageDocumentation
 * Xen grant DMA (drivers/xen/grant-dma-ops.c, drivers/xen/grant-dma-iommu.c):
 * the backend domain of a device from its `xen,grant-dma` reference, when a
 * virtio device's transport gets the grant DMA ops (per kernel version), and
 * the stub IOMMU driver that lets masters of a `xen,grant-dma` node probe.
 */
export { type XenConfig, type XenDomainType, DEFAULT_XEN_CONFIG } from './config.js';
export { XenGrantDma, type XenGrantDmaData } from './grant-dma-ops.js';
export {
  XEN_GRANT_DMA_COMPATIBLE, grantDmaIommuOps, GrantDmaIommuDevice, grantDmaIommuDriver, grantDmaIommuInit, grantDmaIommuModule,
} from './grant-dma-iommu.js';
export { XenArchDmaConfigure, xenGrantDmaModule, xenGrantDmaServices, xenGuestInit, xenGrantDma } from './module.js';
export { registerXen, type XenDriverEntry, type XenDriverRegistry } from './register.js';
