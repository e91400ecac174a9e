import { features, VIRTIO_F } from './ids.js';

/** What a virtio device offers and how it answers, as a scenario describes it. */
export interface VirtioDeviceModel {
  /** Device feature bits (default VERSION_1, INDIRECT_DESC, EVENT_IDX). */
  readonly features?: bigint;
  /**
   * Whether the device accepts the features the driver wrote (it clears
   * FEATURES_OK otherwise). Default: any subset of what it offers.
   */
  readonly acceptFeatures?: (driverFeatures: bigint) => boolean;
  /** Device-specific configuration space, for drivers to read. */
  readonly config?: Readonly<Record<string, unknown>>;
}

/** A virtio-pci function's transport side. */
export interface VirtioPciModel extends VirtioDeviceModel {
  /** Has the modern (virtio 1.0) vendor capabilities (default true; QEMU's disable-modern=off). */
  readonly modern?: boolean;
}

/** The registers a virtio-mmio window answers with (virtio spec 4.2.2). */
export interface VirtioMmioModel extends VirtioDeviceModel {
  /** MagicValue (default 0x74726976, "virt"). */
  readonly magic?: number;
  /** Version: 1 legacy, 2 modern (default 2). */
  readonly version?: number;
  /** DeviceID; 0 is an empty slot. */
  readonly deviceId: number;
  /** VendorID (default 0x554d4551, "QEMU"). */
  readonly vendor?: number;
}

/** The device features QEMU offers when a scenario says nothing. */
export const DEFAULT_VIRTIO_FEATURES = features(VIRTIO_F.VERSION_1, VIRTIO_F.RING_INDIRECT_DESC, VIRTIO_F.RING_EVENT_IDX);

/**
 * The virtio hardware of one machine: per PCI function (by name,
 * `0000:00:03.0`) and per virtio-mmio window (by base address). Anything
 * not listed is a default device (PCI) or an empty slot (MMIO, device ID 0),
 * as QEMU's unused virtio-mmio transports are. Bind one per kernel.
 */
export class VirtioHardware {
  /** Per PCI function. */
  readonly pci: ReadonlyMap<string, VirtioPciModel>;
  /** Per MMIO base. */
  readonly mmio: ReadonlyMap<bigint, VirtioMmioModel>;

  /** The given models. */
  constructor(init: { readonly pci?: Readonly<Record<string, VirtioPciModel>>; readonly mmio?: readonly (VirtioMmioModel & { readonly base: bigint | number })[] } = {}) {
    this.pci = new Map(Object.entries(init.pci ?? {}));
    this.mmio = new Map((init.mmio ?? []).map((m) => [BigInt(m.base), m]));
  }

  /** The model of a PCI function (a default one when not listed). */
  pciModel(name: string): VirtioPciModel {
    return this.pci.get(name) ?? {};
  }

  /** The model of the window at `base` (an empty slot when not listed). */
  mmioModel(base: bigint): VirtioMmioModel {
    return this.mmio.get(base) ?? { deviceId: 0 };
  }
}
