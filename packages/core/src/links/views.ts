import type { Device } from '../base/device.js';
import type { Kernel } from '../kernel.js';
import type { DeviceLink } from './device-link.js';
import { DEVLINK_STATUS_WORDS, DL_FLAG } from './flags.js';

/** One `/sys/class/devlink/<name>/` directory. */
export interface DevlinkEntry {
  /** `bus:supplier--bus:consumer` */
  readonly name: string;
  /** Supplier device name. */
  readonly supplier: string;
  /** Consumer device name. */
  readonly consumer: string;
  /** `status`: `not tracked`, `dormant`, `available`, `consumer probing`, `active`, `supplier unbinding`. */
  readonly status: string;
  /** `auto_remove_on`: `supplier unbind`, `consumer unbind` or `never`. */
  readonly autoRemoveOn: 'supplier unbind' | 'consumer unbind' | 'never';
  /** `runtime_pm`: 0 or 1. */
  readonly runtimePm: 0 | 1;
  /** `sync_state_only`: 0 or 1. */
  readonly syncStateOnly: 0 | 1;
  /** The raw DL_FLAG_* bits (not a sysfs file; for diagnostics). */
  readonly flags: number;
}

/** The sysfs view of one device link (core.c: status_show(), auto_remove_on_show(), ...). */
export function devlinkEntry(link: DeviceLink): DevlinkEntry {
  return {
    name: link.name,
    supplier: link.supplier.name,
    consumer: link.consumer.name,
    status: DEVLINK_STATUS_WORDS[link.status],
    autoRemoveOn: link.has(DL_FLAG.AUTOREMOVE_SUPPLIER) ? 'supplier unbind' : link.has(DL_FLAG.AUTOREMOVE_CONSUMER) ? 'consumer unbind' : 'never',
    runtimePm: link.has(DL_FLAG.PM_RUNTIME) ? 1 : 0,
    syncStateOnly: link.has(DL_FLAG.SYNC_STATE_ONLY) ? 1 : 0,
    flags: link.flags,
  };
}

/** `/sys/class/devlink`: every device link, sorted by name as `ls` lists them. */
export function devlinkClass(k: Kernel): DevlinkEntry[] {
  return k.links.all().map(devlinkEntry).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A device's link-related sysfs entries. */
export interface DeviceLinksEntry {
  /** Device name. */
  readonly device: string;
  /** `supplier:<bus>:<name>` symlinks, in link order. */
  readonly suppliers: readonly string[];
  /** `consumer:<bus>:<name>` symlinks, in link order. */
  readonly consumers: readonly string[];
  /** `waiting_for_supplier` (0/1), or null when the device has no such file. */
  readonly waitingForSupplier: 0 | 1 | null;
}

/** core.c: devlink_add_symlinks() and waiting_for_supplier_show() for one device. */
export function deviceLinksEntry(k: Kernel, dev: Device): DeviceLinksEntry {
  return {
    device: dev.name,
    suppliers: dev.links.suppliers.map((l) => `supplier:${l.supplier.busName}`),
    consumers: dev.links.consumers.map((l) => `consumer:${l.consumer.busName}`),
    waitingForSupplier: k.links.fw.hasWaitingForSupplierFile(dev) ? (k.links.waitingForSupplier(dev) ? 1 : 0) : null,
  };
}

/**
 * The link state of a boot as text, one line per fact, in the shape the
 * calibration machines dump it: `LINK name=... status=...`, then `DL <device>
 * supplier:...|consumer:...`, then `WFS <device> <0|1>`.
 */
export function renderDevlinks(k: Kernel): string {
  const lines: string[] = [];
  for (const e of devlinkClass(k)) {
    lines.push(`LINK name=${e.name} supplier=${e.supplier} consumer=${e.consumer} status=${e.status} sync_state_only=${e.syncStateOnly} auto_remove_on=${e.autoRemoveOn} runtime_pm=${e.runtimePm}`);
  }
  const devices = k.devices.filter((d) => d.registered);
  for (const d of devices) {
    const e = deviceLinksEntry(k, d);
    for (const s of [...e.suppliers, ...e.consumers]) lines.push(`DL ${d.name} ${s}`);
  }
  for (const d of devices) {
    const e = deviceLinksEntry(k, d);
    if (e.waitingForSupplier !== null) lines.push(`WFS ${d.name} ${e.waitingForSupplier}`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
