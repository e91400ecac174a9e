/**
 * What kind of Xen guest the kernel runs as (xen_domain_type) and the Xen
 * options it was built with.
 *
 * Kernel history of when virtio devices use grant mappings (checked in the
 * kernel sources and the 2022 series of Juergen Gross and Oleksandr
 * Tyshchenko):
 * - before v6.0: no grant DMA ops, no `xen,grant-dma` binding, no stub.
 * - v6.0: grant-dma-ops.c. `xen_is_grant_dma_device()` (the first `iommus`
 *   entry of the device's DT node points at `xen,grant-dma`) decides, in
 *   arch_setup_dma_ops() → xen_setup_dma_ops(), whether the device gets the
 *   grant DMA ops; the virtio core asks `xen_virtio_mem_acc()`
 *   (CONFIG_XEN_VIRTIO_FORCE_GRANT, else "is the transport a grant device")
 *   whether VIRTIO_F_ACCESS_PLATFORM is mandatory. The stub
 *   grant-dma-iommu.c (1ca55d50e50c) lands in the same release.
 * - v6.1 (c9133112f347): restructured; PV guests count as forced.
 * - v6.2 onwards: one callback, `xen_virtio_restricted_mem_acc()` (from
 *   "xen/virtio: Optimize the setup of "xen-grant-dma" devices", posted
 *   25 Oct 2022 during 6.1-rc, so the 6.2 merge window; the symbol is absent
 *   from 5.19 builds and present in 6.2 ones): if a
 *   backend domid is found for the transport (DT `iommus`, or for PCI the
 *   host controller's `iommu-map`; without a DT node dom0 when
 *   FORCE_GRANT or a PV guest, "Using dom0 as backend"), the grant ops are
 *   installed on the transport and access is restricted.
 * - v6.3: the stub gets a dummy probe_device() returning -ENODEV
 *   (backported to 6.1.y); kdsim always models the fixed stub.
 */
export type XenDomainType = 'none' | 'pv' | 'hvm';

/** Kernel configuration and guest type for the Xen grant-DMA model. */
export interface XenConfig {
  /** xen_domain_type: `none` (not a Xen guest), `pv`, or `hvm` (Arm guests are HVM). */
  readonly domain: XenDomainType;
  /** CONFIG_XEN_VIRTIO: grant-based virtio (selects XEN_GRANT_DMA_OPS and, with OF, XEN_GRANT_DMA_IOMMU). */
  readonly virtio: boolean;
  /** CONFIG_XEN_VIRTIO_FORCE_GRANT: every virtio device uses grants (dom0 backend without DT). */
  readonly forceGrant: boolean;
}

/** An Arm Xen guest (HVM) with CONFIG_XEN_VIRTIO=y and no forced grants. */
export const DEFAULT_XEN_CONFIG: XenConfig = { domain: 'hvm', virtio: true, forceGrant: false };
