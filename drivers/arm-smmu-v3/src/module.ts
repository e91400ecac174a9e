import { KernelModule, type Device } from '@kdsim/core';
import { platformBusOf, platformDriver } from '@kdsim/bus-platform';
import { ArmSmmuV3Driver } from './driver.js';
import { QEMU_SMMUV3, type SmmuV3Hw } from './hw.js';

/**
 * The machine's SMMUv3 implementations: what each SMMU's ID registers say.
 * Bind it in the kernel container to describe hardware other than QEMU
 * 7.2's (a scenario's `machine.smmuv3`); unbound, every SMMU is QEMU's.
 */
export abstract class SmmuV3Hardware {
  /** The description of the SMMU that is platform device `dev`. */
  abstract lookup(dev: Device): SmmuV3Hw;
}

/** Every SMMU described by one {@link SmmuV3Hw}. */
export class UniformSmmuV3Hardware extends SmmuV3Hardware {
  /** All SMMUs are `hw`. */
  constructor(readonly hw: SmmuV3Hw) {
    super();
  }

  lookup(): SmmuV3Hw {
    return this.hw;
  }
}

/**
 * arm-smmu-v3.c as a kernel module (`arm_smmu_v3`; built in on Debian's
 * arm64 kernels): module_platform_driver() registers the `arm-smmu-v3`
 * platform driver (arm_smmu_of_match: `arm,smmu-v3`, no bind/unbind
 * attributes) at device_initcall. The registers come from
 * {@link SmmuV3Hardware} when bound, else QEMU 7.2's.
 */
export const armSmmuV3Module = new KernelModule('arm_smmu_v3', {
  initcalls: [{
    level: 'device',
    name: 'arm_smmu_driver_init',
    fn: (k) => {
      const table = k.container.isBound(SmmuV3Hardware) ? k.container.get(SmmuV3Hardware) : null;
      const drv = new ArmSmmuV3Driver(k, (dev) => table?.lookup(dev) ?? QEMU_SMMUV3);
      const spec = platformDriver(platformBusOf(k), { name: 'arm-smmu-v3', ofMatchTable: [{ compatible: 'arm,smmu-v3' }], probe: (dev) => drv.deviceProbe(dev) });
      return k.driverRegister({ ...spec, suppressBindAttrs: true });
    },
  }],
});
