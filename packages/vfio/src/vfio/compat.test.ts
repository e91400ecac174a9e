import { Errno, type Device } from '@kdsim/core';
import { IommuCap } from '@kdsim/iommu';
import { describe, expect, it } from 'vitest';
import { mockWorld, openCtx } from '../testing.js';
import { VFIO_EXT, VFIO_GROUP_FLAGS } from '../uapi.js';

describe('a VFIO group with an iommufd as its container (vfio_compat / group.c)', () => {
  function world(caps?: readonly IommuCap[]) {
    const w = mockWorld();
    const dev = w.mock.addDevice(caps !== undefined ? { caps } : {}) as Device;
    expect(typeof w.vfio.registerGroupDev(dev)).toBe('object');
    const group = w.vfio.iommu.groupOf(dev)!;
    const gfd = w.proc.open(`/dev/vfio/${group.id}`).out.fd;
    const ifd = w.proc.open('/dev/iommu').out.fd;
    return { w, dev, gfd, ifd };
  }

  it('creates the compat IOAS at SET_CONTAINER; GET_DEVICE_FD binds and attaches the device to it', () => {
    const { w, dev, gfd, ifd } = world();
    expect(w.proc.groupSetContainer(gfd, ifd).errno).toBe(0);
    expect(w.proc.groupGetStatus(gfd).out.flags).toBe(VFIO_GROUP_FLAGS.VIABLE | VFIO_GROUP_FLAGS.CONTAINER_SET);
    const ctx = w.proc.iommufd(ifd);
    if (typeof ctx === 'number') throw new Error(String(ctx));
    expect(ctx.compatIoasId).not.toBeNull();
    expect(w.proc.checkExtension(ifd, VFIO_EXT.TYPE1v2_IOMMU).out.ret).toBe(1);
    expect(w.proc.setIommu(ifd, VFIO_EXT.TYPE1v2_IOMMU).errno).toBe(0);
    expect(w.proc.groupGetDeviceFd(gfd, dev.name).errno).toBe(0);
    expect(ctx.objects().map((o) => o.type)).toEqual(['IOAS', 'DEVICE', 'HWPT_PAGING']);
    // the mock cannot block No-Snoop: the compat IOAS does not enforce coherency
    expect(w.proc.checkExtension(ifd, VFIO_EXT.DMA_CC_IOMMU).out.ret).toBe(0);
  });

  it('answers DMA_CC_IOMMU = 1 when every HWPT of the compat IOAS enforces coherency', () => {
    const { w, dev, gfd, ifd } = world([IommuCap.CACHE_COHERENCY, IommuCap.ENFORCE_CACHE_COHERENCY]);
    w.proc.groupSetContainer(gfd, ifd);
    w.proc.groupGetDeviceFd(gfd, dev.name);
    expect(w.proc.checkExtension(ifd, VFIO_EXT.DMA_CC_IOMMU).out.ret).toBe(1);
    expect(w.proc.enforcedCoherent(gfd)).toBe(true);
  });

  // As a real 6.12 answers (test/calibration/iommufd-arm64-virt-gicv3-smmuv3-compat).
  it('answers the type1 calls itself: -ENODEV before a group made the compat IOAS, then maps and unmaps in it', () => {
    const { w, gfd, ifd } = world();
    const buf = w.proc.mm.mmap(0x10000n);
    expect(w.proc.checkExtension(ifd, VFIO_EXT.DMA_CC_IOMMU).errno).toBe(-Errno.ENODEV);
    expect(w.proc.checkExtension(ifd, VFIO_EXT.NOIOMMU_IOMMU).out.ret).toBe(1);
    expect(w.proc.setIommu(ifd, VFIO_EXT.TYPE1v2_IOMMU).errno).toBe(-Errno.ENODEV);
    expect(w.proc.iommuMapDma(ifd, { vaddr: buf, iova: 0x100000n, size: 0x4000n }).errno).toBe(-Errno.ENODEV);
    w.proc.groupSetContainer(gfd, ifd);
    expect(w.proc.setIommu(ifd, VFIO_EXT.TYPE1_NESTING_IOMMU).errno).toBe(-Errno.EINVAL);
    expect(w.proc.setIommu(ifd, VFIO_EXT.TYPE1v2_IOMMU).errno).toBe(0);
    expect(w.proc.setIommu(ifd, VFIO_EXT.TYPE1v2_IOMMU).errno).toBe(0);
    expect(w.proc.iommuMapDma(ifd, { vaddr: buf, iova: 0x100000n, size: 0x4000n }).errno).toBe(0);
    expect(w.proc.iommuMapDma(ifd, { vaddr: buf, iova: 0x102000n, size: 0x4000n }).errno).toBe(-Errno.EEXIST);
    // Whole areas only, as IOAS_UNMAP: no cut in the middle of a mapping.
    expect(w.proc.iommuUnmapDma(ifd, { iova: 0x101000n, size: 0x1000n }).errno).toBe(-Errno.ENOENT);
    const u = w.proc.iommuUnmapDma(ifd, { iova: 0x100000n, size: 0x4000n });
    expect([u.errno, u.out.size]).toEqual([0, 0x4000n]);
  });

  it('GET_DEVICE_FD fails with the bind errno when the group is owned elsewhere (-EPERM)', () => {
    const { w, dev, gfd, ifd } = world();
    const other = openCtx(w);
    expect(typeof other.bindDevice(dev)).toBe('object');
    w.proc.groupSetContainer(gfd, ifd);
    expect(w.proc.groupGetDeviceFd(gfd, dev.name).errno).toBe(-Errno.EPERM);
  });
});
