import { Errno, SimpleBus } from '@kdsim/core';
import { describe, expect, it } from 'vitest';
import { mockWorld } from '../testing.js';
import { VFIO_EXT } from '../uapi.js';

// Recorded on a real 6.12 (test/calibration/iommufd-arm64-virt-noiommu).
describe('no-IOMMU mode (vfio.enable_unsafe_noiommu_mode=1)', () => {
  function world() {
    const w = mockWorld({ vfio: { noiommu: true } });
    const bus = new SimpleBus('test');
    w.k.busRegister(bus);
    const dev = w.k.deviceRegister({ name: 'nic', bus });
    expect(typeof w.vfio.registerGroupDev(dev)).toBe('object');
    return { w, dev };
  }

  it('adds a device no IOMMU translates to a new group with the usual line, then taints the kernel', () => {
    const { w } = world();
    const log = w.k.dmesg();
    expect(log).toMatch(/nic: Adding to iommu group 0\n.*nic: Adding kernel taint for vfio-noiommu group on device/);
    expect(w.vfio.tainted).toBe(true);
  });

  it('passes every type1 ioctl to the no-IOMMU driver, which has none of them (-ENOTTY)', () => {
    const { w } = world();
    const cfd = w.proc.open('/dev/vfio/vfio').out.fd;
    const gfd = w.proc.open('/dev/vfio/noiommu-0').out.fd;
    const buf = w.proc.mm.mmap(0x10000n);
    // No IOMMU driver yet: the container itself refuses (-EINVAL).
    expect(w.proc.iommuMapDma(cfd, { vaddr: buf, iova: 0x100000n, size: 0x1000n }).errno).toBe(-Errno.EINVAL);
    expect(w.proc.groupSetContainer(gfd, cfd).errno).toBe(0);
    expect(w.proc.setIommu(cfd, VFIO_EXT.TYPE1v2_IOMMU).errno).toBe(-Errno.ENODEV);
    expect(w.proc.setIommu(cfd, VFIO_EXT.NOIOMMU_IOMMU).errno).toBe(0);
    expect(w.proc.checkExtension(cfd, VFIO_EXT.TYPE1v2_IOMMU).out.ret).toBe(0);
    expect(w.proc.iommuMapDma(cfd, { vaddr: buf, iova: 0x100000n, size: 0x1000n }).errno).toBe(-Errno.ENOTTY);
    expect(w.proc.iommuUnmapDma(cfd, { iova: 0x100000n, size: 0x1000n }).errno).toBe(-Errno.ENOTTY);
  });
});
