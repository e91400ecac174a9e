import type { BusType } from './bus.js';
import type { Device } from './device.js';
import type { Driver } from './driver.js';

// Bumped whenever a device's or a driver's match keys may have changed anywhere; each
// index compares it with the value it was built at. Such changes are rare (a software
// node's property set after a device was added, a sysfs driver_override), so one
// process-wide counter is enough.
let keyGeneration = 0;

/**
 * Says that what a device or a driver matches by may have changed (a firmware node's
 * `compatible`, a device's fwnode, its driver_override): every bus's {@link MatchIndex}
 * is made again before its next walk.
 */
export function matchKeysChanged(): void {
  keyGeneration++;
}

/** What the index keeps of a device or a driver: its place on the bus and its keys' numbers. */
interface Keyed {
  busSeq: number;
  matchKeys: readonly number[] | null;
}

// Every match key seen, numbered: an index files entries in arrays by key number, which are
// cheaper to fill on every boot than a Map by string.
const KEY_IDS = new Map<string, number>();

function keyIds(keys: readonly string[] | null): readonly number[] | null {
  if (keys === null) return null;
  const ids: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    let id = KEY_IDS.get(key);
    if (id === undefined) KEY_IDS.set(key, (id = KEY_IDS.size));
    ids.push(id);
  }
  return ids;
}

/** Lists by key number. */
type ByKey<T> = (T[] | undefined)[];

const NONE: readonly never[] = Object.freeze([]);

/**
 * Which pairs the walks of driver_attach() and __device_attach() need to ask
 * bus->match() about. The kernel asks about every device and driver pair of the
 * bus (bus_for_each_dev(), bus_for_each_drv()); a pair that cannot match answers
 * 0 and does nothing, so skipping it changes no outcome. The bus says what each
 * device and driver can match by ({@link BusType.deviceMatchKeys},
 * {@link BusType.driverMatchKeys}); a pair is asked about when their keys meet,
 * when either has none (it may match anything), or when the device has a
 * driver_override. Candidates come in klist order, so the walk visits them in
 * the kernel's order; what was added during a walk is visited after them, as a
 * klist iteration does.
 */
export class MatchIndex {
  #generation = -1;
  #nextDeviceSeq = 1;
  #nextDriverSeq = 1;
  // Sized for the keys known so far, so that filling them keeps fast (not dictionary) elements.
  #devicesByKey: ByKey<Device> = new Array<Device[] | undefined>(KEY_IDS.size);
  readonly #anyDevices: Device[] = [];
  #driversByKey: ByKey<Driver> = new Array<Driver[] | undefined>(KEY_IDS.size);
  readonly #anyDrivers: Driver[] = [];

  // The keys hold for the match() written with them: a bus whose class replaced match() but
  // kept its parent's keys, or whose match() was replaced on the instance (a policy being
  // prototyped), is walked whole.
  readonly #match: BusType['match'] | null;

  /** The index of `bus`'s devices and drivers. */
  constructor(readonly bus: BusType) {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- compared, never called
    this.#match = keysFitMatch(bus) ? bus.match : null;
  }

  /** The klist place the next device added to the bus will take. */
  get nextDeviceSeq(): number {
    return this.#nextDeviceSeq;
  }

  /** The klist place the next driver added to the bus will take. */
  get nextDriverSeq(): number {
    return this.#nextDriverSeq;
  }

