import { Device, type BusType, type Fwnode } from '@kdsim/core';
import { NO_PCI_CAPS, type PciCaps, type PciFunctionConfig, type PciHostNative } from './input.js';
import { PCI_FUNC, PCI_SLOT, type PciExpType } from './regs.js';

/**
 * The PCI host bridge device (struct pci_host_bridge), named `pci0000:00`:
 * parent of the root bus's functions. On a DT machine its parent is the host
 * controller's platform device (`4010000000.pcie`); on ACPI it has no parent
 * and its fwnode is the ACPI companion (`PNP0A08:00`).
 */
export class PciHostBridge extends Device {
  /** The root bus, set when it is created. */
  rootBus: PciBusNode | null = null;

  /** Services the OS controls natively (host->native_pcie_hotplug, native_aer, ...). */
  native: Required<PciHostNative> = { hotplug: true, shpcHotplug: true, aer: true, pme: true };

  /** A host bridge for PCI domain `segment` whose root bus is `busStart`. */
  constructor(readonly segment: number, readonly busStart: number, parent: Device | null, fwnode: Fwnode | null) {
    super({ name: `pci${hex(segment, 4)}:${hex(busStart, 2)}`, bus: null, parent, fwnode });
  }

  /**
   * The firmware node pci_dma_configure() configures the bridge's functions
   * from: the host controller's DT node (bridge->parent->of_node) when there
   * is one, else the bridge's own (ACPI) companion; null when neither.
   */
  get dmaFwnode(): Fwnode | null {
    const parentNode = this.parent?.fwnode ?? null;
    if (parentNode !== null && parentNode.type === 'of') return parentNode;
    return this.fwnode;
  }
}

/**
 * struct pci_bus: one bus number of a PCI domain, with the bridge above it
 * (`self`, null for a root bus) and the functions found on it in devfn order.
 * Its class device (`0000:01`, class `pci_bus`) is what sysfs shows.
 */
export class PciBusNode {
  /** Functions on this bus (bus->devices), in scan (devfn) order. */
  readonly devices: PciDevice[] = [];
  /** Buses directly below (bus->children). */
  readonly children: PciBusNode[] = [];
  /** The bus's class device `DDDD:BB`, once added. */
  classDev: Device | null = null;
  /** busn_res end: the highest bus number below this one. */
  subordinate: number;

  /** Bus `number` of `host`, under `parent` through bridge `self` (both null for the root bus). */
  constructor(readonly host: PciHostBridge, readonly number: number, readonly parent: PciBusNode | null, readonly self: PciDevice | null) {
    this.subordinate = number;
  }

  /** The PCI domain (pci_domain_nr()). */
  get segment(): number {
    return this.host.segment;
  }

  /** `0000:01`, the pci_bus class device name. */
  get name(): string {
    return `${hex(this.segment, 4)}:${hex(this.number, 2)}`;
  }
}

/** Where a {@link PciDevice} sits, as the scan found it. */
export interface PciDevicePlace {
  /** The bus type (pci_bus_type). */
  readonly busType: BusType;
  /** The bus the function sits on. */
  readonly pciBus: PciBusNode;
  /** The DT node drivers/pci/of.c gave it, or its ACPI companion, or null. */
  readonly fwnode: Fwnode | null;
  /** The header says more functions share its slot (overrides the config's). */
  readonly multifunction: boolean;
}

/**
 * struct pci_dev: one PCI function, named `0000:00:02.0`, with its IDs,
 * class, header and PCIe port type, ACS capability/control, quirk DMA
 * aliases and topology (its bus, and for a bridge the bus below it).
 */
