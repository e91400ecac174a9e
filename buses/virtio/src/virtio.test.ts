import { describe, expect, it } from 'vitest';
import { Errno, Kernel, driverModule, parseModuleTimeline, type KernelModule } from '@kdsim/core';
import { PciTopology, acpiPciRootModule, pciBusModule, qemuPciDevices, type PciDevice } from '@kdsim/bus-pci';
import { ambaBusModule, ofPlatformModule, platformBusModule } from '@kdsim/bus-platform';
import { MachineFirmware, OfTree, decodeFdt, parseDts } from '@kdsim/firmware';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { VirtioBus, unregisterVirtioDevice } from './bus.js';
import { VirtioDevice } from './device.js';
import { virtioDriver, type VirtioDriverSpec } from './driver.js';
import { VirtioHardware } from './hardware.js';
import { VIRTIO_CONFIG_S, VIRTIO_F, VIRTIO_ID, bit, features } from './ids.js';
import { virtioBusModule, virtioMmioModule, virtioPciModule } from './module.js';
import { virtioPciDeviceId } from './pci-transport.js';
import { sharedDir, truthDmesg, truthJson } from '@kdsim/testing';

const DYNDBG = 'dyndbg="file drivers/base/dd.c +p; file drivers/base/core.c +p; file drivers/base/bus.c +p"';

const netDriver = (spec: Partial<VirtioDriverSpec> = {}): KernelModule => driverModule('virtio_net', (k) => [virtioDriver(k.container.get(VirtioBus), {
  name: 'virtio_net', idTable: [{ device: VIRTIO_ID.NET }], featureTable: [0, 5, VIRTIO_F.RING_INDIRECT_DESC], ...spec,
})]);
const rngDriver = driverModule('virtio_rng', (k) => [virtioDriver(k.container.get(VirtioBus), { name: 'virtio_rng', idTable: [{ device: VIRTIO_ID.RNG }] })]);

function q35(options: { hw?: VirtioHardware; modules?: KernelModule[]; mods?: string; builtin?: KernelModule[] } = {}): Kernel {
  return new Kernel({
    cmdline: DYNDBG,
    config: { arch: 'x86_64' },
    builtin: [virtioBusModule, pciBusModule, acpiPciRootModule, virtioPciModule, ...(options.builtin ?? [])],
    modules: options.modules ?? [netDriver(), rngDriver],
    userspace: parseModuleTimeline(options.mods ?? 'virtio_net,virtio_rng'),
    configure: (c) => {
      c.bind(PciTopology).toConstantValue(new PciTopology([{ devices: qemuPciDevices('q35') }]));
      if (options.hw) c.bind(VirtioHardware).toConstantValue(options.hw);
    },
  }).boot();
}

describe('virtio-pci', () => {
  it('maps transitional IDs through the subsystem device and modern IDs from 0x1040', () => {
    const k = q35();
    expect(virtioPciDeviceId(k.device('0000:00:03.0') as PciDevice)).toBe(VIRTIO_ID.NET);
    expect(virtioPciDeviceId(k.device('0000:00:04.0') as PciDevice)).toBe(VIRTIO_ID.RNG);
    expect(virtioPciDeviceId({ device: 0x1057, subsystemDevice: 0x1100 } as PciDevice)).toBe(VIRTIO_ID.IOMMU);
    expect(virtioPciDeviceId({ device: 0x1041, subsystemDevice: 0 } as PciDevice)).toBe(VIRTIO_ID.NET);
    expect(virtioPciDeviceId({ device: 0x1110, subsystemDevice: 1 } as PciDevice)).toBeNull();
  });

  it('q35 boot: virtio0/virtio1 under the PCI functions, bound to the module drivers, as the truth machine shows', () => {
    const k = q35();
    const truth = truthJson('x86-q35-noiommu').devices.filter((d) => d.bus === 'virtio');
    for (const t of truth) {
      const d = k.device(t.name)!;
      expect(d.driver?.name ?? null).toBe(t.driver);
      expect(d.parent!.name).toBe(t.sysfs_path.split('/').at(-2));
    }
    const virtioLines = (ls: string[]) => ls.filter((l) => /^(bus: 'virtio'|virtio(_net|_rng)? virtio\d)/.test(l) && !l.includes('add driver virtio_') || /add driver virtio_(net|rng)$/.test(l));
    expect(virtioLines(k.klog.records().map((r) => r.text))).toEqual(virtioLines(truthDmesg('x86-q35-noiommu')).filter((l) => !/virtiofs|virtio_console|virtio_rproc/.test(l)));
  });

  it('a function without the modern capabilities is driven through the legacy interface (revision 0 only)', () => {
    const k = q35({ hw: new VirtioHardware({ pci: { '0000:00:03.0': { modern: false, features: features(0, 5, VIRTIO_F.RING_INDIRECT_DESC) } } }) });
    const v = k.device('virtio0') as VirtioDevice;
    expect(v.transport.name).toBe('virtio-pci legacy');
    expect(v.driver?.name).toBe('virtio_net');
    expect(v.features).toBe(features(0, 5, VIRTIO_F.RING_INDIRECT_DESC));
  });
});

