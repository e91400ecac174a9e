import { describe, expect, it } from 'vitest';
import { PciError } from './errors.js';
import { parsePciHost, type PciDeviceEntry } from './input.js';
import { qemuIommuRequesterIds } from './qemu.js';

const rid = (n: number): string => n.toString(16).padStart(4, '0');

// hw/pci/pci.c: pci_device_iommu_address_space(), QEMU 7.2.
describe('qemuIommuRequesterIds(): the endpoint IDs QEMU gives its vIOMMU', () => {
  // The recorded q35 and virt "bridges" machines, plus a conventional pci-bridge with a device below it.
  const devices: PciDeviceEntry[] = [
    { bdf: '00:03.0', id: '1af4:1000', class: '0x020000' },
    { bdf: '00:04.0', id: '1b36:000c', class: '0x060400', pcie: 'root-port', bridge: { secondary: 1 } },
    { bdf: '00:05.0', id: '1b36:000c', class: '0x060400', pcie: 'root-port', bridge: { secondary: 2, subordinate: 4 } },
    { bdf: '00:06.0', id: '1b36:0001', class: '0x060400', bridge: { secondary: 5 } },
    { bdf: '01:00.0', id: '1af4:1042', class: '0x010000', pcie: 'endpoint' },
    { bdf: '02:00.0', id: '1b36:000e', class: '0x060400', pcie: 'pcie-to-pci-bridge', bridge: { secondary: 3, subordinate: 4 } },
    { bdf: '03:01.0', id: '1af4:1005', class: '0x00ff00' },
    { bdf: '03:02.0', id: '1af4:1000', class: '0x020000' },
    { bdf: '03:03.0', id: '1b36:0001', class: '0x060400', bridge: { secondary: 4 } },
    { bdf: '04:01.0', id: '1af4:1000', class: '0x020000' },
    { bdf: '05:01.0', id: '1af4:1005', class: '0x00ff00' },
  ];
  const ids = qemuIommuRequesterIds(parsePciHost({ devices })).map(rid);

  it('keeps the own RID on the root bus and below PCIe ports', () => {
    expect(ids.slice(0, 6)).toEqual(['0018', '0020', '0028', '0030', '0100', '0200']);
  });

  it('gives every function below a PCIe-to-PCI bridge (secondary bus, 00.0), as Linux\'s alias walk ends', () => {
    expect(ids.slice(6, 9)).toEqual(['0300', '0300', '0300']);
    // Below a conventional bridge below it, the walk goes on up to the PCIe-to-PCI bridge.
    expect(ids[9]).toBe('0300');
  });

  it('gives a function below a conventional PCI bridge on a PCIe bus that bridge\'s RID', () => {
    expect(ids[10]).toBe('0030');
  });
});

describe('acpiHotplug (acpiphp holds a bridge\'s slots)', () => {
  const host = (e: Partial<PciDeviceEntry>): unknown => parsePciHost({ devices: [{ bdf: '00:02.0', id: '1b36:000e', class: '0x060400', bridge: { secondary: 1 }, ...e }] });

  it('is read from a bridge entry, false by default', () => {
    expect(parsePciHost({ devices: [{ bdf: '00:02.0', id: '1b36:000e', class: '0x060400', bridge: { secondary: 1 }, acpiHotplug: true }] }).functions[0]!.acpiHotplug).toBe(true);
    expect(parsePciHost({ devices: [{ bdf: '00:02.0', id: '1b36:000e', class: '0x060400', bridge: { secondary: 1 } }] }).functions[0]!.acpiHotplug).toBe(false);
  });

  it('is refused on a function that is not a bridge, or when not a boolean, naming the entry and the field', () => {
    expect(() => parsePciHost({ devices: [{ bdf: '00:03.0', id: '1af4:1000', class: '0x020000', acpiHotplug: true }] })).toThrow(/devices\[0\] \(00:03\.0\).*acpiHotplug.*only a bridge/);
    expect(() => host({ acpiHotplug: 'yes' as unknown as boolean })).toThrow(PciError);
    expect(() => host({ acpiHotplug: 'yes' as unknown as boolean })).toThrow(/acpiHotplug: expected true or false, got "yes"/);
  });
});
