// Test support (not exported): the PCI functions of the calibration machines
// (truth/README.md, the dmesg enumeration lines, QEMU 7.2 device models).
import type { PciDeviceEntry } from '@kdsim/bus-pci';

// QEMU hw/pci/pcie.c: pcie_acs_init() gives downstream ports SV, TB, RR, CR, UF and DT.
const rootPort = (configured: boolean): PciDeviceEntry => ({
  bdf: '00:05.0', id: '1b36:000c', subsystem: '1b36:0000', class: '0x060400', pcie: 'root-port',
  bridge: { secondary: 1, configured }, acs: ['SV', 'TB', 'RR', 'CR', 'UF', 'DT'],
});

const common: PciDeviceEntry[] = [
  { bdf: '00:03.0', id: '1af4:1000', subsystem: '1af4:0001', class: '0x020000' },
  { bdf: '00:04.0', id: '1af4:1005', subsystem: '1af4:0004', class: '0x00ff00' },
];
const e1000e: PciDeviceEntry = { bdf: '01:00.0', id: '8086:10d3', subsystem: '8086:0000', class: '0x020000', pcie: 'endpoint' };

/** x86 q35; `viommu` adds virtio-iommu-pci at 00:02.0. SeaBIOS configured the root port. */
export function q35Devices(viommu: boolean): PciDeviceEntry[] {
  return [
    { bdf: '00:00.0', id: '8086:29c0', subsystem: '1af4:1100', class: '0x060000' },
    ...(viommu ? [{ bdf: '00:02.0', id: '1af4:1057', subsystem: '1af4:1100', class: '0x00ff00' }] : []),
    ...common,
    rootPort(true),
    { bdf: '00:1f.0', id: '8086:2918', subsystem: '1af4:1100', class: '0x060100', multifunction: true },
    { bdf: '00:1f.2', id: '8086:2922', subsystem: '1af4:1100', class: '0x010601' },
    { bdf: '00:1f.3', id: '8086:2930', subsystem: '1af4:1100', class: '0x0c0500' },
    e1000e,
  ];
}

/** arm64 virt: no firmware PCI enumeration, so Linux numbers the root port's bus itself. */
export function armVirtDevices(): PciDeviceEntry[] {
  return [
    { bdf: '00:00.0', id: '1b36:0008', subsystem: '1af4:1100', class: '0x060000' },
    ...common,
    rootPort(false),
    e1000e,
  ];
}
