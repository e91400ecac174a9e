// Stories from issue 6: a user hands devices to vfio-pci (driver_override,
// unbind, bind) on DT machines whose endpoints sit behind a mock IOMMU
// shaped by its capability answers, then drives VFIO and iommufd.
import { Errno, Kernel, KernelModule, type Device, type DriverSpec } from '@kdsim/core';
import { MachineFirmware, OfTree, parseDts } from '@kdsim/firmware';
import { DmaSimpleBus, IommuCap, iommuCoreModule } from '@kdsim/iommu';
import {
  MockIommu, VFIO_EXT, VFIO_GROUP_FLAGS, VfioCore, VfioProcess, VfioSteps, vfioModule, type MockIommuOptions, type VfioConfig,
} from '@kdsim/vfio';
import { describe, expect, it } from 'vitest';
import { vfioPciDriver, vfioPciTakeOver } from './vfio-pci.js';

const DTS = `
  iommu: iommu@5000000 { compatible = "kdsim,iommu-mock"; reg = <0x5000000 0x1000>; #iommu-cells = <1>; };
  nic@1000 { compatible = "test,nic"; reg = <0x1000 0x100>; iommus = <&iommu 0x10>; dma-coherent; };
  gpu@2000 { compatible = "test,gpu"; reg = <0x2000 0x100>; iommus = <&iommu 0x20>; };
  eth@3000 { compatible = "test,eth"; reg = <0x3000 0x100>; };
`;

interface World {
  readonly k: Kernel;
  readonly vfio: VfioCore;
  readonly proc: VfioProcess;
  dev(name: string): Device;
}

/** Boots the DT machine: the mock IOMMU driver, kernel drivers for every endpoint, vfio-pci. */
function boot(o: { profile: string; mock?: MockIommuOptions; vfio?: Partial<VfioConfig>; sysRawio?: boolean }): World {
  const tree = new OfTree(parseDts(`/dts-v1/;\n/ {\n#address-cells = <1>;\n#size-cells = <1>;\n${DTS}\n};\n`, { file: 't.dts', preprocess: false }));
  const bus = new DmaSimpleBus('platform');
  let kernel: Kernel | null = null;
  const k = (): Kernel => kernel!;
  const drivers = (): DriverSpec[] => [
    {
      name: 'iommufd-mock-platform', bus, matchTable: ['kdsim,iommu-mock'],
      probe: (dev) => new MockIommu(k(), { ...o.mock, fwnode: dev.fwnode! }).register(dev),
    },
    ...['nic', 'gpu', 'eth'].map((n) => ({ name: n, bus, matchTable: [`test,${n}`] })),
    vfioPciDriver(bus, k),
  ];
  const platform = new KernelModule('platform', {
    initcalls: [
      { level: 'core', name: 'platform_bus_init', fn: (kk) => { bus.kernel = kk; return kk.busRegister(bus); } },
      {
        level: 'arch', name: 'of_platform_default_populate_init', fn: (kk) => {
          for (const p of ['/iommu@5000000', '/nic@1000', '/gpu@2000', '/eth@3000']) kk.deviceRegister({ name: p.slice(1), bus, fwnode: tree.findNodeByPath(p)! });
        },
      },
      { level: 'device', name: 'drivers', fn: (kk) => { for (const d of drivers()) kk.driverRegister(d); } },
    ],
  });
  const fw = new MachineFirmware({ of: tree });
  kernel = new Kernel({
    profile: o.profile,
    cmdline: 'fw_devlink=off',
    builtin: [iommuCoreModule(), vfioModule(o.vfio), platform],
    configure: (c) => c.bind(MachineFirmware).toConstantValue(fw),
  });
  kernel.boot();
  const vfio = kernel.container.get(VfioCore);
  return { k: kernel, vfio, proc: new VfioProcess(vfio, { sysRawio: o.sysRawio ?? true }), dev: (n) => kernel.device(n)! };
}

