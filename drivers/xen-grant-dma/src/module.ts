import type { ContainerModuleLoadOptions } from 'inversify';
import { DmaConfigure, Kernel, KernelModule, type Device } from '@kdsim/core';
import { VirtioBus } from '@kdsim/bus-virtio';
import { AcpiIommuState, DmaEndpoints, IommuCore, IommuDmaConfigure } from '@kdsim/iommu';
import { DEFAULT_XEN_CONFIG, type XenConfig } from './config.js';
import { XenGrantDma } from './grant-dma-ops.js';

/**
 * bus->dma_configure() with the v6.0–v6.1 arch_setup_dma_ops() hook: after
 * of_dma_configure_id() succeeded, xen_setup_dma_ops() gives grant devices
 * the grant DMA ops.
 */
export class XenArchDmaConfigure extends DmaConfigure {
  /** Wraps `inner` (the IOMMU core's dma_configure). */
  constructor(readonly inner: DmaConfigure, readonly xen: XenGrantDma) {
    super();
  }

  configure(dev: Device): number {
    const ret = this.inner.configure(dev);
    if (ret === 0) this.xen.archSetupDmaOps(dev);
    return ret;
  }

  cleanup(dev: Device): void {
    this.inner.cleanup(dev);
  }
}

/**
 * The services of {@link xenGrantDmaModule}: binds {@link XenGrantDma} and
 * rebinds {@link DmaConfigure} so that v6.0–v6.1 install grant ops from
 * arch_setup_dma_ops() (must load after the IOMMU core module's services).
 */
export function xenGrantDmaServices(config: Partial<XenConfig> = {}): (options: ContainerModuleLoadOptions) => void {
  const cfg: XenConfig = { ...DEFAULT_XEN_CONFIG, ...config };
  return ({ bind, rebind }) => {
    bind(XenGrantDma).toResolvedValue((k: Kernel) => new XenGrantDma(k, cfg), [Kernel]).inSingletonScope();
    rebind(DmaConfigure)
      .toResolvedValue(
        (k: Kernel, core: IommuCore, eps: DmaEndpoints, acpi: AcpiIommuState, xen: XenGrantDma) =>
          new XenArchDmaConfigure(new IommuDmaConfigure(k, core, eps, acpi), xen),
        [Kernel, IommuCore, DmaEndpoints, AcpiIommuState, XenGrantDma],
      )
      .inSingletonScope();
  };
}

/**
 * arch/arm/xen/enlighten.c: xen_guest_init() (early_initcall; x86:
 * xen_*_init_platform()) — sets the virtio core's memory-access callback
 * (virtio_set_mem_acc_cb()) when the kernel has grant-based virtio.
 */
export function xenGuestInit(k: Kernel): number {
  const xen = k.container.get(XenGrantDma);
  if (!xen.active || !k.container.isBound(VirtioBus)) return 0;
  k.container.get(VirtioBus).restrictedMemoryAccess = (vdev) => xen.restrictedMemAcc(vdev);
  return 0;
}

/**
 * A Xen guest kernel's grant-DMA side, built in ({@link xenGrantDmaServices}
 * and {@link xenGuestInit}). List it after the IOMMU core module.
 */
export function xenGrantDmaModule(config: Partial<XenConfig> = {}): KernelModule {
  return new KernelModule('xen_grant_dma_ops', {
    services: xenGrantDmaServices(config),
    initcalls: [{ level: 'early', name: 'xen_guest_init', fn: xenGuestInit }],
  });
}

/** The grant-DMA layer of kernel `k` (requires {@link xenGrantDmaModule}). */
export function xenGrantDma(k: Kernel): XenGrantDma {
  return k.container.get(XenGrantDma);
}
