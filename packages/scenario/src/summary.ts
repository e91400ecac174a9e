import { devlinkClass, type Device, type DevlinkEntry, type Kernel, type Snapshot } from '@kdsim/core';
import type { ScenarioRegistry } from './registry.js';

/** Version of the JSON shapes below; bumped when a field changes meaning or goes away. */
export const SUMMARY_SCHEMA_VERSION = 1;

/** One device at the end of a run. */
export interface DeviceRow {
  /** dev_name() */
  readonly name: string;
  /** Bus (or class) name. */
  readonly bus: string;
  /** The bound driver, or null. */
  readonly driver: string | null;
  /** `bound`, `deferred` (on the deferred lists), `probing`, or `no-driver`. */
  readonly state: 'bound' | 'deferred' | 'probing' | 'no-driver';
  /** The last deferral reason, or null. */
  readonly deferredReason: string | null;
  /** Probe attempts (matches that reached the probe path). */
  readonly probeAttempts: number;
  /** Times it was deferred. */
  readonly deferrals: number;
  /** Parent device name, or null. */
  readonly parent: string | null;
  /** Firmware node path, or null. */
  readonly fwnode: string | null;
}

/** One registered driver at the end of a run. */
export interface DriverRow {
  /** Driver name. */
  readonly name: string;
  /** Bus name. */
  readonly bus: string;
  /** Owning module, or null when built in. */
  readonly module: string | null;
  /** Bound devices, in bind order. */
  readonly devices: readonly string[];
}

/** A `devices_deferred` line. */
export interface DeferredRow {
  /** Device name. */
  readonly device: string;
  /** Reason, `''` when none was recorded. */
  readonly reason: string;
}

/** What a run ended with, as `kdsim run --json` prints it. */
export interface RunSummary {
  /** {@link SUMMARY_SCHEMA_VERSION} */
  readonly schemaVersion: number;
  /** Scenario name. */
  readonly scenario: string;
  /** Kernel profile name. */
  readonly profile: string;
  /** The kernel command line. */
  readonly cmdline: string;
  /** Virtual time at the end (ns). */
  readonly endTime: number;
  /** How the scheduler ended: `idle`, `stuck` or `limit`. */
  readonly end: string;
  /** Every registered device, in registration order. */
  readonly devices: readonly DeviceRow[];
  /** Every registered driver, bus by bus in registration order. */
  readonly drivers: readonly DriverRow[];
  /** devices_deferred. */
  readonly deferred: readonly DeferredRow[];
  /** IOMMU groups (device names), when an IOMMU package reports them. */
  readonly groups: readonly (readonly string[])[];
  /** /sys/class/devlink. */
  readonly devlinks: readonly DevlinkEntry[];
  /** Devices in the order they bound. */
  readonly bindOrder: readonly string[];
  /** Total probe attempts. */
  readonly probeAttempts: number;
  /** Devices the retry cap stopped (livelocks). */
  readonly livelocks: readonly string[];
  /** Snapshots taken by `snap` steps. */
  readonly snapshots: readonly Snapshot[];
  /** Modules loaded, in order. */
  readonly modulesLoaded: readonly string[];
}

/** debugfs `devices_deferred` as rows. */
export function deferredRows(k: Kernel): DeferredRow[] {
  return k.devicesDeferred().split('\n').filter((l) => l !== '').map((l) => {
    const tab = l.indexOf('\t');
    return tab < 0 ? { device: l, reason: '' } : { device: l.slice(0, tab), reason: l.slice(tab + 1) };
  });
}

/** The name of the driver `d` is bound to, or null. */
export function boundDriverName(d: Device): string | null {
  return d.bound && d.driver !== null ? d.driver.name : null;
}

/** What {@link DeviceRow.state} says about `d`. */
export function deviceState(d: Device): DeviceRow['state'] {
  return d.bound ? 'bound' : d.deferredNode.list !== null ? 'deferred' : d.driver !== null ? 'probing' : 'no-driver';
}

/** A device's row in the summary. */
export function deviceRow(d: Device): DeviceRow {
  return {
    name: d.name,
    bus: d.devBusName,
    driver: boundDriverName(d),
    state: deviceState(d),
    deferredReason: d.deferredReason,
    probeAttempts: d.probeAttempts,
    deferrals: d.deferCount,
    parent: d.parent?.name ?? null,
    fwnode: d.fwnode?.path ?? null,
  };
}

/** True for a device the summary lists: registered and not deleted. */
export function listedDevice(d: Device): boolean {
  return d.registered && !d.dead;
}

/** The summary of a booted kernel. */
export function summarize(k: Kernel, scenarioName: string, registry: ScenarioRegistry): RunSummary {
  const devices: DeviceRow[] = k.devices.filter(listedDevice).map(deviceRow);
  const drivers: DriverRow[] = [...k.buses.values()].flatMap((b) => b.drivers.map((drv) => ({
    name: drv.name, bus: b.name, module: drv.owner, devices: drv.devices.map((d) => d.name),
  })));
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    scenario: scenarioName,
    profile: k.profile.name,
    cmdline: k.cmdline.raw,
    endTime: k.clock.now,
    end: k.runResult?.end ?? 'idle',
    devices,
    drivers,
    deferred: deferredRows(k),
    groups: registry.groups?.(k) ?? [],
    devlinks: devlinkClass(k),
    bindOrder: k.bindOrder.map((d) => d.name),
    probeAttempts: k.stats.probeAttempts,
    livelocks: [...k.livelocks],
    snapshots: [...k.snapshots],
    modulesLoaded: k.loadedModules,
  };
}
