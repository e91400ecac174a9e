import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OfTree, decodeFdt } from '@kdsim/firmware';
import { AmbaDevice, PlatformDevice } from './device.js';
import { dtKernel, truthOfTree } from './testing/boot.js';
import { sharedDir } from '@kdsim/testing';

const fixtureTree = (name: string): OfTree => {
  const file = resolve(sharedDir(), 'fixtures/dt', name);
  return new OfTree(decodeFdt(new Uint8Array(readFileSync(file)), file));
};
const populated = (of: OfTree): string[] => dtKernel(of).boot().devices
  .filter((d) => d instanceof PlatformDevice || d instanceof AmbaDevice).map((d) => d.busName);

describe('of_platform_populate() on the fixture DTBs', () => {
  const truth = populated(truthOfTree());

  it('qemu72-virt-smmuv3: the same devices, names and order as the ARM truth machine (same QEMU, same options)', () => {
    expect(populated(fixtureTree('qemu72-virt-smmuv3.dtb'))).toEqual(truth);
  });

  it('qemu72-virt-plain and -virtio-iommu: the truth set without the SMMU (virtio-iommu is a PCI function, not a platform device)', () => {
    const noSmmu = truth.filter((n) => n !== 'platform:9050000.smmuv3');
    expect(populated(fixtureTree('qemu72-virt-plain.dtb'))).toEqual(noSmmu);
    expect(populated(fixtureTree('qemu72-virt-virtio-iommu.dtb'))).toEqual(noSmmu);
  });

  it('the Linux binding example and the Xen grant-DMA tree: unit-address names, a reg-less node named after itself', () => {
    expect(populated(fixtureTree('linux-example-virtio-mmio-iommu.dtb'))).toEqual(['platform:3000.virtio', 'platform:3100.iommu']);
    expect(populated(fixtureTree('xen-grant-dma-mmio.dtb'))).toEqual(['platform:xen_iommu', 'platform:3000.virtio']);
  });
});
