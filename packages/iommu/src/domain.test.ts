import { Errno } from '@kdsim/core';
import { describe, expect, it } from 'vitest';
import { IommuDomain } from './domain.js';
import type { IommuOps } from './ops.js';
import { IOMMU_PROT, IommuDomainType } from './types.js';

const ops: IommuOps = { name: 'x', pgsizeBitmap: 0x1000n | 0x200000n, probeDevice: () => -Errno.ENODEV, deviceGroup: () => -Errno.ENODEV, ofXlate: null };
const RW = IOMMU_PROT.READ | IOMMU_PROT.WRITE;

describe('iommu_map() / iommu_unmap() on a paging domain', () => {
  it('rejects addresses and sizes not aligned to the smallest page size', () => {
    const d = new IommuDomain({ type: IommuDomainType.UNMANAGED, ops });
    expect(d.map(0x1800n, 0x10000n, 0x1000n, RW)).toBe(-Errno.EINVAL);
    expect(d.map(0x1000n, 0x10000n, 0x800n, RW)).toBe(-Errno.EINVAL);
    expect(d.map(0x1000n, 0x10000n, 0x1000n, RW)).toBe(0);
  });

  it('refuses to map over an existing mapping (-EEXIST) and outside a forced aperture (-EFAULT)', () => {
    const d = new IommuDomain({ type: IommuDomainType.UNMANAGED, ops, geometry: { apertureStart: 0n, apertureEnd: 0xffffffffn, forceAperture: true } });
    expect(d.map(0x0n, 0x0n, 0x4000n, RW)).toBe(0);
    expect(d.map(0x3000n, 0x9000n, 0x2000n, RW)).toBe(-Errno.EEXIST);
    expect(d.map(0x100000000n, 0x0n, 0x1000n, RW)).toBe(-Errno.EFAULT);
  });

  it('unmaps page by page from the start, splitting mappings and stopping at the first hole', () => {
    const d = new IommuDomain({ type: IommuDomainType.UNMANAGED, ops });
    d.map(0x0n, 0x100000n, 0x4000n, RW);
    d.map(0x8000n, 0x200000n, 0x1000n, RW);
    expect(d.unmap(0x1000n, 0x1000n)).toBe(0x1000n);
    expect(d.iovaToPhys(0x2000n)).toBe(0x102000n);
    expect(d.iovaToPhys(0x1000n)).toBeNull();
    expect(d.unmap(0x2000n, 0x10000n)).toBe(0x2000n); // stops at the hole at 0x4000
    expect(d.iovaToPhys(0x8000n)).toBe(0x200000n);
  });

  it('identity and blocked domains map nothing', () => {
    expect(new IommuDomain({ type: IommuDomainType.IDENTITY, ops }).map(0n, 0n, 0x1000n, RW)).toBe(-Errno.EINVAL);
    expect(new IommuDomain({ type: IommuDomainType.IDENTITY, ops }).iovaToPhys(0x1234n)).toBe(0x1234n);
    expect(new IommuDomain({ type: IommuDomainType.BLOCKED, ops }).map(0n, 0n, 0x1000n, RW)).toBe(-Errno.EINVAL);
  });
});
