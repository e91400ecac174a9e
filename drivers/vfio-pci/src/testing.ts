// Test support (not exported from the package): the DT machines of the
// seed stories, with the real virtio-iommu and arm-smmu-v3 drivers.
import { Kernel, KernelModule, type Device } from '@kdsim/core';
import { ofPlatformModule, platformBusModule, platformBusOf, platformDriver } from '@kdsim/bus-platform';
import { VirtioHardware, virtioBusModule, virtioBusOf, virtioMmioModule } from '@kdsim/bus-virtio';
import { ArmSmmuV3Driver, QEMU_SMMUV3, type SmmuV3Hw } from '@kdsim/driver-arm-smmu-v3';
import { QEMU_VIOMMU_FEATURES, VirtioIommuDeviceModel, VirtioIommuDriver } from '@kdsim/driver-virtio-iommu';
import { MachineFirmware, OfTree, parseDts } from '@kdsim/firmware';
import { DmaSimpleBus, iommuCoreModule } from '@kdsim/iommu';
import { VfioCore, VfioProcess, vfioModule, type IommufdCtx } from '@kdsim/vfio';
import { vfioPciDriver, vfioPciTakeOver } from './vfio-pci.js';

const VIOMMU_DTS = `/dts-v1/;
/ {
  #address-cells = <1>;
  #size-cells = <1>;
  viommu: virtio_mmio@a000000 { compatible = "virtio,mmio"; reg = <0xa000000 0x200>; #iommu-cells = <1>; };
  nic@9000000 { compatible = "test,nic"; reg = <0x9000000 0x1000>; iommus = <&viommu 0x8>; dma-coherent; };
};
`;

/** A DT machine whose endpoint `*.nic` sits behind a virtio-iommu on virtio-mmio; vfio-pci and a `nic` driver registered. */
export function bootVirtioIommu(profile: string): { k: Kernel; proc: VfioProcess } {
  const tree = new OfTree(parseDts(VIOMMU_DTS, { file: 'viommu.dts', preprocess: false }));
  const hw = new VirtioHardware({ mmio: [{ base: 0xa000000, deviceId: 23, features: QEMU_VIOMMU_FEATURES, config: { viommu: new VirtioIommuDeviceModel() } }] });
  const drivers = new KernelModule('drivers', {
    initcalls: [{
      level: 'device', name: 'drivers', fn: (k) => {
        const pbus = platformBusOf(k);
        k.driverRegister(new VirtioIommuDriver(k).virtioDriver(virtioBusOf(k)));
        k.driverRegister(platformDriver(pbus, { name: 'nic', ofMatchTable: [{ compatible: 'test,nic' }] }));
        return k.driverRegister(vfioPciDriver(pbus, () => k));
      },
    }],
  });
  const k = new Kernel({
    profile,
    cmdline: 'fw_devlink=off',
    builtin: [virtioBusModule, platformBusModule, ofPlatformModule(), iommuCoreModule(), vfioModule(), virtioMmioModule, drivers],
    configure: (c) => {
      c.bind(MachineFirmware).toConstantValue(new MachineFirmware({ of: tree }));
      c.bind(VirtioHardware).toConstantValue(hw);
    },
  }).boot();
  return { k, proc: new VfioProcess(k.container.get(VfioCore)) };
}

const SMMU_DTS = `/dts-v1/;
/ {
  #address-cells = <2>; #size-cells = <2>;
  smmu: smmuv3@9050000 { compatible = "arm,smmu-v3"; reg = <0x00 0x9050000 0x00 0x20000>; #iommu-cells = <1>; dma-coherent; };
  eth@a000000 { compatible = "test,eth"; reg = <0x00 0xa000000 0x00 0x200>; iommus = <&smmu 0x10>; };
};`;

/** An SMMUv3 with both stages (FEAT_NESTING). */
export const NESTING: SmmuV3Hw = { ...QEMU_SMMUV3, s2p: true };
/** The same with S2FWB. */
export const NESTING_FWB: SmmuV3Hw = { ...NESTING, fwb: true };

/** A device handed to vfio-pci and bound to an iommufd through its cdev. */
export interface Bound {
  readonly k: Kernel;
  readonly proc: VfioProcess;
  readonly ctx: IommufdCtx;
  readonly devId: number;
  readonly ioasId: number;
  readonly dfd: number;
  readonly dev: Device;
}

/** A DT machine with an SMMUv3 described by `hw`; `eth@a000000` is taken over by vfio-pci and bound to an iommufd. */
export function bootSmmuV3(profile: string, hw: SmmuV3Hw): Bound {
  const k = bootSmmuV3Machine(profile, hw);
  return bindCdev(k, k.device('eth@a000000')!);
}

/** The booted DT machine of {@link bootSmmuV3}, before vfio-pci takes anything over. */
export function bootSmmuV3Machine(profile: string, hw: SmmuV3Hw): Kernel {
  const tree = new OfTree(parseDts(SMMU_DTS, { file: 'smmu.dts', preprocess: false }));
  const bus = new DmaSimpleBus('platform');
  const machine = new KernelModule('machine', {
    initcalls: [
      { level: 'core', name: 'platform_bus_init', fn: (k) => { bus.kernel = k; return k.busRegister(bus); } },
      { level: 'arch', name: 'populate', fn: (k) => { for (const n of tree.root.children) k.deviceRegister({ name: n.name, bus, fwnode: n }); } },
      {
        level: 'device', name: 'drivers', fn: (k) => {
          k.driverRegister({ name: 'eth', bus, matchTable: ['test,eth'] });
          k.driverRegister(new ArmSmmuV3Driver(k, () => hw).platformDriver(bus));
          return k.driverRegister(vfioPciDriver(bus, () => k));
        },
      },
    ],
  });
  const k = new Kernel({
    profile, cmdline: 'fw_devlink=off', builtin: [iommuCoreModule(), vfioModule(), machine],
    configure: (c) => c.bind(MachineFirmware).toConstantValue(new MachineFirmware({ of: tree })),
  });
  k.boot();
  return k;
}

/** Hands `dev` to vfio-pci, opens its cdev, binds it to a new iommufd and allocates an IOAS. */
export function bindCdev(k: Kernel, dev: Device): Bound {
  const proc = new VfioProcess(k.container.get(VfioCore));
  const r = vfioPciTakeOver(k, dev);
  if (r !== 0) throw new Error(`vfio-pci bind: ${r}`);
  const vdev = k.container.get(VfioCore).device(dev)!;
  const dfd = proc.open(`/dev/vfio/devices/${vdev.cdevName}`).out.fd;
  const ifd = proc.open('/dev/iommu').out.fd;
  const b = proc.bindIommufd(dfd, { iommufd: ifd });
  if (b.errno !== 0) throw new Error(`bind: ${b.errno}`);
  const ctx = proc.iommufd(ifd) as IommufdCtx;
  return { k, proc, ctx, devId: b.out.devid, dfd, ioasId: ctx.ioasAlloc().out.ioasId, dev };
}

