import { Errno, type Device } from '@kdsim/core';
import type { IommuCap } from '@kdsim/iommu';
import { describe, expect, it } from 'vitest';
import { VfioSteps } from '../steps.js';
import { mockWorld } from '../testing.js';
import type { MockDeviceOptions } from '../mock/mock-iommu.js';
import { VFIO_EXT } from '../uapi.js';

/** A mock device handed to VFIO and its group opened, in a new container. */
function opened(world: Parameters<typeof mockWorld>[0] = {}, device: MockDeviceOptions = {}) {
  const w = mockWorld(world);
  const dev = w.mock.addDevice(device) as Device;
  expect(typeof w.vfio.registerGroupDev(dev)).toBe('object');
  const group = w.vfio.iommu.groupOf(dev)!;
  const gfd = w.proc.open(`/dev/vfio/${group.id}`).out.fd;
  const cfd = w.proc.open('/dev/vfio/vfio').out.fd;
  w.proc.groupSetContainer(gfd, cfd);
  return { w, dev, gfd, cfd, group };
}

/** A mock device handed to VFIO, its group in a type1 container of `type`. */
function container(type: number, world: Parameters<typeof mockWorld>[0] = {}, device: MockDeviceOptions = {}) {
  const o = opened(world, device);
  expect(o.w.proc.setIommu(o.cfd, type).errno).toBe(0);
  return o;
}

