import { describe, expect, it } from 'vitest';
import { DmaConfigure, Errno, KernelModule, type Device } from '@kdsim/core';
import { AcpiDeviceFwnode } from '@kdsim/firmware';
import type { PciDevice } from './device.js';
import { PciMatchTable, pciDriver, pciMatchDevice, type PciDeviceId } from './driver.js';
import { PCI_ANY_ID } from './regs.js';
import { PciBus } from './bus.js';
import { pciNewId } from './new-id.js';
import { pciKernel } from './testing/boot.js';
import { qemuPciDevices } from './qemu.js';

describe('pci_match_device()', () => {
  const k = pciKernel([{ devices: qemuPciDevices('q35') }]).boot();
  const e1000e = k.device('0000:01:00.0') as PciDevice;
  const table = (ids: PciDeviceId[], name = 'drv'): PciMatchTable => new PciMatchTable({ name, idTable: ids });

  it('IDs, PCI_ANY_ID and class under its mask', () => {
    expect(pciMatchDevice(table([{ vendor: 0x8086, device: 0x10d3 }]), e1000e)).not.toBeNull();
    expect(pciMatchDevice(table([{ vendor: 0x8086, device: 0x10d4 }]), e1000e)).toBeNull();
    expect(pciMatchDevice(table([{ vendor: PCI_ANY_ID, device: PCI_ANY_ID, subvendor: 0x8086 }]), e1000e)).not.toBeNull();
    expect(pciMatchDevice(table([{ class: 0x020000, classMask: 0xffff00 }]), e1000e)).not.toBeNull();
    expect(pciMatchDevice(table([{ class: 0x060400, classMask: 0xffff00 }]), e1000e)).toBeNull();
  });

  it('the first matching entry wins; dynamic ids come before the table', () => {
    const t = table([{ vendor: 0x8086, data: 'a' }, { vendor: 0x8086, device: 0x10d3, data: 'b' }]);
    expect(pciMatchDevice(t, e1000e)?.data).toBe('a');
    t.dynIds.push({ vendor: 0x8086, device: 0x10d3, data: 'dyn' });
    expect(pciMatchDevice(t, e1000e)?.data).toBe('dyn');
  });

  it('driver_override: only the named driver, which matches even without an id; override-only entries need it', () => {
    const t = table([{ vendor: 0x8086, device: 0x10d3, overrideOnly: true }], 'vfio-pci');
    expect(pciMatchDevice(t, e1000e)).toBeNull();
    e1000e.driverOverride = 'vfio-pci';
    try {
      expect(pciMatchDevice(t, e1000e)).toEqual({ vendor: 0x8086, device: 0x10d3, overrideOnly: true });
      expect(pciMatchDevice(table([], 'vfio-pci'), e1000e)).toEqual({});
      expect(pciMatchDevice(table([{ vendor: 0x8086 }], 'e1000e'), e1000e)).toBeNull();
    } finally {
      e1000e.driverOverride = null;
    }
  });
});

describe('the PCI bus in a boot', () => {
  it('driver_override beats an earlier driver\'s id table; probe gets the matched id', () => {
    const got: string[] = [];
    const k = pciKernel([{ devices: qemuPciDevices('q35') }], (bus) => [
      pciDriver(bus, { name: 'e1000e', idTable: [{ vendor: 0x8086, device: 0x10d3, data: 'e1000e-id' }], probe: (d, id) => (got.push(`${d.name} ${String(id.data)}`), 0) }),
      pciDriver(bus, { name: 'vfio-pci', idTable: [], probe: (d) => (got.push(`${d.name} vfio`), 0) }),
    ], {
      // Set between the scan (subsys) and driver registration (device).
      builtin: [new KernelModule('override', { initcalls: [{ level: 'subsys_sync', name: 'set_override', fn: (kk) => void (kk.device('0000:01:00.0')!.driverOverride = 'vfio-pci') }] })],
    }).boot();
    expect(got).toEqual(['0000:01:00.0 vfio']);
    expect(k.device('0000:01:00.0')!.driver?.name).toBe('vfio-pci');
  });

  it('a positive probe result is a success the kernel warns about; -ENODEV rejects', () => {
    const k = pciKernel([{ devices: qemuPciDevices('q35') }], (bus) => [
      pciDriver(bus, { name: 'ahci', idTable: [{ class: 0x010601, classMask: 0xffffff }], probe: () => 1 }),
      pciDriver(bus, { name: 'agpgart-intel', idTable: [{ vendor: 0x8086, device: 0x29c0 }], probe: () => -Errno.ENODEV }),
    ]).boot();
    expect(k.device('0000:00:1f.2')!.driver?.name).toBe('ahci');
    expect(k.klog.records().some((r) => r.text === 'ahci 0000:00:1f.2: Driver probe function unexpectedly returned 1')).toBe(true);
    expect(k.device('0000:00:00.0')!.driver).toBeNull();
  });
});

