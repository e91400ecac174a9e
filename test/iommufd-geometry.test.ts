// What an IOAS may hold once a domain joins it depends on the domain's geometry, which the
// driver sets when it finalises the domain. Recorded on a real 6.12 (test/calibration/iommufd-*).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Errno } from '@kdsim/core';
import { loadScenario, runScenario, vfioStepOutput } from '@kdsim/scenario';

const scenario = (name: string) => loadScenario(join(import.meta.dirname, 'scenarios', `calib-${name}.yaml`));

describe('iommufd and domain geometry', () => {
  it('keeps the IOVAs above a stage-1 SMMUv3 domain\'s 48-bit input range out of the IOAS', () => {
    const r = runScenario(scenario('iommufd-arm64-virt-gicv3-smmuv3'));
    const ranges = vfioStepOutput(r.kernel, 'ranges-attached')?.['ranges'];
    expect(ranges).toEqual([{ start: 0n, last: 0x7ffffffn }, { start: 0x8100000n, last: (1n << 48n) - 1n }]);
  });

  it('up to v6.14 adds an explicitly allocated virtio-iommu domain before it is finalised: all but IOVA 0 is reserved, -EADDRINUSE over mappings', () => {
    expect(runScenario(scenario('iommufd-arm64-virt-gicv3-viommu')).stepResults.get('hwpt')).toBe(-Errno.EADDRINUSE);
    // domain_alloc_paging(dev) finalises at allocation: the input range is the aperture.
    expect(runScenario(scenario('iommufd-arm64-virt-gicv3-viommu'), { profile: 'linux-6.15' }).stepResults.get('hwpt')).toBe(0);
  });
});