describe('the cache-coherency gate (e8ae0e140c05, v5.19)', () => {
  // An IOMMU driver without a capable() op answers false for every cap — virtio-iommu before
  // "iommu/virtio: Fix interaction with VFIO" (v6.0, backported to 5.19.9).
  const noCapableOp = { caps: [] };

  it('v5.18: vfio-pci binds behind an IOMMU that reports no capabilities', () => {
    const w = boot({ profile: 'linux-5.18', mock: noCapableOp });
    expect(vfioPciTakeOver(w.k, w.dev('nic@1000'))).toBe(0);
    expect(w.dev('nic@1000').driver?.name).toBe('vfio-pci');
    expect(w.vfio.group('0')?.devices.map((d) => d.name)).toEqual(['nic@1000']);
  });

  it('v5.19: the same bind fails in vfio-pci probe with -EINVAL, logged by the driver core', () => {
    const w = boot({ profile: 'linux-5.19', mock: noCapableOp });
    const nic = w.dev('nic@1000');
    expect(vfioPciTakeOver(w.k, nic)).toBe(-Errno.EINVAL);
    expect(nic.driver).toBeNull();
    expect(w.k.dmesg()).toContain('vfio-pci: probe of nic@1000 failed with error -22');
    expect(w.vfio.devices).toEqual([]);
    // the device stays in its IOMMU group, unowned, with no VFIO group
    expect(w.vfio.groups()).toEqual([]);
  });

  it('v6.0 with an IOMMU reporting CACHE_COHERENCY (the fix): vfio-pci binds again', () => {
    const w = boot({ profile: 'linux-6.0', mock: { caps: [IommuCap.CACHE_COHERENCY] } });
    expect(vfioPciTakeOver(w.k, w.dev('nic@1000'))).toBe(0);
  });

  it('v6.12: a non-coherent device (no dma-coherent) behind a coherent IOMMU is accepted', () => {
    const w = boot({ profile: 'linux-6.12', mock: { caps: [IommuCap.CACHE_COHERENCY] } });
    const gpu = w.dev('gpu@2000');
    expect(gpu.dmaCoherent).toBe(false);
    expect(vfioPciTakeOver(w.k, gpu)).toBe(0);
    expect(w.k.dmesg()).toContain('gpu gpu@2000: Adding to iommu group');
  });

  it('v6.12: a device VFIO accepted binds to an iommufd through its cdev', () => {
    const w = boot({ profile: 'linux-6.12', mock: { caps: [IommuCap.CACHE_COHERENCY] } });
    expect(vfioPciTakeOver(w.k, w.dev('nic@1000'))).toBe(0);
    const fd = w.proc.open('/dev/vfio/devices/vfio0').out.fd;
    const iommufd = w.proc.open('/dev/iommu').out.fd;
    expect(w.proc.bindIommufd(fd, { iommufd }).errno).toBe(0);
  });
});

describe('devices without an IOMMU', () => {
  it('vfio-pci refuses a device with no IOMMU group (-EINVAL)', () => {
    const w = boot({ profile: 'linux-6.12' });
    expect(vfioPciTakeOver(w.k, w.dev('eth@3000'))).toBe(-Errno.EINVAL);
    expect(w.k.dmesg()).toContain('eth@3000: probe with driver vfio-pci failed with error -22');
  });

  it('no-IOMMU mode: a fake group, a taint warning, CAP_SYS_RAWIO to open, only the noiommu backend', () => {
    const w = boot({ profile: 'linux-6.12', vfio: { noiommu: true } });
    expect(vfioPciTakeOver(w.k, w.dev('eth@3000'))).toBe(0);
    expect(w.k.dmesg()).toContain('vfio-pci eth@3000: Adding kernel taint for vfio-noiommu group on device');
    expect(w.vfio.tainted).toBe(true);
    const g = w.vfio.device('eth@3000')!.group;
    expect(g.devName).toMatch(/^noiommu-\d+$/);
    expect(w.vfio.device('eth@3000')!.cdevName).toBeNull();
    const unpriv = new VfioProcess(w.vfio, { sysRawio: false });
    expect(unpriv.open(`/dev/vfio/${g.devName}`).errno).toBe(-Errno.EPERM);
    const gfd = w.proc.open(`/dev/vfio/${g.devName}`).out.fd;
    const cfd = w.proc.open('/dev/vfio/vfio').out.fd;
    expect(w.proc.checkExtension(cfd, VFIO_EXT.NOIOMMU_IOMMU).out.ret).toBe(1);
    expect(w.proc.groupSetContainer(gfd, cfd).errno).toBe(0);
    expect(w.proc.setIommu(cfd, VFIO_EXT.TYPE1v2_IOMMU).errno).toBe(-Errno.ENODEV);
    expect(w.proc.setIommu(cfd, VFIO_EXT.NOIOMMU_IOMMU).errno).toBe(0);
    expect(w.proc.groupGetDeviceFd(gfd, 'eth@3000').errno).toBe(0);
  });
});

