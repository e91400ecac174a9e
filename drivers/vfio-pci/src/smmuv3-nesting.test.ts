// Seed story: user space asks an SMMUv3 for a nest-parent HWPT and a vIOMMU,
// with and without S2FWB (spec §5.12); CANWBS needs an IORT root complex, so
// on this DT machine every master is non-CANWBS.
import { Errno, Kernel, KernelModule } from '@kdsim/core';
import { ArmSmmuV3Driver, QEMU_SMMUV3, type SmmuV3Hw } from '@kdsim/driver-arm-smmu-v3';
import { MachineFirmware, OfTree, parseDts } from '@kdsim/firmware';
import { DmaSimpleBus, IOMMU_HWPT_ALLOC, IommuHwInfoType, iommuCoreModule } from '@kdsim/iommu';
import { IommuViommuType, VfioCore, VfioProcess, vfioModule, type IommufdCtx } from '@kdsim/vfio';
import { describe, expect, it } from 'vitest';
import { vfioPciDriver, vfioPciTakeOver } from './vfio-pci.js';

const DTS = `/dts-v1/;
/ {
  #address-cells = <2>; #size-cells = <2>;
  smmu: smmuv3@9050000 { compatible = "arm,smmu-v3"; reg = <0x00 0x9050000 0x00 0x20000>; #iommu-cells = <1>; dma-coherent; };
  eth@a000000 { compatible = "test,eth"; reg = <0x00 0xa000000 0x00 0x200>; iommus = <&smmu 0x10>; };
};`;

const NESTING: SmmuV3Hw = { ...QEMU_SMMUV3, s2p: true };
const NESTING_FWB: SmmuV3Hw = { ...NESTING, fwb: true };

interface Bound {
  readonly k: Kernel;
  readonly proc: VfioProcess;
  readonly ctx: IommufdCtx;
  readonly devId: number;
  readonly ioasId: number;
  readonly dfd: number;
}

function boot(profile: string, hw: SmmuV3Hw): Bound {
  const tree = new OfTree(parseDts(DTS, { file: 'smmu.dts', preprocess: false }));
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
  const proc = new VfioProcess(k.container.get(VfioCore));
  expect(vfioPciTakeOver(k, k.device('eth@a000000')!)).toBe(0);
  const dfd = proc.open('/dev/vfio/devices/vfio0').out.fd;
  const ifd = proc.open('/dev/iommu').out.fd;
  const devId = proc.bindIommufd(dfd, { iommufd: ifd }).out.devid;
  const ctx = proc.iommufd(ifd) as IommufdCtx;
  return { k, proc, ctx, devId, dfd, ioasId: ctx.ioasAlloc().out.ioasId };
}

const nestParent = (b: Bound) => b.ctx.hwptAlloc({ flags: IOMMU_HWPT_ALLOC.NEST_PARENT, devId: b.devId, ptId: b.ioasId });

describe('SMMUv3 nesting through iommufd', () => {
  it('v6.12: NEST_PARENT is -EOPNOTSUPP even on a two-stage SMMU, and there is no hw_info', () => {
    const b = boot('linux-6.12', NESTING_FWB);
    expect(nestParent(b).errno).toBe(-Errno.EOPNOTSUPP);
    expect(b.ctx.getHwInfo({ devId: b.devId, dataLen: 64 }).out.dataType).toBe(IommuHwInfoType.NONE);
  });

  it('v6.18, QEMU 7.2 SMMU (stage 1 only): NEST_PARENT is -EOPNOTSUPP (no FEAT_NESTING)', () => {
    expect(nestParent(boot('linux-6.18', QEMU_SMMUV3)).errno).toBe(-Errno.EOPNOTSUPP);
  });

  it('v6.18, two stages without S2FWB (and no CANWBS): the nest parent exists but the vIOMMU is refused (-EOPNOTSUPP)', () => {
    const b = boot('linux-6.18', NESTING);
    const p = nestParent(b);
    expect(p.errno).toBe(0);
    expect(b.ctx.viommuAlloc({ type: IommuViommuType.ARM_SMMUV3, devId: b.devId, hwptId: p.out.hwptId }).errno).toBe(-Errno.EOPNOTSUPP);
  });

  it('v6.18, two stages with S2FWB: vIOMMU and vDEVICE; GET_HW_INFO gives the SMMUv3 registers; the parent is pinned', () => {
    const b = boot('linux-6.18', NESTING_FWB);
    const p = nestParent(b);
    expect(p.errno).toBe(0);
    const hw = b.ctx.getHwInfo({ devId: b.devId, dataLen: 64 });
    expect(hw.out).toMatchObject({ dataType: IommuHwInfoType.ARM_SMMUV3, dataLen: 40 });
    const v = b.ctx.viommuAlloc({ type: IommuViommuType.ARM_SMMUV3, devId: b.devId, hwptId: p.out.hwptId });
    expect(v.errno).toBe(0);
    expect(b.ctx.vdeviceAlloc({ viommuId: v.out.viommuId, devId: b.devId, virtId: 0x10n }).errno).toBe(0);
    expect(b.ctx.destroy({ id: p.out.hwptId }).errno).toBe(-Errno.EBUSY);
    // no CANWBS: the device cannot have No-Snoop blocked, so KVM keeps wbinvd
    expect(b.proc.enforcedCoherent(b.dfd)).toBe(false);
  });
});
