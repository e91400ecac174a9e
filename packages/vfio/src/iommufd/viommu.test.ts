// iommufd_viommu fixture cases (tools/testing/selftests/iommu/iommufd.c), v6.13+ profiles.
import { Errno } from '@kdsim/core';
import { IOMMU_HWPT_ALLOC } from '@kdsim/iommu';
import { describe, expect, it } from 'vitest';
import { mockDomain, mockWorld, openCtx } from '../testing.js';
import { IOMMU_SELFTEST, IommuViommuType } from '../uapi.js';

function viommuWorld() {
  const w = mockWorld({ profile: 'linux-6.18' });
  const ctx = openCtx(w);
  const ioasId = ctx.ioasAlloc().out.ioasId;
  const md = mockDomain(w, ctx, ioasId);
  const devId = md.idev!.id;
  const parent = ctx.hwptAlloc({ flags: IOMMU_HWPT_ALLOC.NEST_PARENT, devId, ptId: ioasId }).out.hwptId;
  return { w, ctx, ioasId, devId, parent, md };
}

describe('iommufd_viommu', () => {
  it('VIOMMU_ALLOC: flags and the default type are -EOPNOTSUPP, a non-parent HWPT -EINVAL, a non-HWPT -ENOENT', () => {
    const { ctx, devId, parent, ioasId } = viommuWorld();
    const plain = ctx.hwptAlloc({ flags: 0, devId, ptId: ioasId }).out.hwptId;
    const T = IommuViommuType.SELFTEST;
    expect(ctx.viommuAlloc({ type: T, devId, hwptId: parent, flags: 1 }).errno).toBe(-Errno.EOPNOTSUPP);
    expect(ctx.viommuAlloc({ type: IommuViommuType.DEFAULT, devId, hwptId: parent }).errno).toBe(-Errno.EOPNOTSUPP);
    expect(ctx.viommuAlloc({ type: IommuViommuType.ARM_SMMUV3, devId, hwptId: parent }).errno).toBe(-Errno.EOPNOTSUPP);
    expect(ctx.viommuAlloc({ type: T, devId: 999, hwptId: parent }).errno).toBe(-Errno.ENOENT);
    expect(ctx.viommuAlloc({ type: T, devId, hwptId: ioasId }).errno).toBe(-Errno.ENOENT);
    expect(ctx.viommuAlloc({ type: T, devId, hwptId: plain }).errno).toBe(-Errno.EINVAL);
    const v = ctx.viommuAlloc({ type: T, devId, hwptId: parent });
    expect(v.errno).toBe(0);
    expect(ctx.destroy({ id: parent }).errno).toBe(-Errno.EBUSY);
  });

  it('VDEVICE_ALLOC: one vDEVICE per device and per virtual ID (-EEXIST); the vIOMMU is pinned by them', () => {
    const { w, ctx, ioasId, devId, parent } = viommuWorld();
    const viommuId = ctx.viommuAlloc({ type: IommuViommuType.SELFTEST, devId, hwptId: parent }).out.viommuId;
    const vd = ctx.vdeviceAlloc({ viommuId, devId, virtId: 0x99n });
    expect(vd.errno).toBe(0);
    expect(ctx.vdeviceAlloc({ viommuId, devId, virtId: 0x98n }).errno).toBe(-Errno.EEXIST);
    const other = mockDomain(w, ctx, ioasId);
    expect(ctx.vdeviceAlloc({ viommuId, devId: other.idev!.id, virtId: 0x99n }).errno).toBe(-Errno.EEXIST);
    expect(ctx.vdeviceAlloc({ viommuId, devId: other.idev!.id, virtId: 1n << 64n }).errno).toBe(-Errno.EINVAL);
    expect(ctx.vdeviceAlloc({ viommuId: 999, devId, virtId: 1n }).errno).toBe(-Errno.ENOENT);
    expect(ctx.destroy({ id: viommuId }).errno).toBe(-Errno.EBUSY);
    expect(ctx.destroy({ id: vd.out.vdeviceId }).errno).toBe(0);
    expect(ctx.destroy({ id: viommuId }).errno).toBe(0);
  });

  it('nested HWPTs on a vIOMMU and vIOMMU cache invalidation through HWPT_INVALIDATE', () => {
    const { ctx, devId, parent } = viommuWorld();
    const viommuId = ctx.viommuAlloc({ type: IommuViommuType.SELFTEST, devId, hwptId: parent }).out.viommuId;
    const nested = ctx.hwptAlloc({ flags: 0, devId, ptId: viommuId, data: { type: IOMMU_SELFTEST.HWPT_DATA, data: { iotlb: 2 } } });
    expect(nested.errno).toBe(0);
    expect(ctx.destroy({ id: viommuId }).errno).toBe(-Errno.EBUSY);
    ctx.vdeviceAlloc({ viommuId, devId, virtId: 7n });
    const T = 0xdadbeef;
    const ok = ctx.hwptInvalidate({ hwptId: viommuId, dataType: T, entryLen: 16, entries: [{ type: T, data: { vdev_id: 7, cache_id: 1, flags: 0 } }] });
    expect(ok).toEqual({ errno: 0, out: { entryNum: 1 } });
    const badId = ctx.hwptInvalidate({ hwptId: viommuId, dataType: T, entryLen: 16, entries: [{ type: T, data: { vdev_id: 8, cache_id: 1, flags: 0 } }] });
    expect(badId).toEqual({ errno: -Errno.EINVAL, out: { entryNum: 0 } });
  });
});
