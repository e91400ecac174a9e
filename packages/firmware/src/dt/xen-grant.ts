import { Errno } from '@kdsim/core';
import type { OfNode } from './of.js';
import { ofMapId } from './of-map-id.js';
import { ofDeviceIsCompatible } from './of-match.js';
import { ofParsePhandleWithArgs } from './of-phandle.js';

/** The device whose Xen grant-DMA backend is looked up. */
export interface XenGrantDevice {
  /**
   * xen_dt_get_node(): the device's own node, or for a PCI device the node
   * of the host controller above its root bus; null without DT.
   */
  readonly node: OfNode | null;
  /** PCI devices: the device's own RID (PCI_DEVID(bus, devfn); no alias walk). */
  readonly pciRid?: number;
}

/** Platform defaults of xen_grant_init_backend_domid(). */
export interface XenGrantOptions {
  /** CONFIG_XEN_VIRTIO_FORCE_GRANT or a PV domain: without DT, use dom0 as backend. */
  readonly forceGrant?: boolean;
}

/** 0 and the backend domain ID, or a negative errno (-ESRCH: DT names no xen,grant-dma backend; -ENODEV: no DT). */
export interface XenGrantResult {
  /** 0 or a negative errno. */
  readonly errno: number;
  /** The backend domid (meaningful when errno is 0). */
  readonly domid: number;
}

/**
 * drivers/xen/grant-dma-ops.c: xen_grant_init_backend_domid() and
 * xen_dt_grant_init_backend_domid() (spec §2.7): a platform device's first
 * `iommus` entry, or for a PCI device the host controller's `iommu-map`
 * entry for its RID, must point at a `xen,grant-dma` node with exactly one
 * argument cell; that cell, as a 16-bit domid_t, is the backend domain.
 */
export function xenDtGrantBackendDomid(dev: XenGrantDevice, options: XenGrantOptions = {}): XenGrantResult {
  const np = dev.node;
  if (np === null) return options.forceGrant === true ? { errno: 0, domid: 0 } : { errno: -Errno.ENODEV, domid: 0 };
  let target: OfNode | null;
  let args: readonly number[];
  if (dev.pciRid !== undefined) {
    const m = ofMapId(np, dev.pciRid, 'iommu-map', 'iommu-map-mask');
    if (m.errno !== 0) return { errno: -Errno.ESRCH, domid: 0 }; // "Cannot translate ID"
    target = m.target;
    args = [m.id];
  } else {
    const e = ofParsePhandleWithArgs(np, 'iommus', '#iommu-cells', -1, 0);
    if (e.errno !== 0) return { errno: -Errno.ESRCH, domid: 0 }; // "Cannot parse iommus property"
    target = e.node;
    args = e.args;
  }
  if (target === null || ofDeviceIsCompatible(target, 'xen,grant-dma') === 0 || args.length !== 1) {
    return { errno: -Errno.ESRCH, domid: 0 }; // "Incompatible IOMMU node"
  }
  return { errno: 0, domid: args[0]! & 0xffff };
}
