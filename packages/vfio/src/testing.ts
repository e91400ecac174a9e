// Test support (not exported from the package): a booted kernel with the
// IOMMU core, VFIO and the mock IOMMU, and the selftest's helper shapes
// (iommufd_utils.h: test_cmd_mock_domain() and friends).
import { Kernel, KernelModule, type Device, type DriverSpec } from '@kdsim/core';
import { MachineFirmware, OfTree, parseDts } from '@kdsim/firmware';
import { DmaSimpleBus as DmaBus, IommuCore, iommuCoreModule, type IommuCap } from '@kdsim/iommu';
import type { IommufdCtx } from './iommufd/ctx.js';
import type { IommufdDevice } from './iommufd/objects.js';
import { MockIommu, type MockDeviceOptions, type MockIommuOptions } from './mock/mock-iommu.js';
import { vfioModule } from './module.js';
import type { VfioConfig } from './vfio/config.js';
import { VfioCore } from './vfio/core.js';
import { VfioProcess } from './vfio/process.js';

/** A booted kernel with VFIO and a registered mock IOMMU. */
export interface MockWorld {
  readonly k: Kernel;
  readonly vfio: VfioCore;
  readonly mock: MockIommu;
  readonly proc: VfioProcess;
}

/** Boots a kernel of `profile` with the IOMMU core, VFIO and the mock. */
export function mockWorld(o: { profile?: string; vfio?: Partial<VfioConfig>; caps?: readonly IommuCap[]; mock?: MockIommuOptions } = {}): MockWorld {
  const k = new Kernel({ profile: o.profile ?? 'linux-6.12', builtin: [iommuCoreModule(), vfioModule(o.vfio)] });
  k.boot();
  const mock = new MockIommu(k, { ...o.mock, ...(o.caps !== undefined ? { caps: o.caps } : {}) });
  const r = mock.register();
  if (r !== 0) throw new Error(`mock register: ${r}`);
  const vfio = k.container.get(VfioCore);
  return { k, vfio, mock, proc: new VfioProcess(vfio) };
}

/** An open iommufd of the world (throws if iommufd does not exist). */
export function openCtx(w: MockWorld): IommufdCtx {
  const ctx = w.vfio.openIommufd(w.proc.mm);
  if (typeof ctx === 'number') throw new Error(`no iommufd: ${ctx}`);
  return ctx;
}

/** What test_cmd_mock_domain() hands back. */
export interface MockDomainResult {
  readonly errno: number;
  readonly dev: Device | null;
  readonly idev: IommufdDevice | null;
  readonly hwptId: number;
}

/** iommufd_utils.h: test_cmd_mock_domain() — a new mock device, bound and attached to `ptId`. */
export function mockDomain(w: MockWorld, ctx: IommufdCtx, ptId: number, options: MockDeviceOptions = {}): MockDomainResult {
  const dev = w.mock.addDevice(options);
  if (typeof dev === 'number') return { errno: dev, dev: null, idev: null, hwptId: 0 };
  const idev = ctx.bindDevice(dev);
  if (typeof idev === 'number') return { errno: idev, dev, idev: null, hwptId: 0 };
  const a = ctx.attachDevice(idev, ptId);
  return { errno: a.errno, dev, idev, hwptId: a.out.ptId };
}

/** A DT machine with a platform bus, the IOMMU core and VFIO; `drivers` register at device_initcall. */
export function dtWorld(o: {
  dts: string;
  devices: readonly string[];
  drivers: (bus: DmaBus, k: () => Kernel) => readonly DriverSpec[];
  profile?: string;
  vfio?: Partial<VfioConfig>;
}): { k: Kernel; bus: DmaBus } {
  const tree = new OfTree(parseDts(`/dts-v1/;\n/ {\n#address-cells = <1>;\n#size-cells = <1>;\n${o.dts}\n};\n`, { file: 't.dts', preprocess: false }));
  const bus = new DmaBus('platform');
  let kernel: Kernel | null = null;
  const platform = new KernelModule('platform', {
    initcalls: [
      { level: 'core', name: 'platform_bus_init', fn: (kk) => { bus.kernel = kk; return kk.busRegister(bus); } },
      {
        level: 'arch', name: 'of_platform_default_populate_init', fn: (kk) => {
          for (const path of o.devices) kk.deviceRegister({ name: path.slice(1), bus, fwnode: tree.findNodeByPath(path)! });
        },
      },
      { level: 'device', name: 'drivers', fn: (kk) => { for (const d of o.drivers(bus, () => kernel!)) kk.driverRegister(d); } },
    ],
  });
  const fw = new MachineFirmware({ of: tree });
  kernel = new Kernel({
    profile: o.profile ?? 'linux-6.12',
    cmdline: 'fw_devlink=off',
    builtin: [iommuCoreModule(), vfioModule(o.vfio), platform],
    configure: (c) => c.bind(MachineFirmware).toConstantValue(fw),
  });
  kernel.boot();
  return { k: kernel, bus };
}

/** A platform driver that registers a mock IOMMU (answering `caps`) on its node when it probes. */
export function mockIommuDriver(bus: DmaBus, k: () => Kernel, caps?: readonly IommuCap[]): DriverSpec {
  return {
    name: 'iommufd-mock-platform',
    bus,
    matchTable: ['kdsim,iommu-mock'],
    probe: (dev) => new MockIommu(k(), { fwnode: dev.fwnode!, ...(caps !== undefined ? { caps } : {}) }).register(dev),
  };
}

/** The IOMMU core of `k`. */
export function coreOf(k: Kernel): IommuCore {
  return k.container.get(IommuCore);
}