describe('the legacy group/container path', () => {
  it('GET_STATUS, SET_CONTAINER, SET_IOMMU(type1v2), GET_DEVICE_FD in the kernel order', () => {
    const w = boot({ profile: 'linux-6.12' });
    expect(vfioPciTakeOver(w.k, w.dev('nic@1000'))).toBe(0);
    const gfd = w.proc.open('/dev/vfio/0').out.fd;
    expect(w.proc.open('/dev/vfio/0').errno).toBe(-Errno.EBUSY);
    expect(w.proc.groupGetStatus(gfd).out.flags).toBe(VFIO_GROUP_FLAGS.VIABLE);
    expect(w.proc.groupGetDeviceFd(gfd, 'nic@1000').errno).toBe(-Errno.EINVAL);
    const cfd = w.proc.open('/dev/vfio/vfio').out.fd;
    expect(w.proc.setIommu(cfd, VFIO_EXT.TYPE1v2_IOMMU).errno).toBe(-Errno.EINVAL); // no groups yet
    expect(w.proc.groupSetContainer(gfd, 99).errno).toBe(-Errno.EBADF);
    expect(w.proc.groupSetContainer(gfd, gfd).errno).toBe(-Errno.EBADFD);
    expect(w.proc.groupSetContainer(gfd, cfd).errno).toBe(0);
    expect(w.proc.groupSetContainer(gfd, cfd).errno).toBe(-Errno.EINVAL);
    expect(w.proc.groupGetStatus(gfd).out.flags).toBe(VFIO_GROUP_FLAGS.VIABLE | VFIO_GROUP_FLAGS.CONTAINER_SET);
    expect(w.proc.groupGetDeviceFd(gfd, 'nic@1000').errno).toBe(-Errno.EINVAL); // no backend yet
    expect(w.proc.setIommu(cfd, VFIO_EXT.TYPE1v2_IOMMU).errno).toBe(0);
    expect(w.proc.setIommu(cfd, VFIO_EXT.TYPE1v2_IOMMU).errno).toBe(-Errno.EINVAL);
    expect(w.proc.groupGetDeviceFd(gfd, 'nope').errno).toBe(-Errno.ENODEV);
    expect(w.proc.groupGetDeviceFd(gfd, 'nic@1000').errno).toBe(0);
    expect(w.proc.groupUnsetContainer(gfd).errno).toBe(-Errno.EBUSY);
    // the group is on a type1 domain, not its default one
    const group = w.vfio.iommu.groupOf(w.dev('nic@1000'))!;
    expect(group.domain).not.toBe(group.defaultDomain);
    expect(group.domain).not.toBe(group.blockingDomain);
  });

  it('a group shared with a device bound to a kernel driver is not viable: SET_CONTAINER is -EPERM until it unbinds', () => {
    const w = boot({ profile: 'linux-6.12', mock: { singleGroup: true } });
    expect(w.dev('gpu@2000').driver?.name).toBe('gpu');
    expect(vfioPciTakeOver(w.k, w.dev('nic@1000'))).toBe(0);
    const gfd = w.proc.open('/dev/vfio/0').out.fd;
    const cfd = w.proc.open('/dev/vfio/vfio').out.fd;
    expect(w.proc.groupGetStatus(gfd).out.flags).toBe(0);
    expect(w.proc.groupSetContainer(gfd, cfd).errno).toBe(-Errno.EPERM);
    w.k.deviceReleaseDriver(w.dev('gpu@2000'));
    expect(w.proc.groupGetStatus(gfd).out.flags).toBe(VFIO_GROUP_FLAGS.VIABLE);
    expect(w.proc.groupSetContainer(gfd, cfd).errno).toBe(0);
    // and a kernel driver cannot bind into the owned group (-EBUSY from iommu_device_use_default_domain)
    expect(w.k.deviceDriverAttach(w.k.findDriver(w.dev('gpu@2000').bus!, 'gpu')!, w.dev('gpu@2000'))).toBe(-Errno.EBUSY);
  });

  it('VFIO_TYPE1_NESTING_IOMMU: offered until v6.12 (the domain must support nesting), gone after (-ENODEV)', () => {
    for (const [profile, ext, set] of [['linux-6.12', 1, -Errno.EINVAL], ['linux-6.18', 0, -Errno.ENODEV]] as const) {
      const w = boot({ profile });
      vfioPciTakeOver(w.k, w.dev('nic@1000'));
      const gfd = w.proc.open('/dev/vfio/0').out.fd;
      const cfd = w.proc.open('/dev/vfio/vfio').out.fd;
      w.proc.groupSetContainer(gfd, cfd);
      expect(w.proc.checkExtension(cfd, VFIO_EXT.TYPE1_NESTING_IOMMU).out.ret).toBe(ext);
      expect(w.proc.setIommu(cfd, VFIO_EXT.TYPE1_NESTING_IOMMU).errno).toBe(set);
      // iommufd as the container never offers it
      const ifd = w.proc.open('/dev/iommu').out.fd;
      expect(w.proc.checkExtension(ifd, VFIO_EXT.TYPE1_NESTING_IOMMU).out.ret).toBe(0);
      expect(w.proc.setIommu(ifd, VFIO_EXT.TYPE1_NESTING_IOMMU).errno).toBe(-Errno.EINVAL);
    }
  });
});

