import { Errno, LogLevel, type Device, type Fwnode, type Kernel } from '@kdsim/core';
import { AcpiDeviceFwnode, OfNode, ofPciFindChildDevice } from '@kdsim/firmware';
import { pciEnableAcs } from './acs.js';
import type { PciBus } from './bus.js';
import { PciBusNode, PciDevice, PciHostBridge } from './device.js';
import { pciScanSteps, type PciFunctionSpec, type PciHostSpec } from './input.js';
import { pciTypeStr } from './regs.js';

/**
 * probe.c: pci_scan_root_bus_bridge() — registers the host bridge device
 * (`pci0000:00`, under `parent` when the host controller is a platform
 * device) and its root bus, then scans it as Linux does (see
 * {@link pciScanOrder}), device_add()ing each function as found
 * (pci_device_add(); drivers cannot match yet) and each bridge's bus.
 * Call {@link pciBusAddDevices} afterwards to let drivers bind.
 */
export function pciScanRootBus(k: Kernel, pci: PciBus, host: PciHostSpec, parent: Device | null): PciHostBridge {
  const bridge = new PciHostBridge(host.segment, host.busStart, parent, host.fwnode);
  bridge.native = host.native;
  k.deviceAdd(bridge);
  const root = new PciBusNode(bridge, host.busStart, null, null);
  bridge.rootBus = root;
  addBusClassDevice(k, root, bridge);
  // probe.c: pci_register_host_bridge()
  const text = `PCI host bridge to bus ${root.name}`;
  if (parent !== null) k.devPrintk(parent, LogLevel.INFO, text);
  else k.printk(LogLevel.INFO, text);

  const buses = new Map<number, PciBusNode>([[root.number, root]]);
  const devices = new Map<PciFunctionSpec, PciDevice>();
  for (const step of pciScanSteps(host)) {
    switch (step.kind) {
      case 'function': {
        const bus = buses.get(step.fn.busNr)!;
        devices.set(step.fn, pciDeviceAdd(k, pci, bus, step.fn, step.multifunction));
        break;
      }
      case 'invalid-bridge': {
        const dev = devices.get(step.bridge)!;
        k.devPrintk(dev, LogLevel.INFO, 'bridge configuration invalid ([bus 00-00]), reconfiguring');
        break;
      }
      case 'child-bus': {
        // probe.c: pci_add_new_bus() registers the child bus before scanning it.
        const self = devices.get(step.bridge)!;
        const child = new PciBusNode(bridge, step.number, self.pciBus, self);
        self.pciBus.children.push(child);
        self.subordinate = child;
        buses.set(step.number, child);
        addBusClassDevice(k, child, self);
        break;
      }
      case 'end-bus':
        buses.get(step.number)!.subordinate = step.subordinate;
        break;
    }
  }
  return bridge;
}

function addBusClassDevice(k: Kernel, bus: PciBusNode, parent: Device): void {
  const dev = k.deviceCreate({ name: bus.name, bus: null, parent, className: 'pci_bus' });
  bus.classDev = dev;
  k.deviceAdd(dev);
}

// The DT node of a bus (pci_set_bus_of_node()): the host controller's node for a
// root bus, the bridge's own node for a child bus.
function busOfNode(bus: PciBusNode): OfNode | null {
  const node: Fwnode | null = bus.self !== null ? bus.self.fwnode : bus.host.parent?.fwnode ?? null;
  return node instanceof OfNode ? node : null;
}

/**
 * probe.c: pci_setup_device() + pci_device_add(): the enumeration line,
 * the DT node (pci_set_of_node()), ACS (pci_acs_init()), device_add() with
 * match_driver still false.
 */
function pciDeviceAdd(k: Kernel, pci: PciBus, bus: PciBusNode, fn: PciFunctionSpec, multifunction: boolean): PciDevice {
  const parentNode = busOfNode(bus);
  const dev = new PciDevice(fn, {
    busType: pci, pciBus: bus, multifunction,
    // pci_set_of_node() on DT; acpi_pci_find_companion() (the _ADR device) on ACPI
    fwnode: parentNode !== null ? ofPciFindChildDevice(parentNode, fn.devfn) : fn.acpiPath !== null ? new AcpiDeviceFwnode(fn.acpiPath, bus.host.fwnode) : null,
  });
  k.devPrintk(dev, LogLevel.INFO, `[${dev.idString}] type ${hex(dev.hdrType, 2)} class 0x${hex(dev.classCode, 6)} ${pciTypeStr(dev.pcieType, dev.hdrType)}`);
  if (fn.bridge !== null && fn.hdrType === 1) {
    // probe.c: pci_read_bridge_bases() prints the bus range as config space holds it.
    const sec = fn.bridge.configured ? fn.bridge.secondary : 0;
    const sub = fn.bridge.configured ? fn.bridge.subordinate ?? sec : 0;
    k.devPrintk(dev, LogLevel.INFO, `PCI bridge to [bus ${hex(sec, 2)}${sub !== sec ? `-${hex(sub, 2)}` : ''}]`);
  }
  pciEnableAcs(dev, pci.acs);
  bus.devices.push(dev);
  k.deviceAdd(dev);
  return dev;
}

/**
 * bus.c: pci_bus_add_devices() — lets drivers match every function of `bus`
 * (pci_bus_add_device(): match_driver set unless its DT node is disabled,
 * then device_attach()), then recurses into the buses of its bridges.
 */
export function pciBusAddDevices(k: Kernel, bus: PciBusNode): void {
  for (const dev of bus.devices) {
    if (dev.added) continue;
    const dn = dev.fwnode;
    dev.matchDriver = dn === null || dn.isAvailable();
    const ret = k.deviceAttach(dev);
    if (ret < 0 && ret !== -Errno.EPROBE_DEFER) k.devPrintk(dev, LogLevel.WARNING, `device attach failed (${ret})`);
    dev.added = true;
  }
  for (const dev of bus.devices) {
    if (dev.added && dev.subordinate !== null) pciBusAddDevices(k, dev.subordinate);
  }
}

/**
 * pci_host_probe(): scan a host bridge and add its devices; returns the
 * host bridge device.
 */
export function pciHostProbe(k: Kernel, pci: PciBus, host: PciHostSpec, parent: Device | null): PciHostBridge {
  const bridge = pciScanRootBus(k, pci, host, parent);
  pciBusAddDevices(k, bridge.rootBus!);
  return bridge;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}
