import { cached, type Fwnode } from '@kdsim/core';
import { PciError } from './errors.js';
import { PCI_ACS, PCI_CLASS_BRIDGE_PCI, PCI_DEVFN, PCI_EXP_TYPE, PCI_FUNC, PCI_HEADER_TYPE, PCI_SLOT, type PciAcsFlagName, type PciExpType } from './regs.js';

/** PCIe device/port types as a device list names them. */
export const PCIE_TYPE_NAMES = {
  'endpoint': PCI_EXP_TYPE.ENDPOINT,
  'legacy-endpoint': PCI_EXP_TYPE.LEG_END,
  'root-port': PCI_EXP_TYPE.ROOT_PORT,
  'upstream-port': PCI_EXP_TYPE.UPSTREAM,
  'downstream-port': PCI_EXP_TYPE.DOWNSTREAM,
  'pcie-to-pci-bridge': PCI_EXP_TYPE.PCI_BRIDGE,
  'pci-to-pcie-bridge': PCI_EXP_TYPE.PCIE_BRIDGE,
  'rc-integrated-endpoint': PCI_EXP_TYPE.RC_END,
  'rc-event-collector': PCI_EXP_TYPE.RC_EC,
} as const;

/** A PCIe type name (`root-port`, `endpoint`, ...). */
export type PcieTypeName = keyof typeof PCIE_TYPE_NAMES;

/**
 * One PCI function as a scenario lists it, e.g.
 * `{ bdf: '00:05.0', id: '1b36:000c', class: '0x060400', pcie: 'root-port', bridge: { secondary: 1 } }`.
 */
export interface PciDeviceEntry {
  /** `BB:DD.F` or `DDDD:BB:DD.F` (the domain must be the host bridge's). */
  readonly bdf: string;
  /** `vendor:device` in hex (`1af4:1041`). */
  readonly id: string;
  /** Subsystem `vendor:device` in hex; default `0000:0000` (virtio-pci transitional devices need it). */
  readonly subsystem?: string;
  /** The 24-bit class code: `0x060400` or a number. */
  readonly class: string | number;
  /** Revision ID (default 0). */
  readonly revision?: number;
  /** Header layout; default from the class (0x0604xx/0x0609xx bridge, 0x0607xx CardBus, else normal). */
  readonly header?: 'normal' | 'bridge' | 'cardbus';
  /** PCIe device/port type; absent for a conventional PCI function. */
  readonly pcie?: PcieTypeName;
  /** Header bit 7 (function 0 of a slot with more functions must set it). */
  readonly multifunction?: boolean;
  /**
   * For a bridge: the bus below it. `configured: false` (default true) means
   * firmware left the bridge unprogrammed and Linux numbers the bus itself
   * in its second pass; `secondary` must then be the number Linux assigns.
   */
  readonly bridge?: { readonly secondary: number; readonly subordinate?: number; readonly configured?: boolean };
  /** ACS capability bits the function advertises; absent means no ACS capability. */
  readonly acs?: readonly PciAcsFlagName[];
  /** ACS control bits firmware left enabled (default none). */
  readonly acsCtrl?: readonly PciAcsFlagName[];
  /** Quirk DMA aliases on the same bus, as `DD.F` or devfn numbers (pci_add_dma_alias()). */
  readonly aliases?: readonly (string | number)[];
  /** PCIe "Enable No Snoop" set. */
  readonly noSnoop?: boolean;
  /** ACPI namespace path of the function's companion (a DSDT device with its _ADR), on ACPI machines. */
  readonly acpiPath?: string;
  /** Quirk flags. */
  readonly quirks?: { readonly bridgeXlateRoot?: boolean; readonly pcieBridgeAlias?: boolean };
  /** Capabilities port services and hotplug drivers look for (default none). */
  readonly caps?: PciCaps;
  /**
   * For a bridge on an ACPI machine: the firmware's namespace describes hot-pluggable slots
   * below it (QEMU's q35 DSDT does for a conventional PCI bus), so acpiphp registers them when
   * the bus is added, before any driver probes the bridge (default false).
   */
  readonly acpiHotplug?: boolean;
}

