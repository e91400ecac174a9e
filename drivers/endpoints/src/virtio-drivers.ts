import { driverModule } from '@kdsim/core';
import { VIRTIO_F, VIRTIO_ID, virtioBusOf, virtioDriver } from '@kdsim/bus-virtio';

// virtio_net.c: features[] (device-specific bits) plus the ring/transport bits every driver accepts
const NET_FEATURES: readonly number[] = [
  0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 45, 52, 53, 54, 56, 58, 61, 62, 63,
  VIRTIO_F.NOTIFY_ON_EMPTY, VIRTIO_F.ANY_LAYOUT,
];
const NET_FEATURES_LEGACY: readonly number[] = [...NET_FEATURES];
// virtio_blk.c: features[]
const BLK_FEATURES: readonly number[] = [1, 2, 4, 5, 6, 9, 10, 11, 12, 13, 14, 15, 17];

/** The `virtio_net` module: the `virtio_net` driver for network devices. */
export const virtioNetModule = driverModule('virtio_net', (k) => [virtioDriver(virtioBusOf(k), {
  name: 'virtio_net', idTable: [{ device: VIRTIO_ID.NET }], featureTable: NET_FEATURES, featureTableLegacy: NET_FEATURES_LEGACY,
})]);

/** The `virtio_rng` module (`virtio-rng` on the command line; `_` and `-` are the same to modprobe). */
export const virtioRngModule = driverModule('virtio_rng', (k) => [virtioDriver(virtioBusOf(k), {
  name: 'virtio_rng', idTable: [{ device: VIRTIO_ID.RNG }],
})]);

/** The `virtio_blk` module. */
export const virtioBlkModule = driverModule('virtio_blk', (k) => [virtioDriver(virtioBusOf(k), {
  name: 'virtio_blk', idTable: [{ device: VIRTIO_ID.BLOCK }], featureTable: BLK_FEATURES,
})]);
