import type { Device } from './device.js';

/**
 * The firmware side of bus->dma_configure(): what of_dma_configure() and
 * acpi_dma_configure() do for a device before its driver probes (DMA
 * coherency, the IOMMU lookup, iommu_probe_device()). Buses call it from
 * their dmaConfigure(); the IOMMU package rebinds it. The default is a
 * machine without IOMMUs: nothing to configure, never defers.
 */
export abstract class DmaConfigure {
  /** 0, -EPROBE_DEFER, or another negative errno that fails the probe. */
  abstract configure(dev: Device): number;
  /** bus->dma_cleanup() after a failed or removed probe. */
  abstract cleanup(dev: Device): void;
}

/** No IOMMU, coherency left as the device was created. */
export class NoDmaConfigure extends DmaConfigure {
  configure(_dev: Device): number {
    return 0;
  }

  cleanup(_dev: Device): void {}
}
