import { Errno, KernelModule, type Device, type DriverSpec, type Kernel } from '@kdsim/core';
import { platformBusOf, platformDriver, type PlatformDevice } from '@kdsim/bus-platform';
import { MachineFirmware, ofDeviceIsCompatible } from '@kdsim/firmware';
import { IommuCore, IommuDevice, type IommuOps } from '@kdsim/iommu';

/** The stub's compatible (grant_dma_iommu_of_match[]). */
export const XEN_GRANT_DMA_COMPATIBLE = 'xen,grant-dma';

/**
 * grant-dma-iommu.c: grant_dma_iommu_ops — nothing but a dummy
 * probe_device() (-ENODEV, v6.3) and no of_xlate, so of_iommu_xlate()
 * answers -ENODEV and a master is "not behind an IOMMU": no fwspec, no
 * group, no capability.
 */
export const grantDmaIommuOps: IommuOps = {
  name: 'grant-dma-iommu',
  owner: null,
  pgsizeBitmap: 0n,
  probeDevice: () => -Errno.ENODEV,
  deviceGroup: () => -Errno.ENODEV,
  ofXlate: null,
};

/** struct grant_dma_iommu_device: the stub instance of one `xen,grant-dma` node. */
export class GrantDmaIommuDevice extends IommuDevice {
  /** The platform device the stub bound to. */
  constructor(readonly dev: Device) {
    super(dev.name);
  }
}

/**
 * grant-dma-iommu.c: the `grant-dma-iommu` platform driver. Its probe only
 * registers an IOMMU instance for the node (iommu_device_register() with
 * the device as hwdev), which is what fw_devlink and iommu_fwspec_init()
 * wait for.
 */
export function grantDmaIommuDriver(k: Kernel): DriverSpec {
  return platformDriver(platformBusOf(k), {
    name: 'grant-dma-iommu',
    ofMatchTable: [{ compatible: XEN_GRANT_DMA_COMPATIBLE }],
    probe: (pdev: PlatformDevice) => {
      const mmu = new GrantDmaIommuDevice(pdev);
      const ret = k.container.get(IommuCore).deviceRegister(mmu, grantDmaIommuOps, pdev);
      if (ret !== 0) return ret;
      pdev.driverData = mmu;
      return 0;
    },
    remove: (pdev) => {
      const mmu = pdev.driverData;
      if (mmu instanceof GrantDmaIommuDevice) k.container.get(IommuCore).deviceUnregister(mmu);
    },
  });
}

/**
 * grant-dma-iommu.c: grant_dma_iommu_init() (subsys_initcall) — registers
 * the driver only if the device tree has a `xen,grant-dma` node
 * (of_find_matching_node(): enabled or not). Kernels before v6.0 have no stub.
 */
export function grantDmaIommuInit(k: Kernel): number {
  if (!k.profile.atLeast(6, 0)) return 0;
  const of = k.container.isBound(MachineFirmware) ? k.container.get(MachineFirmware).of : null;
  if (of === null) return 0;
  const found = of.allNodes().some((np) => ofDeviceIsCompatible(np, XEN_GRANT_DMA_COMPATIBLE) > 0);
  if (!found) return 0;
  return k.driverRegister(grantDmaIommuDriver(k));
}

/**
 * The stub as a kernel module named as Linux names it. CONFIG_XEN_GRANT_DMA_IOMMU
 * is a hidden bool (selected by XEN_VIRTIO when OF), so it is always built in;
 * listing it in `modules` models an out-of-tree experiment, not a real kernel.
 */
export const grantDmaIommuModule = new KernelModule('grant_dma_iommu', {
  initcalls: [{ level: 'subsys', name: 'grant_dma_iommu_init', fn: grantDmaIommuInit }],
});
