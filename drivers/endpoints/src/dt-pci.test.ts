import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Kernel } from '@kdsim/core';
import { PciTopology, type PciDevice } from '@kdsim/bus-pci';
import { MachineFirmware, OfTree, decodeFdt } from '@kdsim/firmware';
import { debianBuiltins } from './catalogue.js';
import { sharedDir } from './testing/truth.js';

describe('PCI under a DT host controller (fixtures/dt/qemu72-virt-virtio-iommu.dtb)', () => {
  const file = resolve(sharedDir(), 'fixtures/dt/qemu72-virt-virtio-iommu.dtb');
  const of = new OfTree(decodeFdt(new Uint8Array(readFileSync(file)), file));
  const host = of.findNodeByPath('/pcie@10000000')!;
  const k = new Kernel({
    builtin: debianBuiltins('arm64'),
    configure: (c) => {
      c.bind(MachineFirmware).toConstantValue(new MachineFirmware({ of }));
      // info-pci: 00:00.0 1b36:0008 host bridge, 00:01.0 1af4:1057 virtio-iommu-pci
      c.bind(PciTopology).toConstantValue(new PciTopology([{ fwnode: host, devices: [
        { bdf: '00:00.0', id: '1b36:0008', subsystem: '1af4:1100', class: '0x060000' },
        { bdf: '00:01.0', id: '1af4:1057', subsystem: '1af4:1100', class: '0x00ff00' },
      ] }]));
    },
  }).boot();

  it('a function gets the host node\'s child whose reg names its devfn (of_pci_find_child_device())', () => {
    const viommu = k.device('0000:00:01.0') as PciDevice;
    expect(viommu.fwnode).toBe(of.findNodeByPath('/pcie@10000000/virtio_iommu@1,0'));
    expect((k.device('0000:00:00.0') as PciDevice).fwnode).toBeNull();
  });

  it('the host bridge is pci0000:00 under the controller\'s platform device, and DMA is configured from the controller node', () => {
    const viommu = k.device('0000:00:01.0') as PciDevice;
    expect(viommu.hostBridge.parent!.name).toBe('4010000000.pcie');
    expect(viommu.hostBridge.dmaFwnode).toBe(host);
    expect(viommu.driver?.name).toBe('virtio-pci');
  });
});

describe('a DT host controller the topology does not list', () => {
  it('still binds pci-host-generic, with an empty bus in the domain of linux,pci-domain', () => {
    const file = resolve(sharedDir(), 'fixtures/dt/qemu72-virt-plain.dtb');
    const of = new OfTree(decodeFdt(new Uint8Array(readFileSync(file)), file));
    const k = new Kernel({ builtin: debianBuiltins('arm64'), configure: (c) => void c.bind(MachineFirmware).toConstantValue(new MachineFirmware({ of })) }).boot();
    expect(k.device('4010000000.pcie')!.driver?.name).toBe('pci-host-generic');
    expect(k.device('pci0000:00')!.parent!.name).toBe('4010000000.pcie');
    expect(k.buses.get('pci')!.devices).toEqual([]);
  });
});
