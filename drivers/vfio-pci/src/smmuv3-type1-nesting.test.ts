// VFIO_TYPE1_NESTING_IOMMU on an SMMUv3 through the legacy container, per kernel:
// type1 allocates the group's domain, asks iommu_enable_nesting(), then attaches.
// Until v6.10 the domain is allocated without a device (iommu_domain_alloc(bus)), so
// arm_smmu_enable_nesting() still finds it unfinalised; from v6.11 ("vfio/type1: Use
// iommu_paging_domain_alloc()") it is finalised at allocation and the op answers -EPERM;
// v6.13 ("vfio: Remove VFIO_TYPE1_NESTING_IOMMU") no longer offers the type at all.
import { Errno } from '@kdsim/core';
import { QEMU_SMMUV3 } from '@kdsim/driver-arm-smmu-v3';
import { IommuCore } from '@kdsim/iommu';
import { VFIO_EXT, VfioCore, VfioProcess } from '@kdsim/vfio';
import { describe, expect, it } from 'vitest';
import { NESTING, bootSmmuV3Machine } from './testing.js';
import { vfioPciTakeOver } from './vfio-pci.js';

function setNesting(profile: string, hw = NESTING): { ext: number; set: number; v2: number } {
  const k = bootSmmuV3Machine(profile, hw);
  const dev = k.device('eth@a000000')!;
  expect(vfioPciTakeOver(k, dev)).toBe(0);
  const proc = new VfioProcess(k.container.get(VfioCore));
  const group = k.container.get(IommuCore).groupOf(dev)!;
  const gfd = proc.open(`/dev/vfio/${group.id}`).out.fd;
  const cfd = proc.open('/dev/vfio/vfio').out.fd;
  expect(proc.groupSetContainer(gfd, cfd).errno).toBe(0);
  const ext = proc.checkExtension(cfd, VFIO_EXT.TYPE1_NESTING_IOMMU).out.ret;
  const set = proc.setIommu(cfd, VFIO_EXT.TYPE1_NESTING_IOMMU).errno;
  // The failed SET_IOMMU left the container without a backend: TYPE1v2 still works.
  const v2 = set === 0 ? 0 : proc.setIommu(cfd, VFIO_EXT.TYPE1v2_IOMMU).errno;
  return { ext, set, v2 };
}

describe('VFIO_TYPE1_NESTING_IOMMU on SMMUv3 (legacy container)', () => {
  it('works up to v6.10: enable_nesting reaches an unfinalised domain', () => {
    expect(setNesting('linux-6.6')).toEqual({ ext: 1, set: 0, v2: 0 });
    expect(setNesting('linux-6.10')).toEqual({ ext: 1, set: 0, v2: 0 });
    // Stage-1-only SMMU: enable_nesting succeeds, finalisation then falls back to stage 1.
    expect(setNesting('linux-6.10', QEMU_SMMUV3)).toEqual({ ext: 1, set: 0, v2: 0 });
  });

  it('fails with -EPERM on v6.11 and v6.12: the domain was finalised at allocation', () => {
    expect(setNesting('linux-6.11')).toEqual({ ext: 1, set: -Errno.EPERM, v2: 0 });
    expect(setNesting('linux-6.12')).toEqual({ ext: 1, set: -Errno.EPERM, v2: 0 });
  });

  it('is gone from v6.13: CHECK_EXTENSION is 0 and SET_IOMMU finds no backend (-ENODEV)', () => {
    expect(setNesting('linux-6.13')).toEqual({ ext: 0, set: -Errno.ENODEV, v2: 0 });
  });
});