describe('type1 DMA mappings (vfio_iommu_type1.c)', () => {
  const base = 1n << 24n;
  const MB = 1n << 20n;

  it('maps into the group domain and refuses overlaps (-EEXIST)', () => {
    const { w, cfd, group } = container(VFIO_EXT.TYPE1v2_IOMMU);
    expect(w.proc.iommuMapDma(cfd, { vaddr: 0x4000_0000n, iova: base, size: MB }).errno).toBe(0);
    expect(w.proc.iommuMapDma(cfd, { vaddr: 0x5000_0000n, iova: base + 4096n, size: MB }).errno).toBe(-Errno.EEXIST);
    expect(group.domain?.iovaToPhys(base + 8n)).toBe(0x4000_0008n);
  });

  it('v2 refuses to cut a mapping (-EINVAL); v1 unmaps the whole mapping a shorter range starts', () => {
    const v2 = container(VFIO_EXT.TYPE1v2_IOMMU);
    v2.w.proc.iommuMapDma(v2.cfd, { vaddr: 0x4000_0000n, iova: base, size: 2n * MB });
    expect(v2.w.proc.iommuUnmapDma(v2.cfd, { iova: base, size: MB }).errno).toBe(-Errno.EINVAL);
    expect(v2.w.proc.iommuUnmapDma(v2.cfd, { iova: base, size: 2n * MB })).toEqual({ errno: 0, out: { size: 2n * MB } });
    const v1 = container(VFIO_EXT.TYPE1_IOMMU);
    v1.w.proc.iommuMapDma(v1.cfd, { vaddr: 0x4000_0000n, iova: base, size: 2n * MB });
    expect(v1.w.proc.iommuUnmapDma(v1.cfd, { iova: base, size: MB })).toEqual({ errno: 0, out: { size: 2n * MB } });
    v1.w.proc.iommuMapDma(v1.cfd, { vaddr: 0x4000_0000n, iova: base, size: 2n * MB });
    expect(v1.w.proc.iommuUnmapDma(v1.cfd, { iova: base + MB, size: MB })).toEqual({ errno: 0, out: { size: 0n } });
  });

  it("checks alignment to PAGE_SIZE first (the mock's 2 KiB pages count as 4 KiB), then overlaps", () => {
    const { w, cfd } = container(VFIO_EXT.TYPE1v2_IOMMU);
    expect(w.proc.iommuMapDma(cfd, { vaddr: 0x4000_0000n, iova: base, size: 0x800n }).errno).toBe(-Errno.EINVAL);
    expect(w.proc.iommuMapDma(cfd, { vaddr: 0x4000_0000n, iova: base, size: 0x1000n }).errno).toBe(0);
    // unaligned and overlapping: vfio_dma_do_map() refuses the alignment before it looks for overlaps
    expect(w.proc.iommuMapDma(cfd, { vaddr: 0x4000_0000n, iova: base, size: 0x1800n }).errno).toBe(-Errno.EINVAL);
    expect(w.proc.iommuMapDma(cfd, { vaddr: 0x4000_0000n, iova: base, size: 0x2000n }).errno).toBe(-Errno.EEXIST);
  });

  it("keeps the group's reserved regions out of the IOVA space, MSI windows included, relaxable direct ones not", () => {
    const resvRegions = [
      { start: base + MB, length: MB, type: 'SW_MSI', prot: 0 },
      { start: base + 4n * MB, length: MB, type: 'DIRECT_RELAXABLE', prot: 0 },
    ] as const;
    const { w, cfd } = container(VFIO_EXT.TYPE1v2_IOMMU, {}, { resvRegions });
    const map = (iova: bigint, size: bigint): number => w.proc.iommuMapDma(cfd, { vaddr: 0x4000_0000n, iova, size }).errno;
    expect(map(base + MB + 0x1000n, 0x1000n)).toBe(-Errno.EINVAL);
    // a range that only reaches into the window is refused as well
    expect(map(base, MB + 0x1000n)).toBe(-Errno.EINVAL);
    expect(map(base, MB)).toBe(0);
    expect(map(base + 4n * MB, MB)).toBe(0);
    // outside the mock's aperture (1 << 24 … (1 << 31) - 1)
    expect(map(1n << 31n, MB)).toBe(-Errno.EINVAL);
  });

  it("lists a group's reserved regions by address, merging the ones of one type that overlap or touch (iommu_get_group_resv_regions())", () => {
    const w = mockWorld({ mock: { singleGroup: true } });
    const region = (start: bigint, length: bigint, type: 'SW_MSI' | 'RESERVED' | 'DIRECT') => ({ start, length, type, prot: 0 });
    const a = w.mock.addDevice({ resvRegions: [region(base + 2n * MB, MB, 'SW_MSI'), region(base, 0x1000n, 'RESERVED'), region(base + 8n * MB, MB, 'SW_MSI')] }) as Device;
    w.mock.addDevice({
      resvRegions: [region(base + 2n * MB + 0x80000n, MB, 'SW_MSI'), region(base + 0x800n, 0x1000n, 'SW_MSI'), region(base + 9n * MB, MB, 'SW_MSI'), region(base, 0x1000n, 'DIRECT')],
    });
    const regions = w.vfio.iommu.groupResvRegions(w.vfio.iommu.groupOf(a)!);
    expect(regions.map((r) => [r.type, r.start - base, r.length])).toEqual([
      ['DIRECT', 0n, 0x1000n],
      ['RESERVED', 0n, 0x1000n],
      ['SW_MSI', 0x800n, 0x1000n],
      ['SW_MSI', 2n * MB, MB + 0x80000n],
      ['SW_MSI', 8n * MB, 2n * MB],
    ]);
  });

  it('refuses a group whose MSIs the platform cannot isolate (-EPERM, with the warning) unless allow_unsafe_interrupts', () => {
    const refused = opened({ vfio: { isolatedMsi: () => false } });
    expect(refused.w.proc.setIommu(refused.cfd, VFIO_EXT.TYPE1v2_IOMMU).errno).toBe(-Errno.EPERM);
    expect(refused.w.k.dmesg()).toContain('vfio_iommu_type1_attach_group: No interrupt remapping support.  Use the module param "allow_unsafe_interrupts" to enable VFIO IOMMU support on this platform');
    const allowed = opened({ vfio: { isolatedMsi: () => false, type1AllowUnsafeInterrupts: true } });
    expect(allowed.w.proc.setIommu(allowed.cfd, VFIO_EXT.TYPE1v2_IOMMU).errno).toBe(0);
  });

  it('before v5.19 VFIO_DMA_CC_IOMMU follows IOMMU_CAP_CACHE_COHERENCY, from v5.19 enforce_cache_coherency()', () => {
    const cc = (profile: string, caps: readonly IommuCap[]): number => {
      const { w, cfd } = container(VFIO_EXT.TYPE1v2_IOMMU, { profile, caps });
      return w.proc.checkExtension(cfd, VFIO_EXT.DMA_CC_IOMMU).out.ret;
    };
    expect(cc('linux-5.18', ['CACHE_COHERENCY'])).toBe(1);
    expect(cc('linux-5.18', [])).toBe(0);
    expect(cc('linux-5.19', ['CACHE_COHERENCY'])).toBe(0);
    expect(cc('linux-5.19', ['CACHE_COHERENCY', 'ENFORCE_CACHE_COHERENCY'])).toBe(1);
  });

  it('GET_DEVICE_FD looks the name up first from v5.19 (-ENODEV), after the container before (-EINVAL)', () => {
    const now = opened();
    expect(now.w.proc.groupGetDeviceFd(now.gfd, 'nosuch').errno).toBe(-Errno.ENODEV);
    expect(now.w.proc.groupGetDeviceFd(now.gfd, now.dev.name).errno).toBe(-Errno.EINVAL);
    const then = opened({ profile: 'linux-5.18' });
    expect(then.w.proc.groupGetDeviceFd(then.gfd, 'nosuch').errno).toBe(-Errno.EINVAL);
  });

  it('is reachable as steps, with 64-bit arguments as strings', () => {
    const { w, cfd } = container(VFIO_EXT.TYPE1v2_IOMMU);
    const steps = new VfioSteps({ k: w.k, proc: w.proc });
    expect(steps.run('vfio.iommu_map_dma', { fd: cfd, vaddr: '0x40000000', iova: '0x1000000', size: '0x100000' }).errno).toBe(0);
    expect(steps.run('vfio.iommu_unmap_dma', { fd: cfd, iova: '0x1000000', size: '0x80000' }, { expect: 'EINVAL' }).ok).toBe(true);
  });
});
