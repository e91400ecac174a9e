import { Errno, type Device } from '@kdsim/core';
import { IommuCap } from '@kdsim/iommu';
import { describe, expect, it } from 'vitest';
import { IommufdHwptPaging } from '../iommufd/objects.js';
import { mockDomain, mockWorld, openCtx, type MockWorld } from '../testing.js';
import { KvmVfioDevice } from './kvm-vfio.js';

const CC = [IommuCap.CACHE_COHERENCY];
const ENFORCING = [IommuCap.CACHE_COHERENCY, IommuCap.ENFORCE_CACHE_COHERENCY];

/** A mock device with `caps`, registered with VFIO, its group file open. */
function groupFd(w: MockWorld, caps: readonly IommuCap[]): { dev: Device; gfd: number } {
  const dev = w.mock.addDevice({ caps }) as Device;
  expect(typeof w.vfio.registerGroupDev(dev)).toBe('object');
  const gfd = w.proc.open(`/dev/vfio/${w.vfio.iommu.groupOf(dev)!.id}`).out.fd;
  return { dev, gfd };
}

describe('KVM-VFIO device: kvm_vfio_update_coherency() on vfio_file_enforced_coherent()', () => {
  it('registers non-coherent DMA for a group whose IOMMU cannot block No-Snoop, and names the No-Snoop device', () => {
    const w = mockWorld();
    const { dev, gfd } = groupFd(w, CC);
    const kv = new KvmVfioDevice(w.vfio, (d) => d === dev);
    const r = kv.add(w.proc.file(gfd));
    expect(r.errno).toBe(0);
    expect(r.out).toEqual({ noncoherent: true, enforcedCoherent: false, noSnoopUnblocked: [dev.name] });
  });

  it('keeps DMA coherent (no wbinvd needed) when the IOMMU enforces coherency, No-Snoop or not', () => {
    const w = mockWorld();
    const { dev, gfd } = groupFd(w, ENFORCING);
    const kv = new KvmVfioDevice(w.vfio, (d) => d === dev);
    expect(kv.add(w.proc.file(gfd)).out).toEqual({ noncoherent: false, enforcedCoherent: true, noSnoopUnblocked: [] });
  });

  it('is non-coherent while any file is, and coherent again once that file is deleted', () => {
    const w = mockWorld();
    const a = groupFd(w, ENFORCING);
    const b = groupFd(w, CC);
    const kv = new KvmVfioDevice(w.vfio);
    expect(kv.add(w.proc.file(a.gfd)).out.noncoherent).toBe(false);
    expect(kv.add(w.proc.file(b.gfd)).out.noncoherent).toBe(true);
    expect(kv.del(w.proc.file(b.gfd)).out.noncoherent).toBe(false);
  });

  it('answers -EEXIST twice, -ENOENT for a file it does not hold, -EBADF without a file, -EINVAL for /dev/iommu', () => {
    const w = mockWorld();
    const { gfd } = groupFd(w, CC);
    const kv = new KvmVfioDevice(w.vfio);
    expect(kv.add(w.proc.file(gfd)).errno).toBe(0);
    expect(kv.add(w.proc.file(gfd)).errno).toBe(-Errno.EEXIST);
    expect(kv.add(undefined).errno).toBe(-Errno.EBADF);
    expect(kv.add(w.proc.file(w.proc.open('/dev/iommu').out.fd)).errno).toBe(-Errno.EINVAL);
    expect(kv.del(w.proc.file(w.proc.open('/dev/iommu').out.fd)).errno).toBe(-Errno.ENOENT);
  });

  it('a group is enforced-coherent only if every device in it reports ENFORCE_CACHE_COHERENCY', () => {
    const w = mockWorld();
    const { dev, gfd } = groupFd(w, ENFORCING);
    const kv = new KvmVfioDevice(w.vfio);
    expect(kv.add(w.proc.file(gfd)).out.enforcedCoherent).toBe(true);
    w.mock.setCaps(dev, CC);
    expect(kv.del(w.proc.file(gfd)).out.enforcedCoherent).toBe(false);
  });
});

describe('decision table "Is E\'s HWPT No-Snoop-safe?" on the mock IOMMU', () => {
  it('a HWPT auto-allocated for an ENFORCE_CACHE_COHERENCY device enforces coherency; without the cap it does not', () => {
    for (const [caps, want] of [[ENFORCING, true], [CC, false]] as const) {
      const w = mockWorld();
      const ctx = openCtx(w);
      const ioas = ctx.ioasAlloc({}).out.ioasId;
      const r = mockDomain(w, ctx, ioas, { caps });
      expect(r.errno).toBe(0);
      expect(r.idev?.enforceCacheCoherency).toBe(want);
      const hwpt = ctx.objects().find((o) => o instanceof IommufdHwptPaging);
      expect(hwpt?.enforceCacheCoherency).toBe(want);
    }
  });
});
