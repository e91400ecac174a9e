import { Kernel, type Device } from '@kdsim/core';
import { IommuCap } from '@kdsim/iommu';
import { describe, expect, it } from 'vitest';
import { VirtioIommuDriver } from './driver.js';

const anyDev = {} as Device;
const ops = (profile: string): VirtioIommuDriver['ops'] => new VirtioIommuDriver(new Kernel({ profile })).ops;

describe('viommu_capable() per kernel ("iommu/virtio: Fix interaction with VFIO", spec §2.6)', () => {
  it('has no capable op up to v5.19.0, so VFIO sees no CACHE_COHERENCY', () => {
    expect(ops('linux-5.18').capable).toBeUndefined();
    expect(ops('linux-5.19').capable).toBeUndefined();
  });

  it('reports CACHE_COHERENCY from v6.0, and DEFERRED_FLUSH (flush queues, DMA-FQ) from v6.8', () => {
    const v61 = ops('linux-6.1');
    expect(v61.capable?.(anyDev, IommuCap.CACHE_COHERENCY)).toBe(true);
    expect(v61.capable?.(anyDev, IommuCap.DEFERRED_FLUSH)).toBe(false);
    // "iommu/virtio: Add ops->flush_iotlb_all and enable deferred flush" went into v6.8, not v6.7.
    expect(ops('linux-6.7').capable?.(anyDev, IommuCap.DEFERRED_FLUSH)).toBe(false);
    expect(ops('linux-6.8').capable?.(anyDev, IommuCap.DEFERRED_FLUSH)).toBe(true);
    const v612 = ops('linux-6.12');
    expect(v612.capable?.(anyDev, IommuCap.DEFERRED_FLUSH)).toBe(true);
    expect(v612.capable?.(anyDev, IommuCap.ENFORCE_CACHE_COHERENCY)).toBe(false);
  });

  it('has no of_xlate-less quirk: one endpoint ID per iommus entry', () => {
    expect(ops('linux-6.12').ofXlate?.(anyDev, [3, 9], null as never)).toEqual([3]);
  });
});
