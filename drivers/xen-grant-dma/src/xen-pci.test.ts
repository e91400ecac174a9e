// iommu-vfio.md §3.2 / firmware.md §2.7: PCI devices behind a DT host
// controller whose `iommu-map` points at a `xen,grant-dma` node — the RID
// (no alias walk) is translated and the output ID is the backend domid.
import { describe, expect, it } from 'vitest';
import { Kernel, type Device } from '@kdsim/core';
import { PciTopology, pciBusModule } from '@kdsim/bus-pci';
import { ofPlatformModule, platformBusModule } from '@kdsim/bus-platform';
import { VIRTIO_F, VirtioHardware, features, virtioBusModule, virtioPciModule } from '@kdsim/bus-virtio';
import { pciHostGenericModule, virtioNetModule } from '@kdsim/driver-endpoints';
import { MachineFirmware, OfTree, parseDts } from '@kdsim/firmware';
import { IommuCore, iommuCoreModule } from '@kdsim/iommu';
import { grantDmaIommuModule } from './grant-dma-iommu.js';
import { xenGrantDma, xenGrantDmaModule } from './module.js';

const DTS = `/dts-v1/;
/ {
  #address-cells = <2>; #size-cells = <2>;
  xen_iommu: xen_iommu { compatible = "xen,grant-dma"; #iommu-cells = <1>; };
  pcie@10000000 {
    compatible = "pci-host-ecam-generic"; device_type = "pci";
    reg = <0x40 0x10000000 0x0 0x10000000>; bus-range = <0x0 0xff>; linux,pci-domain = <0>;
    #address-cells = <3>; #size-cells = <2>; dma-coherent;
    iommu-map = <0x0 &xen_iommu 0x0 0x8>, <0x8 &xen_iommu 0x2 0x1>;
  };
};`;

function boot(profile: string, stub = true): { k: Kernel; fn: (bdf: string) => Device; virtioOf: (fn: Device) => Device | undefined } {
  const of = new OfTree(parseDts(DTS, { file: 'xen-pci.dts', preprocess: false }));
  const k = new Kernel({
    profile,
    config: { arch: 'arm64' },
    builtin: [
      platformBusModule, ofPlatformModule(), virtioBusModule, pciBusModule, iommuCoreModule(), xenGrantDmaModule(),
      ...(stub ? [grantDmaIommuModule] : []), virtioPciModule, virtioNetModule, pciHostGenericModule,
    ],
    configure: (c) => {
      c.bind(MachineFirmware).toConstantValue(new MachineFirmware({ of }));
      c.bind(PciTopology).toConstantValue(new PciTopology([{ fwnode: of.findNodeByPath('/pcie@10000000'), devices: [
        { bdf: '00:00.0', id: '1b36:0008', subsystem: '1af4:1100', class: '0x060000' },
        { bdf: '00:01.0', id: '1af4:1000', subsystem: '1af4:0001', class: '0x020000' },
        { bdf: '00:02.0', id: '1af4:1000', subsystem: '1af4:0001', class: '0x020000' },
      ] }]));
      c.bind(VirtioHardware).toConstantValue(new VirtioHardware({ pci: { '0000:00:01.0': { features: features(VIRTIO_F.VERSION_1, VIRTIO_F.ACCESS_PLATFORM) } } }));
    },
  }).boot();
  return { k, fn: (bdf) => k.device(`0000:${bdf}`)!, virtioOf: (fn) => k.devices.find((d) => d.parent === fn) };
}

describe('Xen grant DMA for PCI (iommu-map on the host controller)', () => {
  it('v6.12: 00:01.0 maps to backend domid 2 and its virtio device probes with grants; 00:02.0 has no map entry and uses plain DMA', () => {
    const { k, fn, virtioOf } = boot('linux-6.12');
    const xen = xenGrantDma(k);
    expect(xen.dataOf(fn('00:01.0'))?.backendDomid).toBe(2);
    expect(virtioOf(fn('00:01.0'))?.bound).toBe(true);
    expect(xen.usesGrantDma(fn('00:02.0'))).toBe(false);
    // Default QEMU features lack ACCESS_PLATFORM: fine for a device that is not restricted.
    expect(virtioOf(fn('00:02.0'))?.bound).toBe(true);
    expect(k.container.get(IommuCore).groups()).toEqual([]);
  });

  it('the stub keeps the map target from holding PCI functions back; without it they wait for the deferred-probe timeout', () => {
    expect(boot('linux-6.12').fn('00:01.0').deferCount).toBe(0);
    const noStub = boot('linux-6.12', false);
    expect(noStub.fn('00:01.0').deferCount).toBeGreaterThan(0);
    expect(noStub.k.dmesg()).toContain('virtio-pci 0000:00:01.0: deferred probe timeout, ignoring dependency');
  });

  it('v6.0 recognises DT platform devices only: the PCI function gets no grant ops; v6.1 installs them at dma_configure', () => {
    const v60 = boot('linux-6.0');
    expect(xenGrantDma(v60.k).usesGrantDma(v60.fn('00:01.0'))).toBe(false);
    const v61 = boot('linux-6.1');
    expect(xenGrantDma(v61.k).dataOf(v61.fn('00:01.0'))?.backendDomid).toBe(2);
  });
});
