// Seed story: VFIO behind the real virtio-iommu driver on a DT machine with a
// virtio-mmio transport, across the 2022 regression (spec §2.6, §4.3).
import { Errno, type Kernel } from '@kdsim/core';
import { VfioCore } from '@kdsim/vfio';
import { describe, expect, it } from 'vitest';
import { bootVirtioIommu as boot } from './testing.js';
import { vfioPciTakeOver } from './vfio-pci.js';

describe('virtio-iommu + VFIO across "iommu/virtio: Fix interaction with VFIO"', () => {
  const nic = (k: Kernel) => k.devices.find((d) => d.name.endsWith('.nic'))!;

  it('the endpoint sits behind the virtio-iommu in every profile', () => {
    for (const p of ['linux-5.18', 'linux-5.19', 'linux-6.0']) {
      const { k } = boot(p);
      expect(nic(k).driver?.name).toBe('nic');
      expect(k.dmesg()).toMatch(/nic: Adding to iommu group 0/);
    }
  });

  it('v5.18: vfio-pci binds (VFIO did not check coherency yet)', () => {
    const { k } = boot('linux-5.18');
    expect(vfioPciTakeOver(k, nic(k))).toBe(0);
  });

  it('v5.19: broken — vfio-pci probe fails with -EINVAL because viommu has no capable() op', () => {
    const { k } = boot('linux-5.19');
    expect(k.container.get(VfioCore).iommu.groupOf(nic(k))).not.toBeNull();
    expect(vfioPciTakeOver(k, nic(k))).toBe(-Errno.EINVAL);
    expect(k.dmesg()).toContain(`vfio-pci: probe of ${nic(k).name} failed with error -22`);
  });

  it('v6.0: fixed — viommu_capable() reports CACHE_COHERENCY and the group works through type1', () => {
    const { k, proc } = boot('linux-6.0');
    expect(vfioPciTakeOver(k, nic(k))).toBe(0);
    const gfd = proc.open('/dev/vfio/0').out.fd;
    const cfd = proc.open('/dev/vfio/vfio').out.fd;
    expect(proc.groupSetContainer(gfd, cfd).errno).toBe(0);
    expect(proc.setIommu(cfd, 3).errno).toBe(0);
    // virtio-iommu cannot block No-Snoop: the container does not enforce coherency, KVM keeps wbinvd
    expect(proc.checkExtension(cfd, 4).out.ret).toBe(0);
    expect(proc.enforcedCoherent(gfd)).toBe(false);
  });

  it('v6.12: iommufd refuses HWPT flags on virtio-iommu (-EOPNOTSUPP) and reports no driver data', () => {
    const { k, proc } = boot('linux-6.12');
    expect(vfioPciTakeOver(k, nic(k))).toBe(0);
    const dfd = proc.open('/dev/vfio/devices/vfio0').out.fd;
    const ifd = proc.open('/dev/iommu').out.fd;
    const devid = proc.bindIommufd(dfd, { iommufd: ifd }).out.devid;
    const ctx = proc.iommufd(ifd);
    if (typeof ctx === 'number') throw new Error(String(ctx));
    const ioasId = ctx.ioasAlloc().out.ioasId;
    expect(ctx.hwptAlloc({ flags: 1, devId: devid, ptId: ioasId }).errno).toBe(-Errno.EOPNOTSUPP);
    expect(ctx.getHwInfo({ devId: devid, dataLen: 64 }).out).toMatchObject({ dataType: 0, dataLen: 0 });
    expect(proc.attachIommufdPt(dfd, { ptId: ioasId }).errno).toBe(0);
    // the SW_MSI window the driver reports is reserved in the IOAS
    const ranges = ctx.ioasIovaRanges({ ioasId, numIovas: 4 }).out.ranges;
    expect(ranges.some((r) => r.last === 0x8000000n - 1n)).toBe(true);
  });
});
