import { Errno, type Device, type Kernel } from '@kdsim/core';
import { parseDuration } from '../duration.js';
import type { StepAction, StepKind } from '../registry.js';

type Parsed = StepAction | { readonly error: string };

function str(arg: unknown): string | undefined {
  return typeof arg === 'string' && arg !== '' ? arg : undefined;
}

function obj(arg: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof arg === 'object' && arg !== null && !Array.isArray(arg) ? (arg as Record<string, unknown>) : undefined;
}

function onlyKeys(o: Readonly<Record<string, unknown>>, keys: readonly string[]): string | undefined {
  const extra = Object.keys(o).find((k) => !keys.includes(k));
  return extra === undefined ? undefined : `unknown key '${extra}'; expected ${keys.join(', ')}`;
}

/** `{ device, driver }` or `{ device }`; device must be a string. */
function deviceArg(arg: unknown, driverRequired: boolean): { device: string; driver: string | undefined } | { error: string } {
  const device = str(arg);
  if (device !== undefined && !driverRequired) return { device, driver: undefined };
  const o = obj(arg);
  const shape = driverRequired ? '{ device, driver }' : 'a device name or { device, driver }';
  if (o === undefined) return { error: `expected ${shape}` };
  const bad = onlyKeys(o, ['device', 'driver']);
  if (bad !== undefined) return { error: bad };
  const d = str(o['device']);
  const drv = o['driver'];
  if (d === undefined || (drv !== undefined && typeof drv !== 'string') || (driverRequired && drv === undefined)) return { error: `expected ${shape}` };
  return { device: d, driver: drv };
}

function findDevice(k: Kernel, name: string): Device | undefined {
  return k.device(name);
}

/** insmod `name` or `{ module, params }`. */
const insmod: StepKind = {
  name: 'insmod',
  description: 'load a module (its drivers register; insmod waits for their probes unless async)',
  parse(arg) {
    const o = obj(arg);
    const module = str(arg) ?? str(o?.['module']);
    if (module === undefined) return { error: 'expected a module name or { module, params }' };
    const params = (o?.['params'] ?? {}) as Record<string, string>;
    return function* (k) {
      yield* k.insmod(module, params);
      return 0;
    };
  },
};

const rmmod: StepKind = {
  name: 'rmmod',
  description: 'unload a module (its drivers unregister)',
  parse(arg) {
    const module = str(arg);
    if (module === undefined) return { error: 'expected a module name' };
    return (k) => {
      k.rmmod(module);
      return 0;
    };
  },
};

const sleep: StepKind = {
  name: 'sleep',
  description: 'wait for a duration of virtual time',
  parse(arg) {
    const ns = typeof arg === 'number' || typeof arg === 'string' ? parseDuration(arg) : undefined;
    if (ns === undefined) return { error: 'expected a duration (2, 2s, 500ms)' };
    return function* (k) {
      yield { at: k.clock.now + ns };
      return 0;
    };
  },
};

const snap: StepKind = {
  name: 'snap',
  description: 'record a snapshot of who is bound and what is deferred',
  parse(arg) {
    const label = str(arg);
    if (label === undefined) return { error: 'expected a label' };
    return (k) => {
      k.snapshots.push(k.snapshot(label));
      return 0;
    };
  },
};

/** bus.c: bind_store() */
const bind: StepKind = {
  name: 'bind',
  description: 'write the device name to /sys/bus/<bus>/drivers/<driver>/bind',
  parse(arg): Parsed {
    const a = deviceArg(arg, true);
    if ('error' in a) return a;
    return (k) => {
      const dev = findDevice(k, a.device);
      if (dev?.bus == null) return -Errno.ENODEV;
      const drv = k.findDriver(dev.bus, a.driver!);
      if (drv === undefined) return -Errno.ENOENT; // no such sysfs directory
      if (drv.spec.suppressBindAttrs === true) return -Errno.ENOENT;
      const r = k.deviceDriverAttach(drv, dev);
      return r > 0 ? 0 : r;
    };
  },
};

/** bus.c: unbind_store() */
const unbind: StepKind = {
  name: 'unbind',
  description: 'write the device name to /sys/bus/<bus>/drivers/<driver>/unbind (driver: the bound one if omitted)',
  parse(arg): Parsed {
    const a = deviceArg(arg, false);
    if ('error' in a) return a;
    return (k) => {
      const dev = findDevice(k, a.device);
      if (dev === undefined) return -Errno.ENODEV;
      if (a.driver !== undefined && (dev.bus === null || k.findDriver(dev.bus, a.driver) === undefined)) return -Errno.ENOENT;
      if (dev.driver === null || !dev.bound || (a.driver !== undefined && dev.driver.name !== a.driver)) return -Errno.ENODEV;
      k.deviceReleaseDriver(dev);
      return 0;
    };
  },
};

/** driver_override_store(): an empty driver clears it. */
const driverOverride: StepKind = {
  name: 'driver_override',
  description: 'write /sys/bus/<bus>/devices/<device>/driver_override (empty clears)',
  parse(arg): Parsed {
    const o = obj(arg);
    if (o === undefined || str(o['device']) === undefined || typeof o['driver'] !== 'string') return { error: 'expected { device, driver }' };
    const bad = onlyKeys(o, ['device', 'driver']);
    if (bad !== undefined) return { error: bad };
    const device = o['device'] as string;
    const driver = o['driver'];
    return (k) => {
      const dev = findDevice(k, device);
      if (dev === undefined) return -Errno.ENODEV;
      dev.driverOverride = driver === '' ? null : driver;
      return 0;
    };
  },
};

/** state_synced_store() */
const stateSynced: StepKind = {
  name: 'state_synced',
  description: 'write /sys/devices/.../state_synced',
  parse(arg): Parsed {
    const o = obj(arg);
    if (o === undefined || str(o['device']) === undefined || (typeof o['value'] !== 'string' && typeof o['value'] !== 'number')) {
      return { error: 'expected { device, value }' };
    }
    const device = o['device'] as string;
    const value = String(o['value']);
    return (k) => {
      const dev = findDevice(k, device);
      return dev === undefined ? -Errno.ENODEV : k.writeStateSynced(dev, value);
    };
  },
};

/** dd.c: drivers_probe_store() — `echo <dev> > /sys/bus/<bus>/drivers_probe`. */
const driversProbe: StepKind = {
  name: 'drivers_probe',
  description: 'write the device name to /sys/bus/<bus>/drivers_probe (a synchronous attach)',
  parse(arg): Parsed {
    const device = str(arg);
    if (device === undefined) return { error: 'expected a device name' };
    return (k) => {
      const dev = findDevice(k, device);
      if (dev === undefined) return -Errno.ENODEV;
      // bus.c: bus_rescan_devices_helper(): only a driverless device is attached; "no driver" is not an error.
      if (dev.driver !== null) return 0;
      const r = k.deviceAttach(dev);
      return r < 0 ? r : 0;
    };
  },
};

/** The step kinds that exist without any bus or IOMMU package. */
export const CORE_STEPS: readonly StepKind[] = [insmod, rmmod, sleep, snap, bind, unbind, driverOverride, stateSynced, driversProbe];