/** Optional capabilities of a function that drivers check. */
export interface PciCaps {
  /** A hot-plug capable slot below this port (PCI_EXP_SLTCAP_HPC: is_hotplug_bridge). */
  readonly hotplug?: boolean;
  /** AER extended capability. */
  readonly aer?: boolean;
  /** DPC extended capability. */
  readonly dpc?: boolean;
  /** Link Bandwidth Notification (PCI_EXP_LNKCAP_LBNC). */
  readonly linkBandwidthNotification?: boolean;
  /** Standard Hot-Plug Controller capability (shpchp). */
  readonly shpc?: boolean;
}

/** What firmware lets the OS control natively (_OSC on ACPI; everything on DT). */
export interface PciHostNative {
  /** PCIe native hot-plug. */
  readonly hotplug?: boolean;
  /** SHPC hot-plug. */
  readonly shpcHotplug?: boolean;
  /** AER. */
  readonly aer?: boolean;
  /** PME. */
  readonly pme?: boolean;
}

/**
 * What config space (and quirks) say about one function: the fields
 * pci_setup_device() and its quirks read, shared by the validated device list
 * ({@link PciFunctionSpec}) and a live `PciDevice`.
 */
export interface PciFunctionConfig {
  /** PCI_DEVFN(slot, function). */
  readonly devfn: number;
  /** Vendor ID. */
  readonly vendor: number;
  /** Device ID. */
  readonly device: number;
  /** Subsystem vendor ID. */
  readonly subsystemVendor: number;
  /** Subsystem device ID. */
  readonly subsystemDevice: number;
  /** The 24-bit class code (base, sub-class, prog-if). */
  readonly classCode: number;
  /** Revision ID. */
  readonly revision: number;
  /** Header type (0 normal, 1 bridge, 2 CardBus), multifunction bit masked. */
  readonly hdrType: number;
  /** Header type bit 7. */
  readonly multifunction: boolean;
  /** The PCIe capability's device/port type, or null for a conventional PCI function. */
  readonly pcieType: PciExpType | null;
  /** ACS capability bits (0 and `hasAcsCap` false when the function has no ACS capability). */
  readonly acsCap: number;
  /** The function has an ACS extended capability (dev->acs_cap != 0). */
  readonly hasAcsCap: boolean;
  /** ACS control bits as firmware left them. */
  readonly acsCtrl: number;
  /** Quirk DMA alias devfns on the same bus (pci_add_dma_alias()). */
  readonly dmaAliases: readonly number[];
  /** PCIe Device Control "Enable No Snoop". */
  readonly noSnoop: boolean;
  /** PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT quirk: DMA alias walks stop at this bridge. */
  readonly bridgeXlateRoot: boolean;
  /** PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS quirk: a conventional bridge that aliases like a PCIe-to-PCI bridge. */
  readonly pcieBridgeAlias: boolean;
}

/** Capabilities a function has when a device list names none. */
export const NO_PCI_CAPS: Required<PciCaps> = Object.freeze({ hotplug: false, aer: false, dpc: false, linkBandwidthNotification: false, shpc: false });

/** One function after validation: numbers instead of strings. */
export interface PciFunctionSpec extends PciFunctionConfig {
  /** `devices[3] (00:05.0)`, for messages. */
  readonly label: string;
  /** Bus number. */
  readonly busNr: number;
  /** Bridge numbering, for bridges (subordinate: as listed, or for a configured bridge the highest bus below it). */
  readonly bridge: { readonly secondary: number; readonly subordinate: number | null; readonly configured: boolean } | null;
  /** Capabilities. */
  readonly caps: Required<PciCaps>;
  /** ACPI companion path, or null. */
  readonly acpiPath: string | null;
  /** acpiphp holds the slots below this bridge ({@link PciDeviceEntry.acpiHotplug}). */
  readonly acpiHotplug: boolean;
}

