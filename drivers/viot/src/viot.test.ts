// drivers/acpi/viot.c against the QEMU VIOT fixture (fixtures/README.md): a
// virtio-pci IOMMU at 00:01.0 translating every function of bus 0 (00:00.0–00:1f.7).
import { describe, expect, it } from 'vitest';
import { Kernel, LogLevel } from '@kdsim/core';
import { PciTopology, acpiPciRootModule, pciBusModule, type PciDeviceEntry } from '@kdsim/bus-pci';
import { MachineFirmware, decodeViot } from '@kdsim/firmware';
import { AcpiIommuState, iommuCoreModule } from '@kdsim/iommu';
import { fixture } from '@kdsim/testing';
import { AcpiViotTable, acpiViotModule } from './viot.js';

const VIOT = decodeViot(fixture('acpi/qemu-virt-VIOT.bin'), 'qemu-virt-VIOT.bin');
const HOST: PciDeviceEntry = { bdf: '00:00.0', id: '8086:29c0', subsystem: '1af4:1100', class: '0x060000' };
const VIOMMU: PciDeviceEntry = { bdf: '00:01.0', id: '1af4:1057', subsystem: '1af4:1100', class: '0x00ff00' };
const NET: PciDeviceEntry = { bdf: '00:02.0', id: '1af4:1000', subsystem: '1af4:0001', class: '0x020000' };

function boot(devices: PciDeviceEntry[]): Kernel {
  return new Kernel({
    profile: 'linux-6.12',
    config: { arch: 'x86_64' },
    builtin: [pciBusModule, iommuCoreModule(), acpiViotModule, acpiPciRootModule],
    configure: (c) => {
      c.bind(MachineFirmware).toConstantValue(new MachineFirmware({ acpi: {} }));
      c.bind(AcpiViotTable).toConstantValue(new AcpiViotTable(VIOT));
      c.bind(PciTopology).toConstantValue(new PciTopology([{ devices }]));
    },
  }).boot();
}

describe('acpi_viot_init()', () => {
  it('names the virtio-iommu PCI function by its fwnode and keeps the range for the endpoints (set before any driver probes)', () => {
    const k = boot([HOST, VIOMMU, NET]);
    const init = k.container.get(AcpiIommuState).viotInit!;
    expect(init.iommus).toHaveLength(1);
    const fn = k.device('0000:00:01.0')!;
    expect(fn.fwnode).not.toBeNull();
    expect(init.iommus[0]!.fwnode).toBe(fn.fwnode);
    expect(init.pciRanges.map((r) => [r.node.bdfStart, r.node.bdfEnd, r.viommu === init.iommus[0]])).toEqual([[0x0000, 0x00ff, true]]);
    expect(k.dmesg({ level: LogLevel.WARNING })).not.toContain('VIOT');
  });

  it('without a function at the IOMMU BDF: "Could not find PCI IOMMU" at KERN_ERR, and no IOMMU for the range', () => {
    const k = boot([HOST, NET]);
    const init = k.container.get(AcpiIommuState).viotInit!;
    expect(init.iommus).toEqual([]);
    expect(k.dmesg({ level: LogLevel.ERR })).toContain('ACPI: VIOT: Could not find PCI IOMMU');
  });

  it('does nothing on a machine without a VIOT', () => {
    const k = new Kernel({ profile: 'linux-6.12', builtin: [pciBusModule, iommuCoreModule(), acpiViotModule, acpiPciRootModule],
      configure: (c) => c.bind(PciTopology).toConstantValue(new PciTopology([{ devices: [HOST, NET] }])) }).boot();
    expect(k.container.isBound(AcpiIommuState) ? k.container.get(AcpiIommuState).viotInit : null).toBeNull();
  });
});
