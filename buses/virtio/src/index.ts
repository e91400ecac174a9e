/**
 * @packageDocumentation
 * The virtio bus: `virtioN` devices, virtio drivers with id and feature
 * tables, virtio_dev_probe() feature negotiation and status, and the
 * virtio-pci and virtio-mmio transports with a modelled device side.
 */
export {
  VIRTIO_ID, VIRTIO_DEV_ANY_ID, VIRTIO_F, VIRTIO_TRANSPORT_F_START, VIRTIO_TRANSPORT_F_END, VIRTIO_CONFIG_S, bit, features, hasFeature,
} from './ids.js';
export { VirtioHardware, DEFAULT_VIRTIO_FEATURES, type VirtioDeviceModel, type VirtioPciModel, type VirtioMmioModel } from './hardware.js';
export { VirtioDevice, type VirtioDeviceInit, type VirtioTransport } from './device.js';
export { VirtioMatchTable, virtioDriver, virtioIdMatch, type VirtioDeviceId, type VirtioDriverSpec } from './driver.js';
export { VirtioBus, registerVirtioDevice, unregisterVirtioDevice, virtioTransportAdd, virtioTransportRemove } from './bus.js';
export { vringTransportFeatures } from './ring.js';
export { PCI_VENDOR_ID_REDHAT_QUMRANET, virtioPciDeviceId, virtioPciDriver } from './pci-transport.js';
export { VIRTIO_MMIO_MAGIC, virtioMmioDriver } from './mmio-transport.js';
export { virtioBusOf, virtioHardwareOf, virtioBusModule, virtioPciModule, virtioMmioModule } from './module.js';