describe('the device cdev path (VFIO_DEVICE_BIND_IOMMUFD, VFIO_DEVICE_ATTACH_IOMMUFD_PT)', () => {
  it('binds, attaches to an IOAS through an auto domain, and enforces the argument rules', () => {
    const w = boot({ profile: 'linux-6.12' });
    expect(vfioPciTakeOver(w.k, w.dev('nic@1000'))).toBe(0);
    const dfd = w.proc.open('/dev/vfio/devices/vfio0').out.fd;
    const ifd = w.proc.open('/dev/iommu').out.fd;
    const cfd = w.proc.open('/dev/vfio/vfio').out.fd;
    expect(w.proc.attachIommufdPt(dfd, { ptId: 1 }).errno).toBe(-Errno.EINVAL); // not bound
    expect(w.proc.bindIommufd(dfd, { iommufd: ifd, argsz: 8 }).errno).toBe(-Errno.EINVAL);
    expect(w.proc.bindIommufd(dfd, { iommufd: -1 }).errno).toBe(-Errno.EINVAL);
    expect(w.proc.bindIommufd(dfd, { iommufd: ifd, flags: 2 }).errno).toBe(-Errno.EINVAL);
    expect(w.proc.bindIommufd(dfd, { iommufd: 77 }).errno).toBe(-Errno.EBADF);
    expect(w.proc.bindIommufd(dfd, { iommufd: cfd }).errno).toBe(-Errno.EBADFD);
    const b = w.proc.bindIommufd(dfd, { iommufd: ifd });
    expect(b.errno).toBe(0);
    expect(w.proc.bindIommufd(dfd, { iommufd: ifd }).errno).toBe(-Errno.EINVAL);
    // the group file is now busy
    expect(w.proc.open('/dev/vfio/0').errno).toBe(-Errno.EBUSY);
    const ctx = w.proc.iommufd(ifd);
    if (typeof ctx === 'number') throw new Error(String(ctx));
    const ioasId = ctx.ioasAlloc().out.ioasId;
    expect(w.proc.attachIommufdPt(dfd, { ptId: ioasId, flags: 4 }).errno).toBe(-Errno.EINVAL);
    const a = w.proc.attachIommufdPt(dfd, { ptId: ioasId });
    expect(a.errno).toBe(0);
    expect(ctx.get(a.out.ptId)).toMatchObject({ type: 'HWPT_PAGING', autoDomain: true });
    expect(w.proc.attachIommufdPt(dfd, { ptId: 1, flags: 1, pasid: 5 }).errno).toBe(-Errno.EOPNOTSUPP); // no PASIDs
    expect(w.proc.detachIommufdPt(dfd).errno).toBe(0);
    expect(ctx.get(a.out.ptId)).toBe(-Errno.ENOENT); // the auto domain went with its last device
    expect(w.proc.close(dfd)).toBe(0);
    expect(ctx.destroy({ id: b.out.devid }).errno).toBe(-Errno.ENOENT);
  });

  it('is v6.6+: earlier kernels have no /dev/vfio/devices', () => {
    const w = boot({ profile: 'linux-6.1' });
    expect(vfioPciTakeOver(w.k, w.dev('nic@1000'))).toBe(0);
    expect(w.proc.open('/dev/vfio/devices/vfio0').errno).toBe(-Errno.ENOENT);
  });
});

describe('the same story as userspace steps', () => {
  it('driver_override, unbind, bind: the bind write fails with EINVAL on v5.19 and succeeds on v5.18', () => {
    for (const [profile, expected] of [['linux-5.18', 0], ['linux-5.19', -Errno.EINVAL]] as const) {
      const w = boot({ profile, mock: { caps: [] } });
      const steps = new VfioSteps({ k: w.k, proc: w.proc });
      expect(steps.run('sysfs.driver_override', { device: 'nic@1000', driver: 'vfio-pci' }).errno).toBe(0);
      expect(steps.run('sysfs.unbind', { device: 'nic@1000' }).errno).toBe(0);
      expect(steps.run('sysfs.unbind', { device: 'nic@1000' }).errno).toBe(-Errno.ENODEV);
      const bind = steps.run('sysfs.bind', { device: 'nic@1000', driver: 'vfio-pci' }, { expect: expected });
      expect(bind.ok).toBe(true);
    }
  });
});
