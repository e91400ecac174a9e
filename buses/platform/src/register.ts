import type { Device, Fwnode, Kernel } from '@kdsim/core';
import type { PlatformBus } from './bus.js';
import { PLATFORM_DEVID_AUTO, PLATFORM_DEVID_NONE, PlatformDevice } from './device.js';

/** What {@link platformDeviceRegister} creates a device from (struct platform_device_info). */
export interface PlatformDeviceInfo {
  /** pdev->name (`serial8250`, `alarmtimer`). */
  readonly name: string;
  /** An instance number, PLATFORM_DEVID_NONE (default) or PLATFORM_DEVID_AUTO. */
  readonly id?: number;
  /** The parent (default the `platform` root). */
  readonly parent?: Device | null;
  /** A firmware node. */
  readonly fwnode?: Fwnode | null;
  /** MMIO resource starts. */
  readonly mmio?: readonly bigint[];
}

/**
 * platform.c: platform_device_register_full() / platform_device_add() — a
 * named platform device: `name` with PLATFORM_DEVID_NONE, `name.N` with an
 * instance, `name.N.auto` with PLATFORM_DEVID_AUTO (N from the bus's ida).
 */
export function platformDeviceRegister(k: Kernel, bus: PlatformBus, info: PlatformDeviceInfo): PlatformDevice {
  let id = info.id ?? PLATFORM_DEVID_NONE;
  let devName = info.name;
  if (id === PLATFORM_DEVID_AUTO) {
    const used = bus.autoIds;
    let n = 0;
    while (used.has(n)) n++;
    used.add(n);
    id = n;
    devName = `${info.name}.${n}.auto`;
  } else if (id !== PLATFORM_DEVID_NONE) {
    devName = `${info.name}.${id}`;
  }
  const dev = new PlatformDevice({
    bus, name: devName, pdevName: info.name, id, parent: info.parent ?? bus.root, fwnode: info.fwnode ?? null, ...(info.mmio ? { mmio: info.mmio } : {}),
  });
  k.deviceAdd(dev);
  return dev;
}
