import { DmaConfigure, Kernel, KernelModule } from '@kdsim/core';
import { IommuCore } from './core.js';
import { AcpiIommuState, IommuDmaConfigure } from './dma-configure.js';
import { DmaEndpoints } from './endpoints.js';
import { busPciView, pciDmaEndpoints, platformDmaEndpoints } from './bus-glue.js';
import { DEFAULT_IOMMU_CONFIG, DefaultIommuPolicy, IommuPolicy, type IommuConfig } from './policy.js';

/**
 * The IOMMU core as a built-in kernel module (CONFIG_IOMMU_API=y): binds
 * {@link IommuPolicy}, {@link IommuCore}, {@link DmaEndpoints},
 * {@link AcpiIommuState}, rebinds the core's {@link DmaConfigure} to
 * {@link IommuDmaConfigure}, and runs iommu_subsys_init() at subsys_initcall.
 */
export function iommuCoreModule(config: Partial<IommuConfig> = {}): KernelModule {
  const cfg: IommuConfig = { ...DEFAULT_IOMMU_CONFIG, ...config };
  return new KernelModule('iommu', {
    services: ({ bind, rebind }) => {
      bind(IommuPolicy).toResolvedValue((k: Kernel) => new DefaultIommuPolicy(k, cfg), [Kernel]).inSingletonScope();
      bind(IommuCore)
        .toResolvedValue((k: Kernel, p: IommuPolicy) => {
          const core = new IommuCore(k, p);
          core.pciView = busPciView;
          return core;
        }, [Kernel, IommuPolicy])
        .inSingletonScope();
      bind(DmaEndpoints)
        .toResolvedValue((k: Kernel) => {
          const eps = new DmaEndpoints();
          eps.add(platformDmaEndpoints(k));
          eps.add(pciDmaEndpoints(k));
          return eps;
        }, [Kernel])
        .inSingletonScope();
      bind(AcpiIommuState).toResolvedValue(() => new AcpiIommuState(), []).inSingletonScope();
      rebind(DmaConfigure)
        .toResolvedValue(
          (k: Kernel, core: IommuCore, eps: DmaEndpoints, acpi: AcpiIommuState) => new IommuDmaConfigure(k, core, eps, acpi),
          [Kernel, IommuCore, DmaEndpoints, AcpiIommuState],
        )
        .inSingletonScope();
    },
    initcalls: [{ level: 'subsys', name: 'iommu_subsys_init', fn: (k) => k.container.get(IommuCore).subsysInit() }],
  });
}

/** The IOMMU core of kernel `k` (requires {@link iommuCoreModule} built in). */
export function iommuCore(k: Kernel): IommuCore {
  return k.container.get(IommuCore);
}
