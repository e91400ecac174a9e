// Seed story: VFIO behind the real virtio-iommu driver on a DT machine with a
// virtio-mmio transport, across the 2022 regression (spec §2.6, §4.3).
import { Errno, Kernel, KernelModule } from '@kdsim/core';
import { ofPlatformModule, platformBusModule, platformBusOf, platformDriver } from '@kdsim/bus-platform';
import { VirtioHardware, virtioBusModule, virtioBusOf, virtioMmioModule } from '@kdsim/bus-virtio';
import { QEMU_VIOMMU_FEATURES, VirtioIommuDeviceModel, VirtioIommuDriver } from '@kdsim/driver-virtio-iommu';
import { MachineFirmware, OfTree, parseDts } from '@kdsim/firmware';
import { iommuCoreModule } from '@kdsim/iommu';
import { VfioCore, VfioProcess, vfioModule } from '@kdsim/vfio';
import { describe, expect, it } from 'vitest';
import { vfioPciDriver, vfioPciTakeOver } from './vfio-pci.js';

const DTS = `/dts-v1/;
/ {
  #address-cells = <1>;
  #size-cells = <1>;
  viommu: virtio_mmio@a000000 { compatible = "virtio,mmio"; reg = <0xa000000 0x200>; #iommu-cells = <1>; };
  nic@9000000 { compatible = "test,nic"; reg = <0x9000000 0x1000>; iommus = <&viommu 0x8>; dma-coherent; };
};
`;

function boot(profile: string): { k: Kernel; proc: VfioProcess } {
  const tree = new OfTree(parseDts(DTS, { file: 'viommu.dts', preprocess: false }));
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

describe('virtio-iommu + VFIO across "iommu/virtio: Fix interaction with VFIO"', () => {
  const nic = (k: Kernel) => k.devices.find((d) => d.name.endsWith('.nic'))!;

  it('the endpoint sits behind the virtio-iommu in every profile', () => {
    for (const p of ['linux-5.18', 'linux-5.19', 'linux-6.0']) {
      const { k } = boot(p);
      expect(nic(k).driver?.name).toBe('nic');
      expect(k.dmesg()).toMatch(/nic: Adding to iommu group 0/);
    }
  });

  it('v5.18: vfio-pci binds (VFIO did not check coherency yet)', () => {
    const { k } = boot('linux-5.18');
    expect(vfioPciTakeOver(k, nic(k))).toBe(0);
  });

  it('v5.19: broken — vfio-pci probe fails with -EINVAL because viommu has no capable() op', () => {
    const { k } = boot('linux-5.19');
    expect(k.container.get(VfioCore).iommu.groupOf(nic(k))).not.toBeNull();
    expect(vfioPciTakeOver(k, nic(k))).toBe(-Errno.EINVAL);
    expect(k.dmesg()).toContain(`vfio-pci: probe of ${nic(k).name} failed with error -22`);
  });

  it('v6.0: fixed — viommu_capable() reports CACHE_COHERENCY and the group works through type1', () => {
    const { k, proc } = boot('linux-6.0');
    expect(vfioPciTakeOver(k, nic(k))).toBe(0);
    const gfd = proc.open('/dev/vfio/0').out.fd;
    const cfd = proc.open('/dev/vfio/vfio').out.fd;
    expect(proc.groupSetContainer(gfd, cfd).errno).toBe(0);
    expect(proc.setIommu(cfd, 3).errno).toBe(0);
    // virtio-iommu cannot block No-Snoop: the container does not enforce coherency, KVM keeps wbinvd
    expect(proc.checkExtension(cfd, 4).out.ret).toBe(0);
    expect(proc.enforcedCoherent(gfd)).toBe(false);
  });

  it('v6.12: iommufd refuses HWPT flags on virtio-iommu (-EOPNOTSUPP) and reports no driver data', () => {
    const { k, proc } = boot('linux-6.12');
    expect(vfioPciTakeOver(k, nic(k))).toBe(0);
    const dfd = proc.open('/dev/vfio/devices/vfio0').out.fd;
    const ifd = proc.open('/dev/iommu').out.fd;
    const devid = proc.bindIommufd(dfd, { iommufd: ifd }).out.devid;
    const ctx = proc.iommufd(ifd);
    if (typeof ctx === 'number') throw new Error(String(ctx));
    const ioasId = ctx.ioasAlloc().out.ioasId;
    expect(ctx.hwptAlloc({ flags: 1, devId: devid, ptId: ioasId }).errno).toBe(-Errno.EOPNOTSUPP);
    expect(ctx.getHwInfo({ devId: devid, dataLen: 64 }).out).toMatchObject({ dataType: 0, dataLen: 0 });
    expect(proc.attachIommufdPt(dfd, { ptId: ioasId }).errno).toBe(0);
    // the SW_MSI window the driver reports is reserved in the IOAS
    const ranges = ctx.ioasIovaRanges({ ioasId, numIovas: 4 }).out.ranges;
    expect(ranges.some((r) => r.last === 0x8000000n - 1n)).toBe(true);
  });
});
