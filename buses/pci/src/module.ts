import { Kernel, KernelModule, type Device } from '@kdsim/core';
import { OfNode } from '@kdsim/firmware';
import { PciBus } from './bus.js';
import type { PciDevice, PciHostBridge } from './device.js';
import { parsePciHost, type PciHostEntry, type PciHostSpec } from './input.js';
import { pciHostProbe } from './scan.js';

/**
 * The machine's PCI hardware: its host bridges and the functions behind
 * each, validated. Bind one per kernel
 * (`c => c.bind(PciTopology).toConstantValue(new PciTopology([...]))`);
 * host-bridge drivers and the ACPI root scan read it.
 */
export class PciTopology {
  /** The host bridges in the order given. */
  readonly hosts: readonly PciHostSpec[];

  /** Validates `hosts` (throws a PciError naming the bad entry and field). */
  constructor(hosts: readonly PciHostEntry[]) {
    this.hosts = hosts.map((h) => parsePciHost(h));
  }

  /** The host bridge whose firmware node is `fwnode` (the DT host controller node), if any. */
  hostFor(fwnode: object): PciHostSpec | undefined {
    return this.hosts.find((h) => h.fwnode === fwnode);
  }
}

/** The PCI bus of kernel `k` (bound by {@link pciBusModule}). */
export function pciBusOf(k: Kernel): PciBus {
  return k.container.get(PciBus);
}

/**
 * pci.c: pci_request_acs() on kernel `k`: functions added from now on get
 * their ACS controls enabled.
 */
export function pciRequestAcs(k: Kernel): void {
  pciBusOf(k).acs.request();
}

/**
 * pci-driver.c: pci_driver_init() at postcore_initcall — binds the
 * {@link PciBus} service and registers `pci`. Built in on every machine with PCI.
 */
export const pciBusModule = new KernelModule('pci', {
  services: (options) => {
    options.bind(PciBus).toResolvedValue((k: Kernel) => new PciBus(k), [Kernel]).inSingletonScope();
  },
  initcalls: [{ level: 'postcore', name: 'pci_driver_init', fn: (k) => k.busRegister(pciBusOf(k)) }],
});

/**
 * drivers/acpi/pci_root.c: acpi_pci_root_add() for each host bridge that is
 * not a DT host controller, during acpi_init() (subsys_initcall): the root
 * bus is scanned and its devices added at once, with no parent device.
 * Built in on ACPI machines. Needs {@link PciTopology} bound.
 */
export const acpiPciRootModule = new KernelModule('acpi_pci_root', {
  initcalls: [{
    level: 'subsys',
    name: 'acpi_pci_root_init',
    fn: (k) => {
      if (!k.container.isBound(PciTopology)) return 0;
      const pci = pciBusOf(k);
      for (const host of k.container.get(PciTopology).hosts) {
        if (host.fwnode instanceof OfNode) continue;
        pciHostProbe(k, pci, host, null);
      }
      return 0;
    },
  }],
});

/**
 * pci-host-common.c: pci_host_common_probe() for a DT host controller
 * platform device: finds its host bridge in {@link PciTopology} by the
 * device's DT node and scans it; null when the topology has no host for it
 * (the caller fails the probe with -ENODEV).
 */
export function pciHostCommonProbe(k: Kernel, dev: Device): PciHostBridge | null {
  const topo = k.container.isBound(PciTopology) ? k.container.get(PciTopology) : null;
  const host = dev.fwnode !== null ? topo?.hostFor(dev.fwnode) : undefined;
  if (host === undefined) return null;
  return pciHostProbe(k, pciBusOf(k), host, dev);
}

/** pci_get_domain_bus_and_slot(): the added function at (segment, bus, devfn), or null. */
export function pciGetDomainBusAndSlot(pci: PciBus, segment: number, busNr: number, devfn: number): PciDevice | null {
  return pci.findFunction(segment, busNr, devfn);
}