/** One host bridge of a machine as a scenario lists it. */
export interface PciHostEntry {
  /** PCI domain (default 0). */
  readonly segment?: number;
  /** Root bus number (default 0). */
  readonly busStart?: number;
  /**
   * The firmware node of the host bridge: the host controller's DT node (a
   * `pci-host-ecam-generic` node) or its ACPI companion (`PNP0A08`). Null: none.
   */
  readonly fwnode?: Fwnode | null;
  /** The functions behind it. */
  readonly devices: readonly PciDeviceEntry[];
  /** Services firmware lets the OS control (default: all). */
  readonly native?: PciHostNative;
}

/** A validated host bridge: its functions by bus, each bus's list in devfn order. */
export interface PciHostSpec {
  /** PCI domain. */
  readonly segment: number;
  /** Root bus number. */
  readonly busStart: number;
  /** Host bridge firmware node. */
  readonly fwnode: Fwnode | null;
  /** Every function, in input order. */
  readonly functions: readonly PciFunctionSpec[];
  /** Functions per bus number, sorted by devfn. */
  readonly byBus: ReadonlyMap<number, readonly PciFunctionSpec[]>;
  /** Natively controlled services. */
  readonly native: Required<PciHostNative>;
}

const BDF_RE = /^(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/;
const ID_RE = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$/;
const DEVFN_RE = /^([0-9a-fA-F]{2})\.([0-7])$/;

/** Validates one host bridge's device list (throws {@link PciError} naming the entry and field). */
export function parsePciHost(host: PciHostEntry): PciHostSpec {
  const segment = host.segment ?? 0;
  const busStart = host.busStart ?? 0;
  if (!Number.isInteger(segment) || segment < 0 || segment > 0xffff) throw new PciError('badField', { entry: 'host', field: 'segment', message: `expected 0..0xffff, got ${String(segment)}` });
  if (!Number.isInteger(busStart) || busStart < 0 || busStart > 0xff) throw new PciError('badField', { entry: 'host', field: 'busStart', message: `expected 0..0xff, got ${String(busStart)}` });
  const functions = withFirmwareSubordinates(host.devices.map((e, i) => parseEntry(e, i, segment)));
  const byBus = new Map<number, PciFunctionSpec[]>();
  const seen = new Map<number, string>();
  for (const f of functions) {
    const key = (f.busNr << 8) | f.devfn;
    const prev = seen.get(key);
    if (prev !== undefined) throw new PciError('duplicate', { entry: f.label, field: 'bdf', message: `the same function as ${prev}` });
    seen.set(key, f.label);
    let list = byBus.get(f.busNr);
    if (list === undefined) byBus.set(f.busNr, (list = []));
    list.push(f);
  }
  for (const list of byBus.values()) list.sort((a, b) => a.devfn - b.devfn);
  const native = { hotplug: true, shpcHotplug: true, aer: true, pme: true, ...host.native };
  const spec: PciHostSpec = { segment, busStart, fwnode: host.fwnode ?? null, functions, byBus, native };
  checkTopology(spec);
  return spec;
}

// A bridge firmware configured without a listed subordinate gets what firmware programs:
// the highest bus number below it.
function withFirmwareSubordinates(functions: PciFunctionSpec[]): PciFunctionSpec[] {
  const bridgesOn = new Map<number, PciFunctionSpec[]>();
  for (const f of functions) if (f.bridge !== null) bridgesOn.set(f.busNr, [...(bridgesOn.get(f.busNr) ?? []), f]);
  const maxBelow = (bus: number): number => {
    let max = bus;
    for (const b of bridgesOn.get(bus) ?? []) max = Math.max(max, maxBelow(b.bridge!.secondary)); // secondary > bus: no cycles
    return max;
  };
  return functions.map((f) => (f.bridge !== null && f.bridge.configured && f.bridge.subordinate === null
    ? { ...f, bridge: { ...f.bridge, subordinate: maxBelow(f.bridge.secondary) } }
    : f));
}

function parseEntry(e: PciDeviceEntry, index: number, segment: number): PciFunctionSpec {
  const bdfText = typeof e.bdf === 'string' ? e.bdf : '';
  const label = `devices[${index}]${bdfText !== '' ? ` (${bdfText})` : ''}`;
  const bad = (field: string, message: string): PciError => new PciError('badField', { entry: label, field, message });
  const m = BDF_RE.exec(bdfText);
  if (m === null) throw bad('bdf', `expected 'BB:DD.F' or 'DDDD:BB:DD.F' in hex, got ${JSON.stringify(e.bdf)}`);
  if (m[1] !== undefined && parseInt(m[1], 16) !== segment) throw bad('bdf', `domain ${m[1]} is not the host bridge's ${segment.toString(16).padStart(4, '0')}`);
  const slot = parseInt(m[3]!, 16);
  if (slot > 0x1f) throw bad('bdf', `device number ${m[3]!} is above 1f`);
  const busNr = parseInt(m[2]!, 16);
  const devfn = PCI_DEVFN(slot, parseInt(m[4]!, 10));
  const ids = parseIdPair(e.id, 'id', bad);
  const sub = e.subsystem === undefined ? [0, 0] as const : parseIdPair(e.subsystem, 'subsystem', bad);
  const classCode = typeof e.class === 'number' ? e.class : /^0x[0-9a-fA-F]{1,6}$/.test(e.class) ? parseInt(e.class, 16) : NaN;
  if (!Number.isInteger(classCode) || classCode < 0 || classCode > 0xffffff) throw bad('class', `expected a 24-bit class code like '0x060400', got ${JSON.stringify(e.class)}`);
  const revision = e.revision ?? 0;
  if (!Number.isInteger(revision) || revision < 0 || revision > 0xff) throw bad('revision', `expected 0..0xff, got ${String(revision)}`);
  const hdrType = headerType(e.header, classCode, bad);
  let pcieType: PciExpType | null = null;
  if (e.pcie !== undefined) {
    if (!Object.hasOwn(PCIE_TYPE_NAMES, e.pcie)) throw bad('pcie', `expected one of ${Object.keys(PCIE_TYPE_NAMES).join(', ')}, got ${JSON.stringify(e.pcie)}`);
    pcieType = PCIE_TYPE_NAMES[e.pcie];
  }
  let bridge: PciFunctionSpec['bridge'] = null;
  if (hdrType === PCI_HEADER_TYPE.BRIDGE) {
    if (e.bridge === undefined) throw new PciError('missingField', { entry: label, field: 'bridge', message: 'a bridge needs { secondary } (the bus number below it)' });
    const { secondary, subordinate } = e.bridge;
    if (!Number.isInteger(secondary) || secondary <= busNr || secondary > 0xff) throw bad('bridge.secondary', `expected a bus number above ${busNr} and at most 0xff, got ${String(secondary)}`);
    if (subordinate !== undefined && (!Number.isInteger(subordinate) || subordinate < secondary || subordinate > 0xff)) throw bad('bridge.subordinate', `expected ${secondary}..0xff, got ${String(subordinate)}`);
    bridge = { secondary, subordinate: subordinate ?? null, configured: e.bridge.configured ?? true };
  } else if (e.bridge !== undefined) {
    throw bad('bridge', 'only a function with a bridge header (class 0x0604xx or header: \'bridge\') has a secondary bus');
  }
  const acsCap = acsBits(e.acs, 'acs', bad);
  const acsCtrl = acsBits(e.acsCtrl, 'acsCtrl', bad);
  const dmaAliases = (e.aliases ?? []).map((a, i) => parseDevfn(a, `aliases[${i}]`, bad));
  if (e.acpiHotplug !== undefined && typeof e.acpiHotplug !== 'boolean') throw bad('acpiHotplug', `expected true or false, got ${JSON.stringify(e.acpiHotplug)}`);
  if (e.acpiHotplug === true && bridge === null) throw bad('acpiHotplug', 'only a bridge has slots below it');
  return {
    label, busNr, devfn, vendor: ids[0], device: ids[1], subsystemVendor: sub[0], subsystemDevice: sub[1], classCode, revision, hdrType,
    multifunction: e.multifunction ?? false, pcieType, bridge, acsCap, hasAcsCap: e.acs !== undefined, acsCtrl: acsCtrl & acsCap, dmaAliases,
    noSnoop: e.noSnoop ?? false, bridgeXlateRoot: e.quirks?.bridgeXlateRoot ?? false, pcieBridgeAlias: e.quirks?.pcieBridgeAlias ?? false,
    caps: { ...NO_PCI_CAPS, ...e.caps },
    acpiPath: acpiPathOf(e.acpiPath, bad),
    acpiHotplug: e.acpiHotplug ?? false,
  };
}

type Bad = (field: string, message: string) => PciError;

function acpiPathOf(path: unknown, bad: Bad): string | null {
  if (path === undefined) return null;
  if (typeof path !== 'string' || !/^\\?[A-Za-z_][A-Za-z0-9_]{0,3}(\.[A-Za-z_][A-Za-z0-9_]{0,3})*$/.test(path)) {
    throw bad('acpiPath', `expected an ACPI namespace path like '\\_SB_.PCI0.S10', got ${JSON.stringify(path)}`);
  }
  return path;
}

function parseIdPair(text: unknown, field: string, bad: Bad): readonly [number, number] {
  const m = typeof text === 'string' ? ID_RE.exec(text) : null;
  if (m === null) throw bad(field, `expected 'vvvv:dddd' in hex, got ${JSON.stringify(text)}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16)];
}

function headerType(header: PciDeviceEntry['header'], classCode: number, bad: Bad): number {
  switch (header) {
    case undefined: {
      const cls = classCode >> 8;
      if (cls === PCI_CLASS_BRIDGE_PCI || cls === 0x0609) return PCI_HEADER_TYPE.BRIDGE;
      return cls === 0x0607 ? PCI_HEADER_TYPE.CARDBUS : PCI_HEADER_TYPE.NORMAL;
    }
    case 'normal': return PCI_HEADER_TYPE.NORMAL;
    case 'bridge': return PCI_HEADER_TYPE.BRIDGE;
    case 'cardbus': return PCI_HEADER_TYPE.CARDBUS;
    default: throw bad('header', `expected 'normal', 'bridge' or 'cardbus', got ${JSON.stringify(header)}`);
  }
}

function acsBits(names: readonly PciAcsFlagName[] | undefined, field: string, bad: Bad): number {
  let bits = 0;
  for (const [i, n] of (names ?? []).entries()) {
    if (!Object.hasOwn(PCI_ACS, n)) throw bad(`${field}[${i}]`, `expected one of ${Object.keys(PCI_ACS).join(', ')}, got ${JSON.stringify(n)}`);
    bits |= PCI_ACS[n];
  }
  return bits;
}

function parseDevfn(a: string | number, field: string, bad: Bad): number {
  if (typeof a === 'number') {
    if (Number.isInteger(a) && a >= 0 && a <= 0xff) return a;
  } else {
    const m = DEVFN_RE.exec(a);
    if (m !== null && parseInt(m[1]!, 16) <= 0x1f) return PCI_DEVFN(parseInt(m[1]!, 16), parseInt(m[2]!, 10));
  }
  throw bad(field, `expected a devfn 0..0xff or 'DD.F', got ${JSON.stringify(a)}`);
}

/** One step of Linux's scan of a host bridge, in the order it happens. */
export type PciScanStep =
  | { readonly kind: 'function'; readonly fn: PciFunctionSpec; readonly multifunction: boolean }
  | { readonly kind: 'invalid-bridge'; readonly bridge: PciFunctionSpec }
  | { readonly kind: 'child-bus'; readonly bridge: PciFunctionSpec; readonly number: number }
  | { readonly kind: 'end-bus'; readonly number: number; readonly subordinate: number };

/**
 * probe.c: the order pci_scan_child_bus_extend() finds things in, for one
 * host bridge: every slot of a bus in devfn order (function 0 first; more
 * functions only when function 0 is multifunction — pci_scan_slot(),
 * next_fn()), then the bridges found there, those firmware configured in a
 * first pass and the others in a second pass that numbers their buses
 * max + 1 (pci_scan_bridge_extend()), each bridge's bus scanned depth first.
 * `end-bus` carries the bus's final subordinate number.
 */
export function* pciScanOrder(host: PciHostSpec): Generator<PciScanStep, number> {
  return yield* scanBus(host, host.busStart);
}

/**
 * {@link pciScanOrder} as a list, made once per host: a host's spec is read-only, and
 * every kernel that boots it scans it in the same order.
 */
export function pciScanSteps(host: PciHostSpec): readonly PciScanStep[] {
  return cached(SCAN_STEPS, host, (h) => Object.freeze([...pciScanOrder(h)]));
}

const SCAN_STEPS = new WeakMap<PciHostSpec, readonly PciScanStep[]>();

function* scanBus(host: PciHostSpec, busNr: number): Generator<PciScanStep, number> {
  let max = busNr;
  const found: PciFunctionSpec[] = [];
  const list = host.byBus.get(busNr) ?? [];
  for (let slot = 0; slot < 32; slot++) {
    const fns = list.filter((f) => PCI_SLOT(f.devfn) === slot);
    const fn0 = fns.find((f) => PCI_FUNC(f.devfn) === 0);
    if (fn0 === undefined) continue;
    for (const f of fns) {
      if (f !== fn0 && !fn0.multifunction) break;
      found.push(f);
      yield { kind: 'function', fn: f, multifunction: f === fn0 ? f.multifunction : true };
    }
  }
  const bridges = found.filter((f) => f.bridge !== null);
  for (const pass of [0, 1]) {
    for (const br of bridges) {
      const b = br.bridge!;
      if (b.configured && pass === 0) {
        yield { kind: 'child-bus', bridge: br, number: b.secondary };
        const cmax = yield* scanBus(host, b.secondary);
        max = Math.max(max, cmax, b.subordinate ?? cmax);
      } else if (!b.configured) {
        if (pass === 0) {
          yield { kind: 'invalid-bridge', bridge: br };
          continue;
        }
        const n = max + 1;
        yield { kind: 'child-bus', bridge: br, number: n };
        max = yield* scanBus(host, b.secondary);
      }
    }
  }
  yield { kind: 'end-bus', number: busNr, subordinate: max };
  return max;
}

// Every listed function must be one Linux finds, and every bus Linux numbers must be the one listed.
function checkTopology(host: PciHostSpec): void {
  const reached = new Set<PciFunctionSpec>();
  const busOwner = new Map<number, string>();
  for (const f of host.functions) {
    if (f.bridge === null) continue;
    const prev = busOwner.get(f.bridge.secondary);
    if (prev !== undefined) throw new PciError('topology', { entry: f.label, field: 'bridge.secondary', message: `bus ${hex2(f.bridge.secondary)} is already below ${prev}` });
    busOwner.set(f.bridge.secondary, f.label);
  }
  for (const step of pciScanOrder(host)) {
    if (step.kind === 'function') reached.add(step.fn);
    if (step.kind === 'child-bus' && step.number !== step.bridge.bridge!.secondary) {
      throw new PciError('topology', {
        entry: step.bridge.label, field: 'bridge.secondary',
        message: `firmware left this bridge unconfigured, so Linux numbers its bus ${hex2(step.number)}, not ${hex2(step.bridge.bridge!.secondary)}`,
      });
    }
  }
  for (const f of host.functions) {
    if (reached.has(f)) continue;
    const why = f.busNr !== host.busStart && !busOwner.has(f.busNr)
      ? `no bridge has bus ${hex2(f.busNr)} as its secondary bus`
      : PCI_FUNC(f.devfn) !== 0 && !host.functions.some((g) => g.busNr === f.busNr && g.devfn === PCI_DEVFN(PCI_SLOT(f.devfn), 0))
        ? 'function 0 of its slot is missing, so Linux does not scan the slot\'s other functions'
        : PCI_FUNC(f.devfn) !== 0
          ? 'function 0 of its slot is not multifunction, so Linux does not scan other functions'
          : 'the bridge above it is not reachable from the root bus';
    throw new PciError('topology', { entry: f.label, field: 'bdf', message: why });
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
