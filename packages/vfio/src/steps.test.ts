import { Errno } from '@kdsim/core';
import { describe, expect, it } from 'vitest';
import { StepError, VfioSteps } from './steps.js';
import { mockWorld } from './testing.js';
import { IOMMU_IOAS_MAP } from './uapi.js';

describe('VfioSteps (the userspace step registry)', () => {
  it('runs iommufd calls by name, chains outputs with $label.field and records errno against expectations', () => {
    const w = mockWorld();
    const steps = new VfioSteps({ k: w.k, proc: w.proc });
    steps.run('vfio.open', { path: '/dev/iommu' }, { as: 'iommufd' });
    steps.run('iommufd.ioas_alloc', { fd: '$iommufd.fd' }, { as: 'ioas' });
    steps.run('mm.mmap', { length: 0x4000 }, { as: 'buf' });
    const map = steps.run('iommufd.ioas_map', {
      fd: '$iommufd.fd', flags: IOMMU_IOAS_MAP.READABLE | IOMMU_IOAS_MAP.FIXED_IOVA, ioasId: '$ioas.ioasId', userVa: '$buf.va', length: 0x1000, iova: '0x1000000',
    }, { expect: 0 });
    expect(map).toMatchObject({ errno: 0, ok: true, out: { iova: 0x1000000n } });
    const again = steps.run('iommufd.ioas_map', {
      fd: '$iommufd.fd', flags: IOMMU_IOAS_MAP.READABLE | IOMMU_IOAS_MAP.FIXED_IOVA, ioasId: '$ioas.ioasId', userVa: '$buf.va', length: 0x1000, iova: 0x1000000,
    }, { expect: 'EEXIST' });
    expect(again).toMatchObject({ errno: -Errno.EEXIST, errnoName: 'EEXIST', ok: true });
    const wrong = steps.run('iommufd.destroy', { fd: '$iommufd.fd', id: 42 }, { expect: 'EBUSY' });
    expect(wrong).toMatchObject({ errno: -Errno.ENOENT, expect: -Errno.EBUSY, ok: false });
    expect(steps.records.map((r) => r.step)).toEqual(['vfio.open', 'iommufd.ioas_alloc', 'mm.mmap', 'iommufd.ioas_map', 'iommufd.ioas_map', 'iommufd.destroy']);
  });

  it('answers -EBADF for an fd that is not open and refuses unknown kinds and references with a typed error', () => {
    const w = mockWorld();
    const steps = new VfioSteps({ k: w.k, proc: w.proc });
    expect(steps.run('iommufd.ioas_alloc', { fd: 9 }).errno).toBe(-Errno.EBADF);
    expect(() => steps.run('vfio.nope')).toThrow(StepError);
    expect(() => steps.run('iommufd.ioas_alloc', { fd: '$missing.fd' })).toThrow(/no output \$missing\.fd/);
    expect(steps.kinds()).toContain('vfio.bind_iommufd');
  });
});
