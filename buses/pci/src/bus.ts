import { BusType, Errno, LogLevel, type Device, type Driver, type Kernel } from '@kdsim/core';
import { PciAcsState } from './acs.js';
import { PciDevice } from './device.js';
import { PciMatchTable, pciMatchDevice } from './driver.js';

/**
 * pci_bus_type: matching by driver_override, dynamic ids and id tables
 * (only once pci_bus_add_device() allowed it), probe with the matched id,
 * and pci_dma_configure() through the kernel's `DmaConfigure` seam.
 * Holds the kernel-wide ACS request state.
 */
export class PciBus extends BusType {
  /** `pci`. */
  readonly name = 'pci';
  /** pci_acs_enable. */
  readonly acs = new PciAcsState();

  /** The bus of kernel `k` (DMA configuration is resolved from its container at each probe). */
  constructor(readonly k: Kernel) {
    super();
  }

  // pci-driver.c: pci_bus_match()
  match(dev: Device, drv: Driver): number {
    if (!(dev instanceof PciDevice) || !dev.matchDriver) return 0;
    const table = drv.spec.matchTable;
    if (!(table instanceof PciMatchTable)) return 0;
    return pciMatchDevice(table, dev) !== null ? 1 : 0;
  }

  // pci-driver.c: pci_device_probe() / local_pci_probe()
  override probe(dev: Device): number {
    const table = dev.driver?.spec.matchTable;
    if (!(dev instanceof PciDevice) || !(table instanceof PciMatchTable)) return super.probe(dev);
    const id = pciMatchDevice(table, dev);
    if (id === null) return -Errno.ENODEV;
    const rc = table.spec.probe?.(dev, id) ?? 0;
    if (rc > 0) {
      this.k.devPrintk(dev, LogLevel.WARNING, `Driver probe function unexpectedly returned ${rc}`);
      return 0;
    }
    return rc;
  }

  override remove(dev: Device): void {
    const table = dev.driver?.spec.matchTable;
    if (dev instanceof PciDevice && table instanceof PciMatchTable) table.spec.remove?.(dev);
    else super.remove(dev);
  }

  // pci-driver.c: pci_dma_configure(): of_dma_configure() on the host controller's
  // node or acpi_dma_configure() on the host bridge's companion, then the default domain.
  override dmaConfigure(dev: Device): number {
    return this.k.dmaConfigure.configure(dev);
  }

  override dmaCleanup(dev: Device): void {
    this.k.dmaConfigure.cleanup(dev);
  }

  /** The registered function at (segment, bus, devfn), or null (pci_get_domain_bus_and_slot()). */
  findFunction(segment: number, busNr: number, devfn: number): PciDevice | null {
    for (const d of this.devices) {
      if (d instanceof PciDevice && d.segment === segment && d.busNr === busNr && d.devfn === devfn) return d;
    }
    return null;
  }

  /** Every registered PCI function in registration order (for_each_pci_dev()). */
  functions(): PciDevice[] {
    return this.devices.filter((d): d is PciDevice => d instanceof PciDevice);
  }
}
