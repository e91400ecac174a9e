import type { Kernel } from '@kdsim/core';
import { AcpiCompanion } from './acpi-companion.js';
import type { PlatformBus } from './bus.js';
import { PlatformDevice } from './device.js';
import { PlatformError } from './errors.js';

/** An ACPI device a scenario lists that Linux enumerates as a platform device. */
export interface AcpiPlatformEntry {
  /** Namespace path (`\_SB_.COM0`, `\_SB.PCI0.FWCF`). */
  readonly path: string;
  /** _HID (`ARMH0011`, `QEMU0002`, `LNRO0005`). */
  readonly hid: string;
  /** _CID list. */
  readonly cids?: readonly string[];
  /** _UID. */
  readonly uid?: string;
  /** _CCA: 1 coherent, 0 not; absent when the object has none. */
  readonly cca?: 0 | 1;
  /** Start addresses of the memory resources in _CRS order (`0x9000000`). */
  readonly mmio?: readonly (string | number | bigint)[];
  /** Name of the device to parent it under when it sits below one (`pci0000:00`); default the platform root. */
  readonly parent?: string;
}

/** A validated entry. */
export interface AcpiPlatformSpec {
  /** The companion fwnode. */
  readonly companion: AcpiCompanion;
  /** MMIO starts. */
  readonly mmio: readonly bigint[];
  /** Parent device name, or null. */
  readonly parent: string | null;
}

const HID_RE = /^([A-Z0-9_]{3}[0-9A-F]{4}|[A-Z0-9_]{4}[0-9A-F]{4}|PRP0001)$/;

/**
 * The ACPI-enumerated platform devices of a machine, in namespace order.
 * Bind one per kernel; {@link acpiCreatePlatformDevices} creates them.
 */
export class AcpiPlatformDevices {
  /** The validated entries. */
  readonly entries: readonly AcpiPlatformSpec[];

  /** Validates `entries` (throws a PlatformError naming the entry and field). */
  constructor(entries: readonly AcpiPlatformEntry[]) {
    const seen = new Set<string>();
    this.entries = entries.map((e, i) => {
      const label = `acpi[${i}]${typeof e.path === 'string' ? ` (${e.path})` : ''}`;
      const bad = (field: string, message: string): PlatformError => new PlatformError('badField', { entry: label, field, message });
      if (typeof e.path !== 'string' || !/^\\?[A-Za-z_][A-Za-z0-9_]{0,3}(\.[A-Za-z_][A-Za-z0-9_]{0,3})*$/.test(e.path)) throw bad('path', `expected an ACPI namespace path like '\\_SB_.COM0', got ${JSON.stringify(e.path)}`);
      if (seen.has(e.path)) throw new PlatformError('duplicate', { entry: label, field: 'path', message: 'listed twice' });
      seen.add(e.path);
      if (typeof e.hid !== 'string' || !HID_RE.test(e.hid)) throw bad('hid', `expected a PNP (AAA####) or ACPI (AAAA####) ID, got ${JSON.stringify(e.hid)}`);
      for (const [j, c] of (e.cids ?? []).entries()) if (typeof c !== 'string' || c === '') throw bad(`cids[${j}]`, `expected an ID string, got ${JSON.stringify(c)}`);
      if (e.cca !== undefined && e.cca !== 0 && e.cca !== 1) throw bad('cca', `expected 0 or 1, got ${JSON.stringify(e.cca)}`);
      const mmio = (e.mmio ?? []).map((m, j) => {
        try {
          const v = BigInt(m);
          if (v >= 0n) return v;
        } catch { /* reported below */ }
        throw bad(`mmio[${j}]`, `expected a non-negative address, got ${JSON.stringify(String(m))}`);
      });
      return { companion: new AcpiCompanion(e.path, e.hid, e.cids ?? [], e.uid ?? null, e.cca ?? null), mmio, parent: e.parent ?? null };
    });
  }
}

/**
 * drivers/acpi/acpi_platform.c: acpi_create_platform_device() for every
 * entry during acpi_bus_scan(): the device is named after its ACPI device
 * (`<HID>:<instance>`, instances counted per HID as acpi_device_set_name()
 * numbers them) and has the companion as its fwnode.
 */
export function acpiCreatePlatformDevices(k: Kernel, bus: PlatformBus, devices: AcpiPlatformDevices): PlatformDevice[] {
  const instances = new Map<string, number>();
  const out: PlatformDevice[] = [];
  for (const e of devices.entries) {
    const hid = e.companion.hid;
    const n = instances.get(hid) ?? 0;
    instances.set(hid, n + 1);
    const name = `${hid}:${n.toString(16).padStart(2, '0')}`;
    const parent = e.parent !== null ? k.device(e.parent) ?? null : null;
    const dev = new PlatformDevice({ bus, name, pdevName: name, parent: parent ?? bus.root, fwnode: e.companion, mmio: e.mmio });
    k.deviceAdd(dev);
    out.push(dev);
  }
  return out;
}
