import { busDriverSpec, type BusType, type Device, type DriverCoreOptions, type DriverSpec } from '@kdsim/core';
import type { VirtioDevice } from './device.js';
import { VIRTIO_DEV_ANY_ID } from './ids.js';

/** struct virtio_device_id */
export interface VirtioDeviceId {
  /** Device type or VIRTIO_DEV_ANY_ID. */
  readonly device: number;
  /** Vendor or VIRTIO_DEV_ANY_ID (default). */
  readonly vendor?: number;
}

/** What a virtio driver is made of (struct virtio_driver). */
export interface VirtioDriverSpec extends DriverCoreOptions {
  /** Driver name (`virtio_net`). */
  readonly name: string;
  /** id_table */
  readonly idTable: readonly VirtioDeviceId[];
  /** feature_table: bit numbers the driver supports. */
  readonly featureTable?: readonly number[];
  /** feature_table_legacy, used when the device lacks VERSION_1 (default: feature_table). */
  readonly featureTableLegacy?: readonly number[];
  /** validate(): may clear features; non-zero fails the probe. */
  readonly validate?: (dev: VirtioDevice) => number;
  /** probe(): 0 or a negative errno. */
  readonly probe?: (dev: VirtioDevice) => number;
  /** remove() */
  readonly remove?: (dev: VirtioDevice) => void;
}

/** The virtio match data a driver carries. */
export class VirtioMatchTable {
  /** The tables of `spec`. */
  constructor(readonly spec: VirtioDriverSpec) {}
}

/** The core DriverSpec of a virtio driver for `bus` (register_virtio_driver()). */
export function virtioDriver(bus: BusType, spec: VirtioDriverSpec): DriverSpec {
  return busDriverSpec(bus, spec, new VirtioMatchTable(spec), {
    remove: spec.remove ? (dev: Device) => spec.remove!(dev as VirtioDevice) : undefined,
  });
}

/** virtio.c: virtio_id_match() */
export function virtioIdMatch(dev: VirtioDevice, id: VirtioDeviceId): boolean {
  if (id.device !== dev.deviceId && id.device !== VIRTIO_DEV_ANY_ID) return false;
  const vendor = id.vendor ?? VIRTIO_DEV_ANY_ID;
  return vendor === VIRTIO_DEV_ANY_ID || vendor === dev.vendor;
}
