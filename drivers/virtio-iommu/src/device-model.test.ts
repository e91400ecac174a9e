import { VIRTIO_F } from '@kdsim/bus-virtio';
import { Errno } from '@kdsim/core';
import { describe, expect, it } from 'vitest';
import { VirtioIommuDeviceModel } from './device-model.js';
import { VIRTIO_IOMMU_ATTACH_F_BYPASS, VIRTIO_IOMMU_F, VIRTIO_IOMMU_MAP_F, VIRTIO_IOMMU_S, viommuGetReqErrno } from './protocol.js';

const RW = VIRTIO_IOMMU_MAP_F.READ | VIRTIO_IOMMU_MAP_F.WRITE;
function dev(): VirtioIommuDeviceModel {
  const d = new VirtioIommuDeviceModel({ endpoints: [8, 16, 24] });
  d.negotiated = d.features;
  return d;
}

describe('virtio-iommu device: requests and status codes (virtio spec, IOMMU device)', () => {
  it('creates a domain on ATTACH and destroys it with its mappings when the last endpoint leaves', () => {
    const d = dev();
    expect(d.attach(1, 8)).toBe(VIRTIO_IOMMU_S.OK);
    expect(d.map(1, 0x1000n, 0x1fffn, 0x80000n, RW)).toBe(VIRTIO_IOMMU_S.OK);
    expect(d.detach(1, 8)).toBe(VIRTIO_IOMMU_S.OK);
    expect(d.hasDomain(1)).toBe(false);
    expect(d.map(1, 0x1000n, 0x1fffn, 0x80000n, RW)).toBe(VIRTIO_IOMMU_S.NOENT);
  });

  it('answers NOENT for an unknown endpoint and INVAL for unknown flags', () => {
    const d = dev();
    expect(d.attach(1, 99)).toBe(VIRTIO_IOMMU_S.NOENT);
    expect(d.attach(1, 8, 0x2)).toBe(VIRTIO_IOMMU_S.INVAL);
    expect(d.probe(99).status).toBe(VIRTIO_IOMMU_S.NOENT);
  });

  it('moves an endpoint attached elsewhere (implicit detach) and refuses a bypass flag that disagrees with the domain', () => {
    const d = dev();
    d.attach(1, 8);
    d.attach(1, 16);
    expect(d.attach(2, 8)).toBe(VIRTIO_IOMMU_S.OK);
    expect(d.attachedTo(8)).toBe(2);
    expect(d.attach(2, 24, VIRTIO_IOMMU_ATTACH_F_BYPASS)).toBe(VIRTIO_IOMMU_S.INVAL);
  });

  it('rejects misaligned MAP (RANGE), overlapping MAP (INVAL), MMIO without the feature (INVAL) and MAP on a bypass domain (INVAL)', () => {
    const d = dev();
    d.attach(1, 8);
    expect(d.map(1, 0x1800n, 0x1fffn, 0n, RW)).toBe(VIRTIO_IOMMU_S.RANGE);
    expect(d.map(1, 0x0n, 0x3fffn, 0n, RW)).toBe(VIRTIO_IOMMU_S.OK);
    expect(d.map(1, 0x2000n, 0x4fffn, 0n, RW)).toBe(VIRTIO_IOMMU_S.INVAL);
    d.negotiated &= ~(1n << BigInt(VIRTIO_IOMMU_F.MMIO));
    expect(d.map(1, 0x8000n, 0x8fffn, 0n, VIRTIO_IOMMU_MAP_F.MMIO)).toBe(VIRTIO_IOMMU_S.INVAL);
    d.attach(3, 16, VIRTIO_IOMMU_ATTACH_F_BYPASS);
    expect(d.map(3, 0x0n, 0xfffn, 0n, RW)).toBe(VIRTIO_IOMMU_S.INVAL);
  });

  it('UNMAP: an empty range is OK, splitting a mapping is RANGE and removes nothing, whole mappings and gaps go', () => {
    const d = dev();
    d.attach(1, 8);
    expect(d.unmap(1, 0x100000n, 0x1fffffn)).toBe(VIRTIO_IOMMU_S.OK);
    d.map(1, 0x0n, 0x1fffn, 0n, RW);
    d.map(1, 0x4000n, 0x4fffn, 0n, RW);
    expect(d.unmap(1, 0x0n, 0xfffn)).toBe(VIRTIO_IOMMU_S.RANGE);
    expect(d.mappings(1)).toHaveLength(2);
    expect(d.unmap(1, 0x0n, 0x7fffn)).toBe(VIRTIO_IOMMU_S.OK);
    expect(d.mappings(1)).toHaveLength(0);
  });

  it('refuses bypass domains unless BYPASS_CONFIG was negotiated', () => {
    const d = dev();
    d.negotiated = 1n << BigInt(VIRTIO_F.VERSION_1);
    expect(d.attach(1, 8, VIRTIO_IOMMU_ATTACH_F_BYPASS)).toBe(VIRTIO_IOMMU_S.INVAL);
  });

  it('maps status codes to the errno the Linux driver returns', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 42].map(viommuGetReqErrno)).toEqual([
      0, -Errno.EIO, -Errno.ENOSYS, -Errno.EIO, -Errno.EINVAL, -Errno.ERANGE, -Errno.ENOENT, -Errno.EFAULT, -Errno.ENOMEM, -Errno.EIO,
    ]);
  });
});
