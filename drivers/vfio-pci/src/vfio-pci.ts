import { Errno, driverModule, type BusType, type Device, type DriverSpec, type Kernel, type KernelModule } from '@kdsim/core';
import { VfioCore, type VfioDevice } from '@kdsim/vfio';

/** What vfio-pci is built with. */
export interface VfioPciOptions {
  /**
   * The bus's match data for the `ids=` module parameter (for the PCI bus a
   * match table of vendor:device pairs). Default: nothing matches, so the
   * driver binds only through `driver_override`, as users normally do it.
   */
  readonly matchTable?: unknown;
}

/**
 * drivers/vfio/pci/vfio_pci.c: the vfio-pci driver on `bus`. It manages
 * DMA itself (driver_managed_dma: no default-domain claim at
 * dma_configure), and its probe registers the device with VFIO
 * (vfio_pci_core_register_device() → vfio_register_group_dev()), so VFIO's
 * errors — no IOMMU group, no IOMMU_CAP_CACHE_COHERENCY — are the probe's.
 */
export function vfioPciDriver(bus: BusType, k: () => Kernel, options: VfioPciOptions = {}): DriverSpec {
  return {
    name: 'vfio-pci',
    bus,
    driverManagedDma: true,
    matchTable: options.matchTable ?? [],
    // vfio_pci.c: vfio_pci_probe()
    probe: (dev: Device) => {
      const vdev = k().container.get(VfioCore).registerGroupDev(dev);
      if (typeof vdev === 'number') return vdev;
      dev.driverData = vdev;
      return 0;
    },
    // vfio_pci.c: vfio_pci_remove()
    remove: (dev: Device) => {
      const vdev = dev.driverData as VfioDevice | null;
      if (vdev !== null) k().container.get(VfioCore).unregisterGroupDev(vdev);
    },
  };
}

/** vfio-pci as a module (module_pci_driver()): registers {@link vfioPciDriver} on `bus()` at module init. */
export function vfioPciModule(bus: () => BusType, options: VfioPciOptions = {}): KernelModule {
  return driverModule('vfio-pci', (k) => [vfioPciDriver(bus(), () => k, options)]);
}

/**
 * What a user does to hand a device to vfio-pci: write `vfio-pci` to
 * `driver_override`, unbind the current driver, and bind (drivers_probe).
 * Returns the bind result: 0, or the probe's negative errno.
 */
export function vfioPciTakeOver(k: Kernel, dev: Device): number {
  dev.driverOverride = 'vfio-pci';
  if (dev.driver !== null) k.deviceReleaseDriver(dev);
  const drv = dev.bus === null ? undefined : k.findDriver(dev.bus, 'vfio-pci');
  if (drv === undefined) return -Errno.ENODEV; // vfio-pci is not loaded
  return k.deviceDriverAttach(drv, dev);
}
