import { Errno, type Device } from '@kdsim/core';
import { describe, expect, it } from 'vitest';
import { VfioSteps } from '../steps.js';
import { mockWorld } from '../testing.js';
import { VFIO_EXT } from '../uapi.js';

/** A mock device handed to VFIO, its group in a type1 container of `type`. */
function container(type: number) {
  const w = mockWorld();
  const dev = w.mock.addDevice() as Device;
  expect(typeof w.vfio.registerGroupDev(dev)).toBe('object');
  const group = w.vfio.iommu.groupOf(dev)!;
  const gfd = w.proc.open(`/dev/vfio/${group.id}`).out.fd;
  const cfd = w.proc.open('/dev/vfio/vfio').out.fd;
  w.proc.groupSetContainer(gfd, cfd);
  expect(w.proc.setIommu(cfd, type).errno).toBe(0);
  return { w, cfd, group };
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

  it('is reachable as steps, with 64-bit arguments as strings', () => {
    const { w, cfd } = container(VFIO_EXT.TYPE1v2_IOMMU);
    const steps = new VfioSteps({ k: w.k, proc: w.proc });
    expect(steps.run('vfio.iommu_map_dma', { fd: cfd, vaddr: '0x40000000', iova: '0x1000000', size: '0x100000' }).errno).toBe(0);
    expect(steps.run('vfio.iommu_unmap_dma', { fd: cfd, iova: '0x1000000', size: '0x80000' }, { expect: 'EINVAL' }).ok).toBe(true);
  });
});
