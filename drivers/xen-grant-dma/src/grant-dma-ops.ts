import { LogLevel, type Device, type Kernel } from '@kdsim/core';
import { PciDevice } from '@kdsim/bus-pci';
import type { VirtioDevice } from '@kdsim/bus-virtio';
import { OfNode, ofDeviceIsCompatible, ofParsePhandleWithArgs, xenDtGrantBackendDomid, type XenGrantResult } from '@kdsim/firmware';
import type { XenConfig } from './config.js';

/** struct xen_grant_dma_data: what grant-dma-ops keeps per device (the xarray entry). */
export interface XenGrantDmaData {
  /** The domain running the device's backend. */
  readonly backendDomid: number;
  /** Set when the device misbehaved (a grant could not be revoked). */
  broken: boolean;
}

/**
 * drivers/xen/grant-dma-ops.c for one kernel: finds a device's backend
 * domain and installs the grant DMA ops (`dev->dma_ops =
 * &xen_grant_dma_ops`, modelled as the per-device data being present).
 */
export class XenGrantDma {
  readonly #data = new Map<Device, XenGrantDmaData>();

  /** The grant-DMA layer of kernel `k` for a guest configured as `config`. */
  constructor(readonly k: Kernel, readonly config: XenConfig) {}

  /** True if the kernel has grant-dma-ops.c at all (v6.0+, CONFIG_XEN_VIRTIO, a Xen guest). */
  get active(): boolean {
    return this.config.virtio && this.config.domain !== 'none' && this.k.profile.atLeast(6, 0);
  }

  /** The grant DMA data of `dev` once the grant ops are installed on it, else null. */
  dataOf(dev: Device): XenGrantDmaData | null {
    return this.#data.get(dev) ?? null;
  }

  /** True if `dev` uses xen_grant_dma_ops. */
  usesGrantDma(dev: Device): boolean {
    return this.#data.has(dev);
  }

  // grant-dma-ops.c: xen_dt_get_node(): a PCI device's host controller node, else its own node.
  #dtNode(dev: Device): OfNode | null {
    if (dev instanceof PciDevice) {
      const n = dev.hostBridge.dmaFwnode;
      return n instanceof OfNode ? n : null;
    }
    return dev.fwnode instanceof OfNode ? dev.fwnode : null;
  }

  /**
   * grant-dma-ops.c: xen_grant_init_backend_domid() — the backend domid from
   * DT, else dom0 for CONFIG_XEN_VIRTIO_FORCE_GRANT or a PV guest
   * ("Using dom0 as backend"), else -ENODEV; -ESRCH when DT names no
   * `xen,grant-dma` backend.
   */
  initBackendDomid(dev: Device): XenGrantResult {
    const node = this.#dtNode(dev);
    const forceGrant = this.config.forceGrant || this.config.domain === 'pv';
    const r = xenDtGrantBackendDomid({ node, ...(dev instanceof PciDevice ? { pciRid: dev.rid } : {}) }, { forceGrant });
    if (node === null && r.errno === 0) this.k.devPrintk(dev, LogLevel.INFO, 'Using dom0 as backend');
    return r;
  }

  /**
   * grant-dma-ops.c: xen_grant_setup_dma_ops() — refuses a second setup
   * ("Xen grant DMA data is already created"), else stores the data and
   * switches the device to the grant DMA ops.
   */
  setupDmaOps(dev: Device, backendDomid: number): void {
    if (this.#data.has(dev)) {
      this.k.devPrintk(dev, LogLevel.ERR, 'Xen grant DMA data is already created');
      return;
    }
    this.#data.set(dev, { backendDomid, broken: false });
  }

  /**
   * v6.0–v6.1 grant-dma-ops.c: xen_is_grant_dma_device() — the device's DT
   * node (v6.1: for PCI the host controller's `iommu-map` entry) leads to a
   * `xen,grant-dma` node.
   */
  isGrantDmaDevice(dev: Device): boolean {
    const node = this.#dtNode(dev);
    if (node === null) return false;
    if (dev instanceof PciDevice) {
      if (!this.k.profile.atLeast(6, 1)) return false;
      return xenDtGrantBackendDomid({ node, pciRid: dev.rid }).errno === 0;
    }
    // of_parse_phandle(np, "iommus", 0): the target only, whatever its cells say.
    const e = ofParsePhandleWithArgs(node, 'iommus', null, 0, 0);
    return e.errno === 0 && e.node !== null && ofDeviceIsCompatible(e.node, 'xen,grant-dma') > 0;
  }

  /**
   * The grant part of arch_setup_dma_ops() in v6.0–v6.1
   * (include/xen/arm/xen-ops.h: xen_setup_dma_ops()): a grant device gets the
   * grant ops when its DMA is configured; from v6.2 this happens at virtio
   * probe instead ({@link XenGrantDma.restrictedMemAcc}).
   */
  archSetupDmaOps(dev: Device): void {
    if (!this.active || this.k.profile.atLeast(6, 2) || !this.isGrantDmaDevice(dev)) return;
    const r = this.initBackendDomid(dev);
    if (r.errno !== 0) {
      this.k.devPrintk(dev, LogLevel.ERR, 'Cannot set up Xen grant DMA ops, retain platform DMA ops');
      return;
    }
    this.setupDmaOps(dev, r.domid);
  }

  /**
   * The virtio core's virtio_check_mem_acc_cb for a Xen guest: v6.0–v6.1
   * xen_virtio_mem_acc() (decision only); v6.2+ xen_virtio_restricted_mem_acc()
   * (installs the grant ops on the transport when a backend is found).
   * True means the device must offer VERSION_1 and ACCESS_PLATFORM.
   */
  restrictedMemAcc(vdev: VirtioDevice): boolean {
    if (!this.active) return false;
    const transport = vdev.parent;
    if (transport === null) return false;
    if (!this.k.profile.atLeast(6, 2)) {
      const forced = this.config.forceGrant || (this.k.profile.atLeast(6, 1) && this.config.domain === 'pv');
      return forced || this.isGrantDmaDevice(transport);
    }
    const r = this.initBackendDomid(transport);
    if (r.errno !== 0) return false;
    this.setupDmaOps(transport, r.domid);
    return true;
  }
}
