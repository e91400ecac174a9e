import { Kernel, KernelModule } from '@kdsim/core';
import { PciBus, PciTopology, pciBusModule, pciDriver, pciHostCommonProbe, type PciDeviceEntry } from '@kdsim/bus-pci';
import { MachineFirmware, OfTree, parseDts } from '@kdsim/firmware';
import { describe, expect, it } from 'vitest';
import { IommuCore } from './core.js';
import { DmaSimpleBus } from './dma-bus.js';
import { iommuCoreModule } from './module.js';
import { iommuDriver, testIommuOps } from './testing.js';

const DTS = `/dts-v1/;
/ {
  #address-cells = <2>; #size-cells = <2>;
  smmu: iommu@9050000 { compatible = "test,iommu"; reg = <0x0 0x9050000 0x0 0x20000>; #iommu-cells = <1>; };
  pcie@10000000 { compatible = "pci-host-ecam-generic"; device_type = "pci"; reg = <0x0 0x10000000 0x0 0x1000000>; iommu-map = <0x0 &smmu 0x0 0x10000>; };
};`;

// QEMU's pcie-root-port offers SV, TB, RR, CR, UF and DT (hw/pci/pcie.c: pcie_acs_init()).
const rootPort: PciDeviceEntry = { bdf: '00:05.0', id: '1b36:000c', class: '0x060400', pcie: 'root-port', bridge: { secondary: 1, configured: false }, acs: ['SV', 'TB', 'RR', 'CR', 'UF', 'DT'] };

/** A DT arm64 machine whose PCI host controller maps every RID to one IOMMU; `acsFirst` requests ACS before enumeration. */
function boot(devices: readonly PciDeviceEntry[], acsFirst = false): { k: Kernel; core: IommuCore } {
  const tree = new OfTree(parseDts(DTS, { file: 't.dts', preprocess: false }));
  const host = tree.findNodeByPath('/pcie@10000000')!;
  const platform = new DmaSimpleBus('platform');
  const machine = new KernelModule('machine', {
    initcalls: [
      { level: 'core', name: 'platform_bus_init', fn: (k) => { platform.kernel = k; return k.busRegister(platform); } },
      { level: 'arch', name: 'populate', fn: (k) => { for (const n of tree.root.children) k.deviceRegister({ name: n.name, bus: platform, fwnode: n }); } },
      {
        level: 'device', name: 'drivers', fn: (k) => {
          if (acsFirst) k.container.get(PciBus).acs.request();
          const pci = k.container.get(PciBus);
          k.driverRegister({ name: 'pci-host-generic', bus: platform, matchTable: ['pci-host-ecam-generic'], probe: (dev) => (pciHostCommonProbe(k, dev) === null ? -19 : 0) });
          k.driverRegister(pciDriver(pci, { name: 'anydrv', idTable: [{}], probe: () => 0 }));
          const ops = testIommuOps(() => k.container.get(IommuCore));
          k.driverRegister(iommuDriver(platform, () => k, 'test-iommu', 'test,iommu', () => ({ ...ops, deviceGroup: (d, c) => c.deviceGroupByBus(d) })));
        },
      },
    ],
  });
  const k = new Kernel({
    cmdline: 'fw_devlink=off',
    builtin: [pciBusModule, iommuCoreModule(), machine],
    configure: (c) => {
      c.bind(MachineFirmware).toConstantValue(new MachineFirmware({ of: tree }));
      c.bind(PciTopology).toConstantValue(new PciTopology([{ fwnode: host, devices }]));
    },
  });
  k.boot();
  return { k, core: k.container.get(IommuCore) };
}

const groups = (core: IommuCore): string[][] => core.groups().map((g) => [...g.devices]);

describe('pci_device_group()', () => {
  it('puts a device behind a root port without ACS in the root port\'s group (truth: arm64 DT, ACS requested too late)', () => {
    const { core } = boot([
      { bdf: '00:03.0', id: '1af4:1000', class: '0x020000' },
      rootPort,
      { bdf: '01:00.0', id: '8086:10d3', class: '0x020000', pcie: 'endpoint' },
    ]);
    expect(groups(core)).toEqual([['0000:00:03.0'], ['0000:00:05.0', '0000:01:00.0']]);
  });

  it('isolates the device behind a root port whose ACS was enabled at enumeration', () => {
    const { core } = boot([rootPort, { bdf: '01:00.0', id: '8086:10d3', class: '0x020000', pcie: 'endpoint' }], true);
    expect(groups(core)).toEqual([['0000:00:05.0'], ['0000:01:00.0']]);
  });

  it('groups the functions of a multifunction device without ACS together', () => {
    const { core } = boot([
      { bdf: '00:1f.0', id: '8086:2918', class: '0x060100', multifunction: true },
      { bdf: '00:1f.2', id: '8086:2922', class: '0x010601' },
      { bdf: '00:1f.3', id: '8086:2930', class: '0x0c0500' },
    ]);
    expect(groups(core)).toEqual([['0000:00:1f.0', '0000:00:1f.2', '0000:00:1f.3']]);
  });

  it('groups every device behind a PCIe-to-PCI bridge with the bridge (its alias takes the requester ID)', () => {
    const { core } = boot([
      { bdf: '00:06.0', id: '1b36:000e', class: '0x060400', pcie: 'pcie-to-pci-bridge', bridge: { secondary: 1, configured: false } },
      { bdf: '01:01.0', id: '8086:100e', class: '0x020000' },
      { bdf: '01:02.0', id: '8086:100e', class: '0x020000' },
    ]);
    expect(groups(core)).toEqual([['0000:00:06.0', '0000:01:01.0', '0000:01:02.0']]);
  });
});
