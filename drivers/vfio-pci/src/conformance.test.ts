// The iommufd_ioas / iommufd_mock_domain cases that apply to real drivers,
// run against virtio-iommu and arm-smmu-v3 (v6.12) through the cdev path.
import { Errno } from '@kdsim/core';
import { QEMU_SMMUV3 } from '@kdsim/driver-arm-smmu-v3';
import { IOMMU_HWPT_ALLOC } from '@kdsim/iommu';
import { IOMMU_IOAS_MAP, ULONG_MAX, type IommufdHwptPaging } from '@kdsim/vfio';
import { describe, expect, it } from 'vitest';
import { bindCdev, bootSmmuV3, bootVirtioIommu, type Bound } from './testing.js';

// Each rig with the last IOVA its domains translate: QEMU's virtio-iommu input range is 64 bits,
// a stage-1 SMMUv3 domain's 48 (as a real 6.12 answers: test/calibration/iommufd-*).
const rigs: readonly [string, () => Bound, bigint][] = [
  ['virtio-iommu', () => {
    const { k } = bootVirtioIommu('linux-6.12');
    return bindCdev(k, k.devices.find((d) => d.name.endsWith('.nic'))!);
  }, ULONG_MAX],
  ['arm-smmu-v3', () => bootSmmuV3('linux-6.12', QEMU_SMMUV3), (1n << 48n) - 1n],
];

const RW = IOMMU_IOAS_MAP.READABLE | IOMMU_IOAS_MAP.WRITEABLE;

describe.each(rigs)('iommufd on %s (v6.12)', (_name, rig, lastIova) => {
  it('hwpt_attach: the auto domain pins the IOAS (-EBUSY) and goes with the last device', () => {
    const b = rig();
    const a = b.proc.attachIommufdPt(b.dfd, { ptId: b.ioasId });
    expect(a.errno).toBe(0);
    expect(b.ctx.destroy({ id: b.ioasId }).errno).toBe(-Errno.EBUSY);
    expect(b.ctx.destroy({ id: a.out.ptId }).errno).toBe(-Errno.EBUSY);
    b.proc.detachIommufdPt(b.dfd);
    expect(b.ctx.get(a.out.ptId)).toBe(-Errno.ENOENT);
    expect(b.ctx.destroy({ id: b.ioasId }).errno).toBe(0);
  });

  it('iova_ranges: usable IOVA excludes every reserved region the driver reports; alignment is the granule', () => {
    const b = rig();
    b.proc.attachIommufdPt(b.dfd, { ptId: b.ioasId });
    const r = b.ctx.ioasIovaRanges({ ioasId: b.ioasId, numIovas: 16 });
    expect(r.errno).toBe(0);
    expect(r.out.iovaAlignment).toBe(4096n);
    const resv = b.ctx.env.iommu.resvRegions(b.dev).filter((x) => x.type !== 'DIRECT_RELAXABLE');
    for (const x of resv) {
      for (const u of r.out.ranges) expect(u.last < x.start || u.start > x.start + x.length - 1n).toBe(true);
    }
    expect(r.out.ranges.at(-1)?.last).toBe(lastIova);
  });

  it('area: maps land in the domain; unmap must cover whole areas (-ENOENT)', () => {
    const b = rig();
    const a = b.proc.attachIommufdPt(b.dfd, { ptId: b.ioasId });
    const buf = b.proc.mm.mmap(0x4000n);
    const m = b.ctx.ioasMap({ flags: RW, ioasId: b.ioasId, userVa: buf, length: 0x4000n });
    expect(m.errno).toBe(0);
    const hwpt = b.ctx.get(a.out.ptId) as IommufdHwptPaging;
    expect(hwpt.domain.iovaToPhys(m.out.iova + 0x10n)).toBe((b.proc.mm.pin(buf, 1n) as bigint) + 0x10n);
    expect(b.ctx.ioasUnmap({ ioasId: b.ioasId, iova: m.out.iova, length: 0x1000n }).errno).toBe(-Errno.ENOENT);
    expect(b.ctx.ioasUnmap({ ioasId: b.ioasId, iova: m.out.iova, length: 0x4000n }).errno).toBe(0);
    expect(hwpt.domain.iovaToPhys(m.out.iova)).toBeNull();
  });

  it('alloc_hwpt: NEST_PARENT and unknown flags are -EOPNOTSUPP on v6.12; GET_HW_INFO has no driver data', () => {
    const b = rig();
    expect(b.ctx.hwptAlloc({ flags: IOMMU_HWPT_ALLOC.NEST_PARENT, devId: b.devId, ptId: b.ioasId }).errno).toBe(-Errno.EOPNOTSUPP);
    expect(b.ctx.hwptAlloc({ flags: 1 << 5, devId: b.devId, ptId: b.ioasId }).errno).toBe(-Errno.EOPNOTSUPP);
    expect(b.ctx.hwptAlloc({ flags: 0, devId: b.devId, ptId: b.ioasId }).errno).toBe(0);
    expect(b.ctx.getHwInfo({ devId: b.devId, dataLen: 64 }).out).toMatchObject({ dataType: 0, dataLen: 0 });
  });
});
