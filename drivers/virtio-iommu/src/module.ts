import { KernelModule } from '@kdsim/core';
import { virtioBusOf, type VirtioPciModel } from '@kdsim/bus-virtio';
import { VirtioIommuDeviceModel, type ViommuDeviceInit } from './device-model.js';
import { VirtioIommuDriver } from './driver.js';

/**
 * The `virtio_iommu` module (module_virtio_driver(virtio_iommu_drv)): its
 * init registers the `virtio_iommu` driver on the virtio bus; one driver
 * (and iommu_ops) per kernel.
 */
export const virtioIommuModule = new KernelModule('virtio_iommu', {
  initcalls: [{
    level: 'device',
    name: 'virtio_iommu_drv_init',
    fn: (k) => k.driverRegister(new VirtioIommuDriver(k).virtioDriver(virtioBusOf(k))),
  }],
});

/**
 * The transport side of QEMU 7.2's virtio-iommu-pci for the virtio-pci
 * driver: the device's features (QEMU_VIOMMU_FEATURES) and a fresh modelled
 * device in its config space. One per machine (the model holds state).
 */
export function qemuVirtioIommuPciModel(init: ViommuDeviceInit = {}): VirtioPciModel {
  const model = new VirtioIommuDeviceModel(init);
  return { features: model.features, config: { viommu: model } };
}
