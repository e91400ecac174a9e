/**
 * @packageDocumentation
 * virtio-iommu (drivers/iommu/virtio-iommu.c): the driver with its
 * per-kernel capable() answers, and a modelled virtio-iommu device that
 * executes ATTACH / DETACH / MAP / UNMAP / PROBE requests with the spec's
 * status codes.
 */
export {
  VIRTIO_IOMMU_F, VIRTIO_IOMMU_T, VIRTIO_IOMMU_S, VIRTIO_IOMMU_ATTACH_F_BYPASS, VIRTIO_IOMMU_MAP_F, VIRTIO_IOMMU_RESV_MEM_T,
  viommuGetReqErrno, type ViommuStatus,
} from './protocol.js';
export { VirtioIommuDeviceModel, QEMU_VIOMMU_FEATURES, type ViommuDeviceInit, type ViommuResvMem, type ViommuMapping } from './device-model.js';
export { VirtioIommuDriver, Viommu, ViommuDomain, VIRTIO_ID_IOMMU } from './driver.js';
export {
  virtioIommuModule, qemuVirtioIommuPciModel, qemuArmVirtViommuReservedRegions, QEMU_X86_VIOMMU_RESERVED_REGIONS,
} from './module.js';