describe('virtio_dev_probe() negotiation', () => {
  it('driver ∩ device features plus the transport bits the ring keeps; DRIVER_OK set', () => {
    const offered = features(0, 5, 7, VIRTIO_F.VERSION_1, VIRTIO_F.RING_EVENT_IDX, VIRTIO_F.IN_ORDER, VIRTIO_F.RING_PACKED);
    const k = q35({ hw: new VirtioHardware({ pci: { '0000:00:03.0': { features: offered } } }) });
    const v = k.device('virtio0') as VirtioDevice;
    // 7 is not in the driver table; IN_ORDER is a transport bit the ring code clears.
    expect(v.features).toBe(features(0, 5, VIRTIO_F.VERSION_1, VIRTIO_F.RING_EVENT_IDX, VIRTIO_F.RING_PACKED));
    expect(v.status).toBe(VIRTIO_CONFIG_S.ACKNOWLEDGE | VIRTIO_CONFIG_S.DRIVER | VIRTIO_CONFIG_S.FEATURES_OK | VIRTIO_CONFIG_S.DRIVER_OK);
  });

  it('the legacy feature table applies when the device lacks VERSION_1', () => {
    const k = q35({
      hw: new VirtioHardware({ pci: { '0000:00:03.0': { modern: false, features: features(0, 5, 6) } } }),
      modules: [netDriver({ featureTable: [0], featureTableLegacy: [5, 6] }), rngDriver],
    });
    expect((k.device('virtio0') as VirtioDevice).features).toBe(features(5, 6));
  });

  it('a device that clears FEATURES_OK fails the probe with -ENODEV (quietly) and FAILED status', () => {
    const k = q35({ hw: new VirtioHardware({ pci: { '0000:00:03.0': { acceptFeatures: () => false } } }) });
    const v = k.device('virtio0') as VirtioDevice;
    expect(v.driver).toBeNull();
    expect(v.status & VIRTIO_CONFIG_S.FAILED).toBe(VIRTIO_CONFIG_S.FAILED);
    const log = k.klog.records().map((r) => r.text);
    expect(log).toContain('virtio_net virtio0: virtio: device refuses features: 3');
    // -ENODEV is a quiet rejection in really_probe(), visible only as a dd.c debug line.
    expect(log.some((l) => l.includes('virtio_net') && l.includes(`rejects match ${-Errno.ENODEV}`))).toBe(true);
    expect(log.some((l) => l.includes('failed with error'))).toBe(false);
  });

  it('the modern interface without VERSION_1 is -EINVAL; restricted memory access requires ACCESS_PLATFORM', () => {
    const k = q35({ hw: new VirtioHardware({ pci: { '0000:00:03.0': { features: features(0) } } }) });
    expect(k.klog.records().some((r) => r.text === 'virtio_net virtio0: virtio: device uses modern interface but does not have VIRTIO_F_VERSION_1')).toBe(true);
    expect(k.device('virtio0')!.driver).toBeNull();
    const k2 = q35({ builtin: [driverModule('restrict', (kk) => (kk.container.get(VirtioBus).restrictedMemoryAccess = () => true, []), 'core_sync')] });
    expect(k2.device('virtio0')!.driver).toBeNull();
    expect(k2.klog.records().some((r) => r.text === 'virtio_net virtio0: device must provide VIRTIO_F_ACCESS_PLATFORM')).toBe(true);
    const k3 = q35({
      builtin: [driverModule('restrict', (kk) => (kk.container.get(VirtioBus).restrictedMemoryAccess = () => true, []), 'core_sync')],
      hw: new VirtioHardware({ pci: { '0000:00:03.0': { features: features(0, VIRTIO_F.VERSION_1, VIRTIO_F.ACCESS_PLATFORM) } } }),
    });
    expect(k3.device('virtio0')!.driver?.name).toBe('virtio_net');
    expect((k3.device('virtio0') as VirtioDevice).features & bit(VIRTIO_F.ACCESS_PLATFORM)).not.toBe(0n);
  });

  it('indexes come from an ida: the lowest free one is reused', () => {
    const k = q35();
    const bus = k.container.get(VirtioBus);
    unregisterVirtioDevice(k, bus, k.device('virtio0') as VirtioDevice);
    expect(bus.allocIndex()).toBe(0);
    expect(bus.allocIndex()).toBe(2);
  });
});