  /** bus_add_device(): `dev` was appended to the bus's devices. */
  deviceAdded(dev: Device): void {
    dev.busSeq = this.#nextDeviceSeq++;
    if (this.#generation === keyGeneration) insert(this.#devicesByKey, this.#anyDevices, dev, this.#deviceKeys(dev));
  }

  /** bus_remove_device(): `dev` left the bus's devices. */
  deviceRemoved(dev: Device): void {
    if (this.#generation === keyGeneration) remove(this.#devicesByKey, this.#anyDevices, dev);
  }

  /** bus_add_driver(): `drv` was appended to the bus's drivers. */
  driverAdded(drv: Driver): void {
    drv.busSeq = this.#nextDriverSeq++;
    if (this.#generation === keyGeneration) insert(this.#driversByKey, this.#anyDrivers, drv, keyIds(this.bus.driverMatchKeys(drv)));
  }

  /** bus_remove_driver(): `drv` left the bus's drivers. */
  driverRemoved(drv: Driver): void {
    if (this.#generation === keyGeneration) remove(this.#driversByKey, this.#anyDrivers, drv);
  }

  /**
   * The devices driver_attach(`drv`) asks about, in klist order (a new array), or
   * null for all of them.
   */
  devicesFor(drv: Driver): readonly Device[] | null {
    if (this.bus.match !== this.#match) return null;
    this.#refresh();
    const keys = drv.matchKeys;
    return keys === null ? null : gather(keys, this.#devicesByKey, this.#anyDevices);
  }

  /**
   * The drivers __device_attach(`dev`) asks about, in klist order (a new array), or
   * null for all of them.
   */
  driversFor(dev: Device): readonly Driver[] | null {
    if (this.bus.match !== this.#match) return null;
    this.#refresh();
    // A device with a driver_override has none (setting it made the index again).
    const keys = dev.matchKeys;
    return keys === null ? null : gather(keys, this.#driversByKey, this.#anyDrivers);
  }

  // A device with a driver_override may match any driver by name.
  #deviceKeys(dev: Device): readonly number[] | null {
    return dev.driverOverride !== null ? null : keyIds(this.bus.deviceMatchKeys(dev));
  }

  // Makes the index again when keys may have changed since it was made.
  #refresh(): void {
    if (this.#generation === keyGeneration) return;
    this.#generation = keyGeneration;
    this.#devicesByKey = new Array<Device[] | undefined>(KEY_IDS.size);
    this.#anyDevices.length = 0;
    this.#driversByKey = new Array<Driver[] | undefined>(KEY_IDS.size);
    this.#anyDrivers.length = 0;
    for (const dev of this.bus.devices) insert(this.#devicesByKey, this.#anyDevices, dev, this.#deviceKeys(dev));
    for (const drv of this.bus.drivers) insert(this.#driversByKey, this.#anyDrivers, drv, keyIds(this.bus.driverMatchKeys(drv)));
  }
}

// True when the class that defines `bus`'s match() also defines both key methods.
function keysFitMatch(bus: BusType): boolean {
  let proto = Object.getPrototypeOf(bus) as object | null;
  while (proto !== null && !Object.hasOwn(proto, 'match')) proto = Object.getPrototypeOf(proto) as object | null;
  return proto !== null && Object.hasOwn(proto, 'deviceMatchKeys') && Object.hasOwn(proto, 'driverMatchKeys');
}

function insert<T extends Keyed>(byKey: ByKey<T>, any: T[], x: T, keys: readonly number[] | null): void {
  x.matchKeys = keys;
  // Each list stays in klist order: x was added last, or the lists are being made in order
  // (and a key x has twice is listed once).
  if (keys === null) any.push(x);
  else for (let i = 0; i < keys.length; i++) {
    const list = byKey[keys[i]!];
    if (list === undefined) byKey[keys[i]!] = [x];
    else if (list[list.length - 1] !== x) list.push(x);
  }
}

function remove<T extends Keyed>(byKey: ByKey<T>, any: T[], x: T): void {
  const keys = x.matchKeys;
  if (keys === null) removeFrom(any, x);
  else for (const key of keys) {
    const list = byKey[key];
    if (list !== undefined) removeFrom(list, x);
  }
}

function removeFrom<T>(list: T[], x: T): void {
  const i = list.indexOf(x);
  if (i >= 0) list.splice(i, 1);
}

// The entries under `keys` and the ones that match anything, in klist order, each once.
function gather<T extends Keyed>(keys: readonly number[], byKey: ByKey<T>, any: readonly T[]): readonly T[] {
  let out: T[] | null = null;
  let lists = 0;
  for (let i = 0; i < keys.length; i++) {
    const list = byKey[keys[i]!];
    if (list === undefined || list.length === 0) continue;
    out = lists === 0 ? list.slice() : out!.concat(list);
    lists++;
  }
  if (any.length > 0) {
    out = lists === 0 ? any.slice() : out!.concat(any);
    lists++;
  }
  if (out === null) return NONE;
  if (lists > 1) {
    out.sort(bySeq);
    let n = 0;
    for (let i = 0; i < out.length; i++) if (n === 0 || out[n - 1] !== out[i]) out[n++] = out[i]!;
    out.length = n;
  }
  return out;
}

function bySeq(a: Keyed, b: Keyed): number {
  return a.busSeq - b.busSeq;
}