describe('pci_dma_configure()', () => {
  it('delegates to the kernel\'s DmaConfigure seam before probe; a deferral there keeps the driver from probing', () => {
    const seen: string[] = [];
    class Recording extends DmaConfigure {
      configure(dev: Device): number {
        seen.push(dev.name);
        return dev.name === '0000:00:03.0' ? -Errno.EPROBE_DEFER : 0;
      }
      cleanup(): void {}
    }
    const probed: string[] = [];
    const k = pciKernel([{ devices: qemuPciDevices('q35') }], (bus) => [
      pciDriver(bus, { name: 'virtio-pci', idTable: [{ vendor: 0x1af4 }], probe: (d) => (probed.push(d.name), 0) }),
    ], { configure: (c) => void c.rebind(DmaConfigure).toConstantValue(new Recording()) }).boot();
    expect(seen.slice(0, 2)).toEqual(['0000:00:03.0', '0000:00:04.0']);
    expect(probed).toEqual(['0000:00:04.0']);
    expect(k.devicesDeferred()).toContain('0000:00:03.0');
  });

  it('the host bridge offers the node pci_dma_configure() uses: its ACPI companion when it has no DT parent', () => {
    const k = pciKernel([{ devices: qemuPciDevices('q35') }]).boot();
    const host = (k.device('0000:00:03.0') as PciDevice).hostBridge;
    expect(host.name).toBe('pci0000:00');
    expect(host.parent).toBeNull();
    // Listed without one, the root bridge gets the namespace device every ACPI root has.
    expect(host.dmaFwnode?.type).toBe('acpi');
    expect(host.dmaFwnode?.path).toBe('\\_SB_.PCI0');
    const given = new AcpiDeviceFwnode('\\_SB_.PC00');
    const k2 = pciKernel([{ fwnode: given, devices: qemuPciDevices('q35') }]).boot();
    expect((k2.device('0000:00:03.0') as PciDevice).hostBridge.dmaFwnode).toBe(given);
  });
});

describe('new_id', () => {
  it('adds a dynamic ID and attaches the driver; an ID it already matches is -EEXIST; bad lines are -EINVAL', () => {
    const k = pciKernel([{ devices: qemuPciDevices('q35') }], (bus) => [
      pciDriver(bus, { name: 'vfio-pci', idTable: [] }),
      pciDriver(bus, { name: 'e1000e', idTable: [{ vendor: 0x8086, device: 0x10d3 }] }),
    ], {}, 'subsys_sync').boot();
    const pci = k.container.get(PciBus);
    const vfio = k.findDriver(pci, 'vfio-pci')!;
    expect(k.device('0000:00:1f.3')!.driver).toBeNull();
    expect(pciNewId(k, vfio, '8086 2930')).toBe(0);
    expect(k.device('0000:00:1f.3')!.driver?.name).toBe('vfio-pci');
    expect(pciNewId(k, vfio, '8086 2930')).toBe(-Errno.EEXIST);
    expect(pciNewId(k, vfio, '8086')).toBe(-Errno.EINVAL);
    expect(pciNewId(k, vfio, 'zz 10d3')).toBe(-Errno.EINVAL);
    expect(pciNewId(k, k.findDriver(pci, 'e1000e')!, '8086 10d3')).toBe(-Errno.EEXIST);
  });
});
