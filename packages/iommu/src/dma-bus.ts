import { SimpleBus, type Device, type Kernel } from '@kdsim/core';

/**
 * A {@link SimpleBus} whose dma_configure / dma_cleanup go through the
 * kernel's `DmaConfigure` seam, as platform_dma_configure() does: for
 * tests and inline scenario devices that need IOMMU configuration without a
 * real bus package. Set {@link DmaSimpleBus.kernel} when the bus registers.
 */
export class DmaSimpleBus extends SimpleBus {
  /** The kernel the bus is registered with. */
  kernel: Kernel | null = null;

  override dmaConfigure(dev: Device): number {
    return this.kernel?.dmaConfigure.configure(dev) ?? 0;
  }

  override dmaCleanup(dev: Device): void {
    this.kernel?.dmaConfigure.cleanup(dev);
  }
}
