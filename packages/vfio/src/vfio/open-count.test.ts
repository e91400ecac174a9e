import { Errno, type Device } from '@kdsim/core';
import { describe, expect, it } from 'vitest';
import { mockWorld } from '../testing.js';
import { VFIO_EXT } from '../uapi.js';

// vfio_main.c: vfio_df_open() — "only the group path allows the device to be opened multiple
// times"; recorded on a real 6.12 (test/calibration/iommufd-arm64-virt-gicv3-smmuv3-compat-early).
describe('device opens (device->open_count)', () => {
  function world() {
    const w = mockWorld();
    const dev = w.mock.addDevice({}) as Device;
    const vdev = w.vfio.registerGroupDev(dev);
    if (typeof vdev === 'number') throw new Error(String(vdev));
    const group = w.vfio.iommu.groupOf(dev)!;
    return { w, dev, vdev, groupPath: `/dev/vfio/${group.id}` };
  }

  it('the group path opens a device again and again; the last close unbinds it from the iommufd', () => {
    const { w, dev, vdev, groupPath } = world();
    const gfd = w.proc.open(groupPath).out.fd;
    const ifd = w.proc.open('/dev/iommu').out.fd;
    w.proc.groupSetContainer(gfd, ifd);
    const a = w.proc.groupGetDeviceFd(gfd, dev.name);
    const b = w.proc.groupGetDeviceFd(gfd, dev.name);
    expect([a.errno, b.errno, vdev.openCount]).toEqual([0, 0, 2]);
    w.proc.close(a.out.fd);
    expect(vdev.iommufd).not.toBeNull();
    w.proc.close(b.out.fd);
    expect(vdev.iommufd).toBeNull();
  });

  it('a container stays while a device opened through the group uses it; an iommufd goes at once', () => {
    const legacy = world();
    const gfd = legacy.w.proc.open(legacy.groupPath).out.fd;
    const cfd = legacy.w.proc.open('/dev/vfio/vfio').out.fd;
    legacy.w.proc.groupSetContainer(gfd, cfd);
    legacy.w.proc.setIommu(cfd, VFIO_EXT.TYPE1v2_IOMMU);
    legacy.w.proc.groupGetDeviceFd(gfd, legacy.dev.name);
    expect(legacy.w.proc.groupUnsetContainer(gfd).errno).toBe(-Errno.EBUSY);
    const fd = world();
    const g2 = fd.w.proc.open(fd.groupPath).out.fd;
    fd.w.proc.groupSetContainer(g2, fd.w.proc.open('/dev/iommu').out.fd);
    fd.w.proc.groupGetDeviceFd(g2, fd.dev.name);
    expect(fd.w.proc.groupUnsetContainer(g2).errno).toBe(0);
    expect(fd.w.proc.groupUnsetContainer(g2).errno).toBe(-Errno.EINVAL);
  });

  it('the cdev opens any number of times, but only one file binds, and only a bind keeps the group closed', () => {
    const { w, vdev, groupPath } = world();
    const ifd = w.proc.open('/dev/iommu').out.fd;
    const one = w.proc.open(`/dev/vfio/devices/${vdev.cdevName!}`);
    const two = w.proc.open(`/dev/vfio/devices/${vdev.cdevName!}`);
    expect([one.errno, two.errno]).toEqual([0, 0]);
    const g = w.proc.open(groupPath);
    expect(g.errno).toBe(0);
    w.proc.close(g.out.fd);
    expect(w.proc.bindIommufd(one.out.fd, { iommufd: ifd }).errno).toBe(0);
    expect(w.proc.bindIommufd(two.out.fd, { iommufd: ifd }).errno).toBe(-Errno.EINVAL);
    expect(w.proc.open(groupPath).errno).toBe(-Errno.EBUSY);
    w.proc.close(one.out.fd);
    expect(w.proc.open(groupPath).errno).toBe(0);
  });
});
