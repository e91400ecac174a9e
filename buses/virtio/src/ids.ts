/**
 * Virtio constants (include/uapi/linux/virtio_ids.h, virtio_config.h,
 * virtio_ring.h, include/linux/mod_devicetable.h).
 */

/** virtio_ids.h: device type IDs. */
export const VIRTIO_ID = {
  NET: 1, BLOCK: 2, CONSOLE: 3, RNG: 4, BALLOON: 5, RPMSG: 7, SCSI: 8, NINE_P: 9, RPROC_SERIAL: 11,
  GPU: 16, INPUT: 18, VSOCK: 19, CRYPTO: 20, IOMMU: 23, MEM: 24, SOUND: 25, FS: 26, PMEM: 27,
} as const;

/** mod_devicetable.h: VIRTIO_DEV_ANY_ID */
export const VIRTIO_DEV_ANY_ID = 0xffffffff;

/** Feature bit numbers the core and transports look at. */
export const VIRTIO_F = {
  NOTIFY_ON_EMPTY: 24,
  ANY_LAYOUT: 27,
  RING_INDIRECT_DESC: 28,
  RING_EVENT_IDX: 29,
  VERSION_1: 32,
  ACCESS_PLATFORM: 33,
  RING_PACKED: 34,
  IN_ORDER: 35,
  ORDER_PLATFORM: 36,
  SR_IOV: 37,
  NOTIFICATION_DATA: 38,
  NOTIF_CONFIG_DATA: 39,
  RING_RESET: 40,
  ADMIN_VQ: 41,
} as const;

/** virtio_config.h: VIRTIO_TRANSPORT_F_START and _END (exclusive). */
export const VIRTIO_TRANSPORT_F_START = 28;
/** See {@link VIRTIO_TRANSPORT_F_START}. */
export const VIRTIO_TRANSPORT_F_END = 42;

/** virtio_config.h: device status bits. */
export const VIRTIO_CONFIG_S = {
  ACKNOWLEDGE: 1, DRIVER: 2, DRIVER_OK: 4, FEATURES_OK: 8, NEEDS_RESET: 0x40, FAILED: 0x80,
} as const;

/** 1n << BigInt(bit) */
export function bit(n: number): bigint {
  return 1n << BigInt(n);
}

/** A feature set from bit numbers. */
export function features(...bits: readonly number[]): bigint {
  let f = 0n;
  for (const b of bits) f |= bit(b);
  return f;
}

/** True when `set` has feature `n`. */
export function hasFeature(set: bigint, n: number): boolean {
  return (set & bit(n)) !== 0n;
}
