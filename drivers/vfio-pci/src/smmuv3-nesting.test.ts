// Seed story: user space asks an SMMUv3 for a nest-parent HWPT and a vIOMMU,
// with and without S2FWB (spec §5.12); CANWBS needs an IORT root complex, so
// on this DT machine every master is non-CANWBS.
import { Errno } from '@kdsim/core';
import { QEMU_SMMUV3 } from '@kdsim/driver-arm-smmu-v3';
import { IOMMU_HWPT_ALLOC, IommuHwInfoType } from '@kdsim/iommu';
import { IommuViommuType } from '@kdsim/vfio';
import { describe, expect, it } from 'vitest';
import { NESTING, NESTING_FWB, bootSmmuV3 as boot, type Bound } from './testing.js';

const nestParent = (b: Bound) => b.ctx.hwptAlloc({ flags: IOMMU_HWPT_ALLOC.NEST_PARENT, devId: b.devId, ptId: b.ioasId });

describe('SMMUv3 nesting through iommufd', () => {
  it('v6.12: NEST_PARENT is -EOPNOTSUPP even on a two-stage SMMU, and there is no hw_info', () => {
    const b = boot('linux-6.12', NESTING_FWB);
    expect(nestParent(b).errno).toBe(-Errno.EOPNOTSUPP);
    expect(b.ctx.getHwInfo({ devId: b.devId, dataLen: 64 }).out.dataType).toBe(IommuHwInfoType.NONE);
  });

  it('v6.18, QEMU 7.2 SMMU (stage 1 only): NEST_PARENT is -EOPNOTSUPP (no FEAT_NESTING)', () => {
    expect(nestParent(boot('linux-6.18', QEMU_SMMUV3)).errno).toBe(-Errno.EOPNOTSUPP);
  });

  it('v6.18, two stages without S2FWB (and no CANWBS): the nest parent exists but the vIOMMU is refused (-EOPNOTSUPP)', () => {
    const b = boot('linux-6.18', NESTING);
    const p = nestParent(b);
    expect(p.errno).toBe(0);
    expect(b.ctx.viommuAlloc({ type: IommuViommuType.ARM_SMMUV3, devId: b.devId, hwptId: p.out.hwptId }).errno).toBe(-Errno.EOPNOTSUPP);
  });

  it('v6.18, two stages with S2FWB: vIOMMU and vDEVICE; GET_HW_INFO gives the SMMUv3 registers; the parent is pinned', () => {
    const b = boot('linux-6.18', NESTING_FWB);
    const p = nestParent(b);
    expect(p.errno).toBe(0);
    const hw = b.ctx.getHwInfo({ devId: b.devId, dataLen: 64 });
    expect(hw.out).toMatchObject({ dataType: IommuHwInfoType.ARM_SMMUV3, dataLen: 40 });
    const v = b.ctx.viommuAlloc({ type: IommuViommuType.ARM_SMMUV3, devId: b.devId, hwptId: p.out.hwptId });
    expect(v.errno).toBe(0);
    expect(b.ctx.vdeviceAlloc({ viommuId: v.out.viommuId, devId: b.devId, virtId: 0x10n }).errno).toBe(0);
    expect(b.ctx.destroy({ id: p.out.hwptId }).errno).toBe(-Errno.EBUSY);
    // no CANWBS: the device cannot have No-Snoop blocked, so KVM keeps wbinvd
    expect(b.proc.enforcedCoherent(b.dfd)).toBe(false);
  });
});
