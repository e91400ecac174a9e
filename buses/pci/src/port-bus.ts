import { BusType, busDriverSpec, Device, type Driver, type DriverCoreOptions, type DriverSpec, type Kernel } from '@kdsim/core';
import type { PciDevice } from './device.js';
import { PCI_EXP_TYPE, type PciExpType } from './regs.js';

/** portdrv.h: PCIE_PORT_SERVICE_* bits, in the order port service devices are created. */
export const PCIE_PORT_SERVICE = { PME: 1 << 0, AER: 1 << 1, HP: 1 << 2, DPC: 1 << 3, BWNOTIF: 1 << 4 } as const;

/** portdrv.h: PCIE_PORT_DEVICE_MAXSERVICES */
export const PCIE_PORT_DEVICE_MAXSERVICES = 5;

/** A port service a driver handles on any port type (PCIE_ANY_PORT). */
export const PCIE_ANY_PORT = 'any';

/**
 * struct pcie_device: one service of a PCIe port on the `pci_express` bus,
 * named `<port>:pcieTSS` (port type relative to a root port, then the service bit).
 */
export class PcieServiceDevice extends Device {
  /** The port (pcie_device->port). */
  readonly port: PciDevice;
  /** The PCIE_PORT_SERVICE_* bit. */
  readonly service: number;

  /** The `service` device of `port` on `bus`. */
  constructor(bus: BusType, port: PciDevice, service: number) {
    super({ name: pcieServiceName(port, service), bus, parent: port, fwnode: null });
    this.port = port;
    this.service = service;
  }
}

/** portdrv.c: pcie_device_init() naming: `%s:pcie%03x` of get_descriptor_id(type, service) = ((type - ROOT_PORT) << 8) | service. */
export function pcieServiceName(port: PciDevice, service: number): string {
  const type = port.pcieType ?? PCI_EXP_TYPE.ROOT_PORT;
  const id = ((type - PCI_EXP_TYPE.ROOT_PORT) << 8) | service;
  return `${port.name}:pcie${(id >>> 0).toString(16).padStart(3, '0')}`;
}

/** What a port service driver is made of (struct pcie_port_service_driver). */
export interface PcieServiceDriverSpec extends DriverCoreOptions {
  /** Driver name (`pcie_pme`, `aer`, `pciehp`, `dpc`). */
  readonly name: string;
  /** The service it handles. */
  readonly service: number;
  /** The port type it handles, or {@link PCIE_ANY_PORT}. */
  readonly portType: PciExpType | typeof PCIE_ANY_PORT;
  /** probe() */
  readonly probe?: (dev: PcieServiceDevice) => number;
  /** remove() */
  readonly remove?: (dev: PcieServiceDevice) => void;
}

/** The port-service match data a driver carries. */
export class PcieServiceMatchTable {
  /** The spec. */
  constructor(readonly spec: PcieServiceDriverSpec) {}
}

/** pcie_port_service_register(): the core DriverSpec of a port service driver. */
export function pcieServiceDriver(bus: BusType, spec: PcieServiceDriverSpec): DriverSpec {
  return busDriverSpec(bus, spec, new PcieServiceMatchTable(spec), {
    probe: spec.probe ? (d: Device) => spec.probe!(d as PcieServiceDevice) : undefined,
    remove: spec.remove ? (d: Device) => spec.remove!(d as PcieServiceDevice) : undefined,
  });
}

/**
 * pcie_port_bus_type (`pci_express`, registered by pci_driver_init()): a
 * service driver matches a service device of its service on its port type.
 */
export class PciExpressBus extends BusType {
  /** `pci_express`. */
  readonly name = 'pci_express';

  // portdrv.c: pcie_port_bus_match()
  match(dev: Device, drv: Driver): number {
    const table = drv.spec.matchTable;
    if (!(dev instanceof PcieServiceDevice) || !(table instanceof PcieServiceMatchTable)) return 0;
    if (table.spec.service !== dev.service) return 0;
    return table.spec.portType === PCIE_ANY_PORT || table.spec.portType === dev.port.pcieType ? 1 : 0;
  }
}

/** portdrv.c: pcie_device_init() — register the `service` device of `port`. */
export function pcieDeviceInit(k: Kernel, bus: PciExpressBus, port: PciDevice, service: number): PcieServiceDevice {
  const dev = new PcieServiceDevice(bus, port, service);
  k.deviceAdd(dev);
  return dev;
}
