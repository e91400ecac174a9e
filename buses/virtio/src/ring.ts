import type { VirtioDevice } from './device.js';
import { VIRTIO_F, VIRTIO_TRANSPORT_F_END, VIRTIO_TRANSPORT_F_START, bit } from './ids.js';

const RING_KEEPS: readonly number[] = [
  VIRTIO_F.RING_INDIRECT_DESC, VIRTIO_F.RING_EVENT_IDX, VIRTIO_F.VERSION_1, VIRTIO_F.ACCESS_PLATFORM,
  VIRTIO_F.RING_PACKED, VIRTIO_F.ORDER_PLATFORM, VIRTIO_F.NOTIFICATION_DATA,
];

/** virtio_ring.c: vring_transport_features() — clear the transport bits the ring code does not understand. */
export function vringTransportFeatures(dev: VirtioDevice): void {
  for (let i = VIRTIO_TRANSPORT_F_START; i < VIRTIO_TRANSPORT_F_END; i++) {
    if (!RING_KEEPS.includes(i)) dev.features &= ~bit(i);
  }
}