describe('virtio-mmio', () => {
  const truthTree = (): OfTree => new OfTree(decodeFdt(new Uint8Array(gunzipSync(readFileSync(resolve(sharedDir(), 'truth/arm64-virt-smmuv3-dt/firmware/guest.dtb.gz'))))));
  const arm = (hw?: VirtioHardware): Kernel => new Kernel({
    cmdline: DYNDBG,
    builtin: [virtioBusModule, platformBusModule, ambaBusModule, ofPlatformModule(), virtioMmioModule],
    modules: [netDriver()],
    userspace: parseModuleTimeline('virtio_net'),
    configure: (c) => {
      c.bind(MachineFirmware).toConstantValue(new MachineFirmware({ of: truthTree() }));
      if (hw) c.bind(VirtioHardware).toConstantValue(hw);
    },
  }).boot();

  it('the 32 empty QEMU slots (device ID 0) are rejected silently: no virtio devices, nothing logged', () => {
    const k = arm();
    expect(k.devices.some((d) => d instanceof VirtioDevice)).toBe(false);
    expect(k.device('a000000.virtio_mmio')!.driver).toBeNull();
    expect(k.klog.records().some((r) => r.level <= 4 && r.text.includes('virtio_mmio'))).toBe(false);
  });

  it('a populated window registers virtio0 under its platform device; a bad magic or version is reported', () => {
    const k = arm(new VirtioHardware({ mmio: [
      { base: 0xa003e00, deviceId: VIRTIO_ID.NET },
      { base: 0xa000000, deviceId: VIRTIO_ID.NET, magic: 0x12345678 },
      { base: 0xa000200, deviceId: VIRTIO_ID.NET, version: 3 },
    ] }));
    const v = k.device('virtio0') as VirtioDevice;
    expect(v.parent!.name).toBe('a003e00.virtio_mmio');
    expect(v.driver?.name).toBe('virtio_net');
    const log = k.klog.records().map((r) => r.text);
    expect(log).toContain('virtio-mmio a000000.virtio_mmio: Wrong magic value 0x12345678!');
    expect(log).toContain('virtio-mmio a000200.virtio_mmio: Version 3 not supported!');
  });
});

describe('virtio_device_of_init()', () => {
  const dts = (child: string): OfTree => new OfTree(parseDts(`/dts-v1/;
/ { #address-cells = <1>; #size-cells = <1>;
  virtio_mmio@a000000 { compatible = "virtio,mmio"; reg = <0xa000000 0x200>; ${child} };
};`, { preprocess: false, readFile: () => { throw new Error('no includes'); } }));
  const boot = (of: OfTree): Kernel => new Kernel({
    builtin: [virtioBusModule, platformBusModule, ofPlatformModule(), virtioMmioModule],
    configure: (c) => {
      c.bind(MachineFirmware).toConstantValue(new MachineFirmware({ of }));
      c.bind(VirtioHardware).toConstantValue(new VirtioHardware({ mmio: [{ base: 0xa000000, deviceId: VIRTIO_ID.NET }] }));
    },
  }).boot();

  it('the transport node\'s one available child compatible with virtio,device<id> becomes the device\'s node', () => {
    const of = dts('net { compatible = "virtio,device1"; };');
    expect(boot(of).device('virtio0')!.fwnode).toBe(of.findNodeByPath('/virtio_mmio@a000000/net'));
    expect(boot(dts('net { compatible = "virtio,device2"; };')).device('virtio0')!.fwnode).toBeNull();
  });

  it('two available children make registration fail with -EINVAL', () => {
    const k = boot(dts('a { compatible = "virtio,device1"; }; b { compatible = "virtio,device1"; };'));
    expect(k.device('virtio0')).toBeUndefined();
    expect(k.device('a000000.virtio_mmio')!.driver).toBeNull();
  });
});
