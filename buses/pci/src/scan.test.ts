import { describe, expect, it } from 'vitest';
import { PciError } from './errors.js';
import { parsePciHost, type PciDeviceEntry } from './input.js';
import { PciTopology } from './module.js';
import { qemuPciDevices } from './qemu.js';
import { pciKernel, texts } from './testing/boot.js';
import { truthDmesg, truthJson, type TruthMachine } from '@kdsim/testing';
import { PciBus } from './bus.js';
import type { PciDevice } from './device.js';
import { pciDriver } from './driver.js';

// The lines enumeration prints that kdsim models, in the order they appear.
const ENUM_LINE = /^(pci [0-9a-f:.]+: (\[[0-9a-f]{4}:[0-9a-f]{4}\] type|PCI bridge to \[bus|bridge configuration invalid)|bus: 'pci': add device|device: '(pci)?[0-9a-f]{4}:[0-9a-f]{2}[':])/;

function enumerationLines(lines: readonly string[]): string[] {
  // Stop after the last function is added: later "PCI bridge to" lines come from pci_setup_bridge().
  const end = lines.findLastIndex((l) => l.startsWith("bus: 'pci': add device")) + 1;
  return lines.slice(0, end).filter((l) => ENUM_LINE.test(l));
}

describe('enumeration against the truth machines', () => {
  const cases: [TruthMachine, PciDeviceEntry[]][] = [
    ['x86-q35-noiommu', qemuPciDevices('q35')],
    ['x86-q35-viommu-last', qemuPciDevices('q35-viommu')],
  ];
  for (const [machine, devices] of cases) {
    it(`${machine}: the enumeration lines and device_add order are the real kernel's`, () => {
      const k = pciKernel([{ devices }]).boot();
      expect(enumerationLines(texts(k))).toEqual(enumerationLines(truthDmesg(machine)));
      const pciOrder = truthJson(machine).device_creation_order.filter((d) => d.bus === 'pci').map((d) => d.device);
      expect(k.container.get(PciBus).devices.map((d) => d.name)).toEqual(pciOrder);
    });
  }

  it('arm64-virt: an unconfigured root port is numbered in the second pass, as the truth dmesg shows', () => {
    const k = pciKernel([{ devices: qemuPciDevices('virt') }]).boot();
    const ours = enumerationLines(texts(k)).filter((l) => !l.startsWith('device: \'pci0000'));
    // On DT the host bridge line has the platform device's prefix; compare from the first function on.
    const truth = enumerationLines(truthDmesg('arm64-virt-smmuv3-dt'));
    const from = (ls: string[]) => ls.slice(ls.findIndex((l) => l.startsWith('pci 0000:00:00.0')));
    expect(from(ours)).toEqual(from(truth));
  });

  it('sysfs parents: functions under pci0000:00, the endpoint under its root port', () => {
    const k = pciKernel([{ devices: qemuPciDevices('q35') }]).boot();
    const path = (name: string): string => {
      const parts: string[] = [];
      for (let d = k.device(name) ?? null; d !== null; d = d.parent) parts.unshift(d.name);
      return `/sys/devices/${parts.join('/')}`;
    };
    for (const d of truthJson('x86-q35-noiommu').devices.filter((x) => x.bus === 'pci')) expect(path(d.name)).toBe(d.sysfs_path);
  });

  it('drivers registered before the scan bind only once the whole hierarchy is added, bus by bus', () => {
    const probed: string[] = [];
    const k = pciKernel([{ devices: qemuPciDevices('q35') }], (bus) => [pciDriver(bus, {
      name: 'all', idTable: [{}], probe: (dev) => (probed.push(dev.name), 0),
    })], {}, 'arch').boot();
    const log = texts(k);
    const lastAdd = log.findLastIndex((l) => l.startsWith("bus: 'pci': add device"));
    const firstProbe = log.findIndex((l) => l.includes('really_probe: probing driver all'));
    expect(firstProbe).toBeGreaterThan(lastAdd);
    expect(probed).toEqual(truthJson('x86-q35-noiommu').device_creation_order.filter((d) => d.bus === 'pci').map((d) => d.device));
  });
});