export class PciDevice extends Device implements PciFunctionConfig {
  /** The bus the function sits on (pdev->bus). */
  readonly pciBus: PciBusNode;
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
  /** The 24-bit class code. */
  readonly classCode: number;
  /** Revision ID. */
  readonly revision: number;
  /** Header type (0 normal, 1 bridge, 2 CardBus), multifunction bit masked. */
  readonly hdrType: number;
  /** dev->multifunction: header bit 7, or set by pci_scan_slot() for functions > 0. */
  multifunction: boolean;
  /** pci_pcie_type(), or null when pci_is_pcie() is false. */
  readonly pcieType: PciExpType | null;
  /** ACS capability bits. */
  readonly acsCap: number;
  /** dev->acs_cap != 0. */
  readonly hasAcsCap: boolean;
  /** ACS control bits now (pci_enable_acs() adds to what firmware left). */
  acsCtrl: number;
  /** Quirk DMA alias devfns (dev->dma_alias_mask), kept sorted as the bitmap iterates. */
  readonly dmaAliases: number[];
  /** PCIe "Enable No Snoop" (a scenario may set it; VFIO reads it). */
  noSnoop: boolean;
  /** PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT */
  readonly bridgeXlateRoot: boolean;
  /** PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS */
  readonly pcieBridgeAlias: boolean;
  /** Capabilities drivers check. */
  readonly caps: Required<PciCaps>;
  /** For a bridge: acpiphp registered the hot-plug slots below it (firmware describes them). */
  readonly acpiHotplug: boolean;
  /** For a bridge: the bus below it (dev->subordinate), once scanned. */
  subordinate: PciBusNode | null = null;
  /** dev->match_driver: false from pci_device_add() until pci_bus_add_device(). */
  matchDriver = false;
  /** pci_dev_is_added() */
  added = false;

  /** A function from its config-space fields; `pciDeviceAdd` (scan) registers it. */
  constructor(init: PciFunctionConfig & { readonly caps?: Required<PciCaps>; readonly acpiHotplug?: boolean }, place: PciDevicePlace) {
    const bus = place.pciBus;
    super({
      name: pciName(bus.segment, bus.number, init.devfn),
      bus: place.busType,
      parent: bus.self ?? bus.host,
      fwnode: place.fwnode,
    });
    this.pciBus = bus;
    this.devfn = init.devfn;
    this.vendor = init.vendor;
    this.device = init.device;
    this.subsystemVendor = init.subsystemVendor;
    this.subsystemDevice = init.subsystemDevice;
    this.classCode = init.classCode;
    this.revision = init.revision;
    this.hdrType = init.hdrType;
    this.multifunction = place.multifunction;
    this.pcieType = init.pcieType;
    this.acsCap = init.acsCap;
    this.hasAcsCap = init.hasAcsCap;
    this.acsCtrl = init.acsCtrl;
    // Its own list: quirks add aliases to it.
    this.dmaAliases = init.dmaAliases.length === 0 ? [] : [...new Set(init.dmaAliases)].sort((a, b) => a - b);
    this.noSnoop = init.noSnoop;
    this.bridgeXlateRoot = init.bridgeXlateRoot;
    this.pcieBridgeAlias = init.pcieBridgeAlias;
    // Read-only: the scanned function's capabilities are shared, not copied.
    this.caps = init.caps ?? NO_PCI_CAPS;
    this.acpiHotplug = init.acpiHotplug ?? false;
  }

  /** pci_domain_nr() */
  get segment(): number {
    return this.pciBus.segment;
  }

  /** The bus number. */
  get busNr(): number {
    return this.pciBus.number;
  }

  /** PCI_SLOT(devfn) */
  get slot(): number {
    return PCI_SLOT(this.devfn);
  }

  /** PCI_FUNC(devfn) */
  get func(): number {
    return PCI_FUNC(this.devfn);
  }

  /** pci_dev_id(): the requester ID, bus << 8 | devfn. */
  get rid(): number {
    return (this.pciBus.number << 8) | this.devfn;
  }

  /** pci_is_pcie() */
  get isPcie(): boolean {
    return this.pcieType !== null;
  }

  /** pci_is_bridge(): a PCI-to-PCI or CardBus bridge header. */
  get isBridge(): boolean {
    return this.hdrType === 1 || this.hdrType === 2;
  }

  /** The host bridge above it (pci_find_host_bridge()). */
  get hostBridge(): PciHostBridge {
    return this.pciBus.host;
  }

  /** `vendor:device` as lspci -n prints it. */
  get idString(): string {
    return `${hex(this.vendor, 4)}:${hex(this.device, 4)}`;
  }
}

/** `0000:00:02.0` from a domain, bus number and devfn. */
export function pciName(segment: number, busNr: number, devfn: number): string {
  return `${hex(segment, 4)}:${hex(busNr, 2)}:${hex(PCI_SLOT(devfn), 2)}.${PCI_FUNC(devfn)}`;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}
