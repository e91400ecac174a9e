import { Device, type BusType } from '@kdsim/core';
import { VIRTIO_CONFIG_S } from './ids.js';

/**
 * What the virtio core calls on a transport (struct virtio_config_ops):
 * reading the device's features, writing the driver's, and the device's
 * answer to FEATURES_OK.
 */
export interface VirtioTransport {
  /** `virtio-pci (modern)`, `virtio-mmio v1`, ... for messages. */
  readonly name: string;
  /** get_features() */
  getFeatures(): bigint;
  /** finalize_features(): 0 or a negative errno (with its own message). */
  finalizeFeatures(dev: VirtioDevice): number;
  /** The device keeps FEATURES_OK set after the driver wrote `features`. */
  acceptsFeatures(features: bigint): boolean;
  /** Device-specific config space. */
  readonly config: Readonly<Record<string, unknown>>;
}

/** What {@link VirtioDevice} is made of. */
export interface VirtioDeviceInit {
  /** The virtio bus. */
  readonly bus: BusType;
  /** The transport device (a PCI function or a virtio-mmio platform device). */
  readonly parent: Device;
  /** id.device */
  readonly deviceId: number;
  /** id.vendor */
  readonly vendor: number;
  /** The transport. */
  readonly transport: VirtioTransport;
}

/**
 * struct virtio_device, named `virtioN` once registered. Its DMA is the
 * transport parent's: it does no dma_configure of its own.
 */
export class VirtioDevice extends Device {
  /** dev->index (ida). */
  readonly index: number;
  /** id.device */
  readonly deviceId: number;
  /** id.vendor */
  readonly vendor: number;
  /** The transport. */
  readonly transport: VirtioTransport;
  /** dev->features: negotiated at probe. */
  features = 0n;
  /** The device status register. */
  status = 0;

  /** A device with index `index` (register_virtio_device() allocates it). */
  constructor(init: VirtioDeviceInit, index: number) {
    super({ name: `virtio${index}`, bus: init.bus, parent: init.parent, fwnode: null });
    this.index = index;
    this.deviceId = init.deviceId;
    this.vendor = init.vendor;
    this.transport = init.transport;
  }

  /** virtio_add_status() */
  addStatus(bits: number): void {
    this.status |= bits;
  }

  /** The features the device offers. */
  get offered(): bigint {
    return this.transport.getFeatures();
  }

  /** DRIVER_OK is set. */
  get ready(): boolean {
    return (this.status & VIRTIO_CONFIG_S.DRIVER_OK) !== 0;
  }
}
