import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Kernel, parseModuleTimeline, type Device } from '@kdsim/core';
import { PciTopology, QEMU_Q35_OSC, qemuPciDevices } from '@kdsim/bus-pci';
import { AcpiPlatformDevices } from '@kdsim/bus-platform';
import { MachineFirmware, OfTree, decodeFdt } from '@kdsim/firmware';
import { debianBuiltins, debianLoadable } from './catalogue.js';
import { sharedDir, truthDmesg, type TruthMachine } from './testing/truth.js';

interface Truth {
  kernel_cmdline: string;
  devices: { bus: string; name: string; driver: string | null }[];
  probe_order: string[];
  probe_attempts: { device: string; bus: string; driver: string; outcome: string }[];
  driver_registration_order: { bus: string; driver: string }[];
}
const truth = (m: TruthMachine): Truth => JSON.parse(readFileSync(resolve(sharedDir(), 'truth', m, 'truth.json'), 'utf8')) as Truth;
const MODELLED = new Set(['pci', 'pci_express', 'virtio', 'amba']);
const mods = (cmdline: string): string => /kt\.mods=(\S+)/.exec(cmdline)![1]!;

function q35Kernel(): Kernel {
  const t = truth('x86-q35-noiommu');
  return new Kernel({
    cmdline: t.kernel_cmdline,
    config: { arch: 'x86_64' },
    builtin: debianBuiltins('amd64'),
    modules: debianLoadable('amd64'),
    userspace: parseModuleTimeline(mods(t.kernel_cmdline)),
    configure: (c) => {
      // _OSC: "OS now controls [SHPCHotplug PME AER PCIeCapability]", "platform does not support [PCIeHotplug LTR]"
      c.bind(PciTopology).toConstantValue(new PciTopology([{ devices: qemuPciDevices('q35'), native: QEMU_Q35_OSC }]));
      c.bind(AcpiPlatformDevices).toConstantValue(new AcpiPlatformDevices([{ path: '\\_SB_.PCI0.FWCF', hid: 'QEMU0002', cca: 1, parent: 'pci0000:00' }]));
    },
  }).boot();
}

function armKernel(): Kernel {
  const t = truth('arm64-virt-smmuv3-dt');
  const of = new OfTree(decodeFdt(new Uint8Array(gunzipSync(readFileSync(resolve(sharedDir(), 'truth/arm64-virt-smmuv3-dt/firmware/guest.dtb.gz'))))));
  return new Kernel({
    cmdline: t.kernel_cmdline,
    config: { arch: 'arm64' },
    builtin: debianBuiltins('arm64'),
    modules: debianLoadable('arm64'),
    userspace: parseModuleTimeline(mods(t.kernel_cmdline)),
    configure: (c) => {
      c.bind(MachineFirmware).toConstantValue(new MachineFirmware({ of }));
      c.bind(PciTopology).toConstantValue(new PciTopology([{ fwnode: of.findNodeByPath('/pcie@10000000'), devices: qemuPciDevices('virt') }]));
    },
  }).boot();
}

const boundDriver = (d: Device | undefined): string | null => (d !== undefined && d.bound ? d.driver!.name : null);