describe('device-list validation', () => {
  const bad = (devices: Parameters<typeof parsePciHost>[0]['devices']): PciError => {
    try {
      parsePciHost({ devices });
    } catch (e) {
      if (e instanceof PciError) return e;
      throw e;
    }
    throw new Error('no error');
  };

  it('names the entry and the field', () => {
    const e = bad([{ bdf: '00:03.0', id: '1af4', class: '0x020000' }]);
    expect(e.kind).toBe('badField');
    expect(e.details).toMatchObject({ entry: 'devices[0] (00:03.0)', field: 'id' });
    expect(bad([{ bdf: '00:20.0', id: '1af4:1000', class: '0x020000' }]).details.field).toBe('bdf');
    expect(bad([{ bdf: '00:03.0', id: '1af4:1000', class: 'net' }]).details.field).toBe('class');
    expect(bad([{ bdf: '00:03.0', id: '1af4:1000', class: 0x020000, acs: ['XX' as 'SV'] }]).details.field).toBe('acs[0]');
  });

  it('a bridge needs a secondary bus; a non-bridge may not have one', () => {
    expect(bad([{ bdf: '00:05.0', id: '1b36:000c', class: '0x060400' }]).kind).toBe('missingField');
    expect(bad([{ bdf: '00:03.0', id: '1af4:1000', class: '0x020000', bridge: { secondary: 1 } }]).details.field).toBe('bridge');
  });

  it('duplicates and unreachable functions are refused with the reason', () => {
    expect(bad([{ bdf: '00:03.0', id: '1af4:1000', class: 1 }, { bdf: '0000:00:03.0', id: '1af4:1000', class: 1 }]).kind).toBe('duplicate');
    expect(bad([{ bdf: '02:00.0', id: '8086:10d3', class: 1 }]).message).toMatch(/no bridge has bus 02/);
    expect(bad([{ bdf: '00:1f.0', id: '8086:2918', class: 1 }, { bdf: '00:1f.2', id: '8086:2922', class: 1 }]).message).toMatch(/not multifunction/);
    expect(bad([{ bdf: '00:1f.2', id: '8086:2922', class: 1 }]).message).toMatch(/function 0 of its slot is missing/);
  });

  it('two host bridges cannot share a root bus of one domain', () => {
    expect(() => new PciTopology([{ devices: [] }, { segment: 1, devices: [] }, { devices: [] }])).toThrow(/hosts\[2\]: busStart: domain 0000 bus 00 is already hosts\[0\]'s root bus/);
  });

  it('an unconfigured bridge must name the bus number Linux gives it', () => {
    const devices = [
      { bdf: '00:04.0', id: '1b36:000c', class: '0x060400', pcie: 'root-port' as const, bridge: { secondary: 2, configured: false } },
      { bdf: '00:05.0', id: '1b36:000c', class: '0x060400', pcie: 'root-port' as const, bridge: { secondary: 1, configured: false } },
    ];
    expect(bad(devices).message).toMatch(/Linux numbers its bus 01, not 02/);
    // Swapped, it is what Linux does: devfn order, max + 1.
    expect(() => parsePciHost({ devices: [{ ...devices[0]!, bridge: { secondary: 1, configured: false } }, { ...devices[1]!, bridge: { secondary: 2, configured: false } }] })).not.toThrow();
  });
});

describe('names and numbers', () => {
  it('RID is bus << 8 | devfn and names carry the domain', () => {
    const k = pciKernel([{ segment: 1, devices: qemuPciDevices('q35').map((d) => ({ ...d, bdf: `0001:${d.bdf}` })) }]).boot();
    const e = k.device('0001:01:00.0') as PciDevice;
    expect(e.rid).toBe(0x0100);
    expect((k.device('0001:00:1f.3') as PciDevice).rid).toBe(0xfb);
    expect(e.hostBridge.name).toBe('pci0001:00');
    expect((k.device('0001:00:1f.2') as PciDevice).multifunction).toBe(true);
  });
});

describe('ACPI companions of functions', () => {
  it('a function listed with an ACPI path gets that companion; others none', () => {
    const devices = qemuPciDevices('q35').map((d) => (d.bdf === '00:1f.2' ? { ...d, acpiPath: '\\_SB_.PCI0.SATA' } : d));
    const k = pciKernel([{ devices }]).boot();
    expect((k.device('0000:00:1f.2') as PciDevice).fwnode?.path).toBe('\\_SB_.PCI0.SATA');
    expect((k.device('0000:00:1f.3') as PciDevice).fwnode).toBeNull();
    expect(() => parsePciHost({ devices: [{ bdf: '00:03.0', id: '1af4:1000', class: 1, acpiPath: 'not a path' }] })).toThrow(/acpiPath/);
  });
});

describe('bridge bus ranges', () => {
  it('a configured bridge without a listed subordinate reports the highest bus below it, as firmware programs it', () => {
    const k = pciKernel([{ devices: [
      { bdf: '00:1c.0', id: '8086:0001', class: '0x060400', pcie: 'root-port', bridge: { secondary: 1 } },
      { bdf: '01:00.0', id: '8086:0002', class: '0x060400', pcie: 'upstream-port', bridge: { secondary: 2 } },
      { bdf: '02:00.0', id: '8086:0003', class: '0x060400', pcie: 'downstream-port', bridge: { secondary: 3 } },
      { bdf: '03:00.0', id: '8086:10d3', class: '0x020000', pcie: 'endpoint' },
    ] }]).boot();
    const log = texts(k);
    expect(log).toContain('pci 0000:00:1c.0: PCI bridge to [bus 01-03]');
    expect(log).toContain('pci 0000:02:00.0: PCI bridge to [bus 03]');
    expect((k.device('0000:00:1c.0') as PciDevice).subordinate!.subordinate).toBe(3);
  });
});
