import { KernelModule } from '@kdsim/core';
import { platformBusOf, platformDriver } from '@kdsim/bus-platform';
import { ArmSmmuV3Driver } from './driver.js';

/**
 * arm-smmu-v3.c as a kernel module (`arm_smmu_v3`; built in on Debian's
 * arm64 kernels): module_platform_driver() registers the `arm-smmu-v3`
 * platform driver (arm_smmu_of_match: `arm,smmu-v3`, no bind/unbind
 * attributes) at device_initcall, with QEMU 7.2's SMMU registers.
 */
export const armSmmuV3Module = new KernelModule('arm_smmu_v3', {
  initcalls: [{
    level: 'device',
    name: 'arm_smmu_driver_init',
    fn: (k) => {
      const drv = new ArmSmmuV3Driver(k);
      const spec = platformDriver(platformBusOf(k), { name: 'arm-smmu-v3', ofMatchTable: [{ compatible: 'arm,smmu-v3' }], probe: (dev) => drv.deviceProbe(dev) });
      return k.driverRegister({ ...spec, suppressBindAttrs: true });
    },
  }],
});
