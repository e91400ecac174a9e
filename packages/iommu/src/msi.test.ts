import type { Kernel } from '@kdsim/core';
import { describe, expect, it } from 'vitest';
import { msiDeviceHasIsolatedMsi } from './msi.js';
import { dtMachine, dtTree } from './testing.js';

// QEMU virt's two MSI controllers: the GICv3 ITS (msi-map on the PCIe host, gic-version=3) and
// the GICv2m frame (msi-parent, the default gic-version=2).
const CONTROLLERS = `
  its: msi-controller@8080000 { compatible = "arm,gic-v3-its"; msi-controller; #msi-cells = <1>; reg = <0x8080000 0x20000>; };
  v2m: v2m@8020000 { compatible = "arm,gic-v2m-frame"; msi-controller; reg = <0x8020000 0x1000>; };
`;
const DEVICES = `
  behind-its@1000 { compatible = "test,dev"; reg = <0x1000 0x100>; msi-parent = <&its>; };
  behind-v2m@2000 { compatible = "test,dev"; reg = <0x2000 0x100>; msi-parent = <&v2m>; };
  mapped@3000 { compatible = "test,dev"; reg = <0x3000 0x100>; msi-map = <0 &its 0 0x100>; };
  bus@4000 {
    compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges; msi-parent = <&its>;
    child@4100 { compatible = "test,dev"; reg = <0x4100 0x10>; };
  };
  wired@5000 { compatible = "test,dev"; reg = <0x5000 0x100>; };
`;
const PATHS = ['/behind-its@1000', '/behind-v2m@2000', '/mapped@3000', '/bus@4000/child@4100', '/wired@5000'];

function boot(dts: string, profile: string): Kernel {
  const k = dtMachine({ tree: dtTree(dts), profile, cmdline: 'fw_devlink=off', devices: PATHS, drivers: () => [] });
  k.boot();
  return k;
}

const isolated = (k: Kernel): Record<string, boolean> =>
  Object.fromEntries(PATHS.map((p) => {
    const dev = k.devices.find((d) => d.fwnode?.path === p)!;
    return [p, msiDeviceHasIsolatedMsi(k, dev)];
  }));

describe('msi_device_has_isolated_msi(): can a device\'s MSIs be isolated?', () => {
  it('from v6.3, per device: an ITS reached by msi-parent or msi-map, on the node or an ancestor, isolates; a GICv2m frame or no MSI controller does not', () => {
    expect(isolated(boot(CONTROLLERS + DEVICES, 'linux-6.12'))).toEqual({
      '/behind-its@1000': true,
      '/behind-v2m@2000': false,
      '/mapped@3000': true,
      '/bus@4000/child@4100': true,
      '/wired@5000': false,
    });
  });

  it('a disabled ITS isolates nothing', () => {
    const dts = CONTROLLERS.replace('reg = <0x8080000 0x20000>;', 'reg = <0x8080000 0x20000>; status = "disabled";') + DEVICES;
    expect(Object.values(isolated(boot(dts, 'linux-6.12')))).toEqual([false, false, false, false, false]);
  });

  it('before v6.3, machine-wide: any ITS makes every device isolated (irq_domain_check_msi_remap()), none makes none', () => {
    expect(Object.values(isolated(boot(CONTROLLERS + DEVICES, 'linux-6.1')))).toEqual([true, true, true, true, true]);
    const noIts = CONTROLLERS.replace(/its: msi-controller[^\n]*\n/, '') + DEVICES.replaceAll('&its', '&v2m');
    expect(Object.values(isolated(boot(noIts, 'linux-6.1')))).toEqual([false, false, false, false, false]);
  });
});