describe('x86 q35 (no IOMMU): the Debian 6.12 built-ins and the truth module timeline', () => {
  const k = q35Kernel();
  const t = truth('x86-q35-noiommu');

  it('every PCI, port-service and virtio device ends with the driver the real kernel bound', () => {
    const want = t.devices.filter((d) => MODELLED.has(d.bus)).map((d) => `${d.bus}:${d.name} ${d.driver}`);
    const got = t.devices.filter((d) => MODELLED.has(d.bus)).map((d) => `${d.bus}:${d.name} ${boundDriver(k.device(`${d.bus}:${d.name}`))}`);
    expect(got).toEqual(want);
    expect(k.device('platform:QEMU0002:00')?.parent?.name).toBe('pci0000:00');
  });

  it('binds in the real kernel\'s order', () => {
    const ours = new Set(k.bindOrder.map((d) => d.name));
    expect(k.bindOrder.map((d) => d.name).filter((n) => t.probe_order.includes(n))).toEqual(t.probe_order.filter((n) => ours.has(n)));
  });

  it('registers the modelled drivers in the real order, and agpgart-intel rejects the q35 host bridge with -ENODEV', () => {
    const names = new Set(k.buses.get('pci')!.drivers.map((d) => d.name).concat(k.buses.get('pci_express')!.drivers.map((d) => d.name), k.buses.get('virtio')!.drivers.map((d) => d.name)));
    const truthOrder = t.driver_registration_order.map((d) => d.driver).filter((n) => names.has(n));
    const ourLines = k.klog.records().map((r) => /^bus: '(pci|pci_express|virtio)': add driver (\S+)$/.exec(r.text)?.[2]).filter((n): n is string => n !== undefined);
    expect(ourLines).toEqual(truthOrder);
    const rejects = 'agpgart-intel 0000:00:00.0: probe with driver agpgart-intel rejects match -19';
    expect(truthDmesg('x86-q35-noiommu')).toContain(rejects);
    expect(k.klog.records().map((r) => r.text)).toContain(rejects);
    expect(t.probe_attempts.find((a) => a.driver === 'agpgart-intel')?.outcome).not.toBe('bound');
  });

  it('tries the same device/driver matches in the same order (dd.c __driver_probe_device lines)', () => {
    const matched = (lines: readonly string[]): string[] => lines
      .map((l) => /^\S+ (\S+): bus: '(pci|pci_express|virtio)': __driver_probe_device: matched device with driver (\S+)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null).map((m) => `${m[1]} ${m[3]}`);
    const ours = matched(k.klog.records().map((r) => r.text));
    expect(ours.length).toBeGreaterThan(8);
    expect(ours).toEqual(matched(truthDmesg('x86-q35-noiommu')));
  });

  it('the port\'s service devices are the real ones: no pciehp without native hot-plug, pcie010 unbound', () => {
    const services = k.devices.filter((d) => d.bus?.name === 'pci_express').map((d) => d.name);
    expect(services).toEqual(t.devices.filter((d) => d.bus === 'pci_express').map((d) => d.name));
  });

  it('prints the drivers\' banners as the real kernel did', () => {
    const lines = k.klog.records().map((r) => r.text);
    for (const l of ['shpchp: Standard Hot Plug PCI Controller Driver version: 0.4', 'Linux agpgart interface v0.103', 'e1000e: Intel(R) PRO/1000 Network Driver']) {
      expect(truthDmesg('x86-q35-noiommu')).toContain(l);
      expect(lines).toContain(l);
    }
  });
});

describe('arm64 virt (DT, IOMMU not modelled here)', () => {
  const k = armKernel();
  const t = truth('arm64-virt-smmuv3-dt');

  it('pci-host-generic scans the bus under its platform device; every modelled device ends with the real driver', () => {
    expect(boundDriver(k.device('platform:4010000000.pcie'))).toBe('pci-host-generic');
    const want = t.devices.filter((d) => MODELLED.has(d.bus)).map((d) => `${d.bus}:${d.name} ${d.driver}`);
    const got = t.devices.filter((d) => MODELLED.has(d.bus)).map((d) => `${d.bus}:${d.name} ${boundDriver(k.device(`${d.bus}:${d.name}`))}`);
    expect(got).toEqual(want);
    expect(k.device('pci0000:00')!.parent!.name).toBe('4010000000.pcie');
  });

  it('prints the host bridge\'s ECAM window and the PL061 line as the real kernel did', () => {
    const lines = k.klog.records().map((r) => r.text);
    for (const l of [
      'pci-host-generic 4010000000.pcie: host bridge /pcie@10000000 ranges:',
      'pci-host-generic 4010000000.pcie: ECAM at [mem 0x4010000000-0x401fffffff] for [bus 00-ff]',
      'pci-host-generic 4010000000.pcie: PCI host bridge to bus 0000:00',
      'pl061_gpio 9030000.pl061: PL061 GPIO chip registered',
    ]) {
      expect(truthDmesg('arm64-virt-smmuv3-dt')).toContain(l);
      expect(lines).toContain(l);
    }
  });

  it('AMBA and host-controller matches happen in the real kernel\'s order (the PCI side waits on the IOMMU there)', () => {
    const matched = (lines: readonly string[]): string[] => lines
      .map((l) => /^\S+ (\S+): bus: '(amba|platform)': __driver_probe_device: matched device with driver (\S+)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && (m[2] === 'amba' || m[3] === 'pci-host-generic')).map((m) => `${m[1]} ${m[3]}`);
    const ours = matched(k.klog.records().map((r) => r.text));
    expect(ours).toEqual(['9000000.pl011 uart-pl011', '9030000.pl061 pl061_gpio', '4010000000.pcie pci-host-generic', '9010000.pl031 rtc-pl031']);
    expect(ours).toEqual(matched(truthDmesg('arm64-virt-smmuv3-dt')));
  });

  it('the empty virtio-mmio slots stay unbound (virtio_mmio is a module not loaded here)', () => {
    expect(k.devices.filter((d) => d.name.endsWith('.virtio_mmio') && d.bound)).toEqual([]);
  });
});
