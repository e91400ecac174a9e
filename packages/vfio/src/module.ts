import { Kernel, KernelModule, LogLevel } from '@kdsim/core';
import { DEFAULT_VFIO_CONFIG, type VfioConfig } from './vfio/config.js';
import { VfioCore } from './vfio/core.js';

/**
 * VFIO and iommufd as a kernel module (CONFIG_VFIO, CONFIG_IOMMUFD): binds
 * {@link VfioCore} with the module parameters in `config`; vfio_init()
 * prints the meta-driver banner. Needs the IOMMU core built in.
 */
export function vfioModule(config: Partial<VfioConfig> = {}): KernelModule {
  const cfg: VfioConfig = { ...DEFAULT_VFIO_CONFIG, ...config };
  return new KernelModule('vfio', {
    services: ({ bind }) => {
      bind(VfioCore).toResolvedValue((k: Kernel) => new VfioCore(k, cfg), [Kernel]).inSingletonScope();
    },
    initcalls: [{
      level: 'device',
      name: 'vfio_init',
      fn: (k) => {
        k.container.get(VfioCore);
        k.printk(LogLevel.INFO, 'VFIO - User Level meta-driver version: 0.3');
        return 0;
      },
    }],
  });
}

/** The VFIO of kernel `k` (requires {@link vfioModule}). */
export function vfioCore(k: Kernel): VfioCore {
  return k.container.get(VfioCore);
}
