import { BusType, Errno, LogLevel, type Device, type Driver, type Kernel } from '@kdsim/core';
import { OfNode } from '@kdsim/firmware';
import { AmbaDevice, PlatformDevice } from './device.js';
import { AmbaMatchTable, PlatformMatchTable, acpiDeviceIds, acpiMatchDevice, ambaLookup, ofMatchDevice, platformMatchId } from './driver.js';

/**
 * platform_bus_type: platform_match() (driver_override, OF best match, ACPI
 * IDs, id table, name), platform_probe() and platform_dma_configure()
 * through the kernel's `DmaConfigure` seam.
 */
export class PlatformBus extends BusType {
  /** `platform`. */
  readonly name = 'platform';
  /** The `platform` root device (/sys/devices/platform), parent of devices registered without one. */
  root: Device | null = null;
  /** platform_devid_ida: instance numbers given to PLATFORM_DEVID_AUTO devices. */
  readonly autoIds = new Set<number>();

  /** The bus of kernel `k`. */
  constructor(readonly k: Kernel) {
    super();
  }

  // platform.c: platform_match()
  match(dev: Device, drv: Driver): number {
    if (dev.driverOverride !== null) return dev.driverOverride === drv.name ? 1 : 0;
    const table = drv.spec.matchTable;
    // A driver with no platform tables still matches by name (pdev->name: '' for DT devices).
    if (!(table instanceof PlatformMatchTable)) return (dev instanceof PlatformDevice ? dev.pdevName : dev.name) === drv.name ? 1 : 0;
    const spec = table.spec;
    if (ofMatchDevice(spec.ofMatchTable, dev) !== null) return 1;
    if (acpiMatchDevice(spec.acpiMatchTable, dev) !== null) return 1;
    if (!(dev instanceof PlatformDevice)) return 0;
    if (spec.idTable !== undefined) {
      const id = platformMatchId(spec.idTable, dev);
      if (id !== null) dev.idEntry = id;
      return id !== null ? 1 : 0;
    }
    return dev.pdevName === drv.name ? 1 : 0;
  }

  // Every match above compares equal strings (OF ones lower-cased): the device's name,
  // its node's `compatible` entries, its ACPI IDs.
  override deviceMatchKeys(dev: Device): readonly string[] {
    const keys = [dev instanceof PlatformDevice ? dev.pdevName : dev.name];
    if (dev.fwnode instanceof OfNode) keys.push(...dev.fwnode.compatibleForMatch());
    keys.push(...acpiDeviceIds(dev));
    return keys;
  }

  override driverMatchKeys(drv: Driver): readonly string[] | null {
    const table = drv.spec.matchTable;
    if (!(table instanceof PlatformMatchTable)) return [drv.name];
    const spec = table.spec;
    const keys: string[] = [];
    for (const id of spec.ofMatchTable ?? []) {
      if (id.compatible !== undefined && id.compatible !== '') keys.push(id.compatible.toLowerCase());
      // An entry by device_type or node name alone may match a node of any `compatible`.
      else if ((id.type ?? '') !== '' || (id.name ?? '') !== '') return null;
    }
    for (const id of spec.acpiMatchTable ?? []) keys.push(id.id);
    if (spec.idTable !== undefined) for (const id of spec.idTable) keys.push(id.name);
    else keys.push(drv.name);
    return keys;
  }

  // platform.c: platform_probe()
  override probe(dev: Device): number {
    let ret = super.probe(dev);
    if (ret === -Errno.EPROBE_DEFER && dev.driver?.spec.preventDeferredProbe === true && !dev.driver.probeDisabled) {
      this.k.devPrintk(dev, LogLevel.WARNING, 'probe deferral not supported');
      ret = -Errno.ENXIO;
    }
    return ret;
  }

  // platform.c: platform_dma_configure(): of_dma_configure() on the device's node or
  // acpi_dma_configure() on its companion, then the default domain.
  override dmaConfigure(dev: Device): number {
    return this.k.dmaConfigure.configure(dev);
  }

  override dmaCleanup(dev: Device): void {
    this.k.dmaConfigure.cleanup(dev);
  }
}

/**
 * amba_bustype (drivers/amba/bus.c): amba_match() by driver_override then
 * peripheral ID under each id-table mask (an unread ID defers the match),
 * amba_probe() with the matched id, DMA configured like a platform device.
 */
export class AmbaBus extends BusType {
  /** `amba`. */
  readonly name = 'amba';

  /** The bus of kernel `k`. */
  constructor(readonly k: Kernel) {
    super();
  }

  // amba/bus.c: amba_match()
  match(dev: Device, drv: Driver): number {
    if (!(dev instanceof AmbaDevice)) return 0;
    // amba_read_periphid() failing is mapped to -EPROBE_DEFER.
    if (dev.periphid === 0) return -Errno.EPROBE_DEFER;
    if (dev.driverOverride !== null) return dev.driverOverride === drv.name ? 1 : 0;
    const table = drv.spec.matchTable;
    return table instanceof AmbaMatchTable && ambaLookup(table.spec.idTable, dev) !== null ? 1 : 0;
  }

  // amba/bus.c: amba_probe()
  override probe(dev: Device): number {
    const table = dev.driver?.spec.matchTable;
    if (!(dev instanceof AmbaDevice) || !(table instanceof AmbaMatchTable)) return super.probe(dev);
    const id = ambaLookup(table.spec.idTable, dev);
    if (id === null) return -Errno.ENODEV;
    return table.spec.probe?.(dev, id) ?? 0;
  }

  override remove(dev: Device): void {
    const table = dev.driver?.spec.matchTable;
    if (dev instanceof AmbaDevice && table instanceof AmbaMatchTable) table.spec.remove?.(dev);
    else super.remove(dev);
  }

  // amba/bus.c: amba_dma_configure()
  override dmaConfigure(dev: Device): number {
    return this.k.dmaConfigure.configure(dev);
  }

  override dmaCleanup(dev: Device): void {
    this.k.dmaConfigure.cleanup(dev);
  }
}
