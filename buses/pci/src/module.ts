import { Kernel, KernelModule, type Device } from '@kdsim/core';
import { AcpiDeviceFwnode, OfNode } from '@kdsim/firmware';
import { PciBus } from './bus.js';
import { PciExpressBus } from './port-bus.js';
import type { PciDevice, PciHostBridge } from './device.js';
import { PciError } from './errors.js';
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
    // Two host bridges cannot own the same bus numbers of one PCI domain.
    this.hosts.forEach((h, i) => {
      const clash = this.hosts.findIndex((o, j) => j < i && o.segment === h.segment && o.busStart === h.busStart);
      if (clash >= 0) {
        throw new PciError('duplicate', {
          entry: `hosts[${i}]`, field: 'busStart',
          message: `domain ${h.segment.toString(16).padStart(4, '0')} bus ${h.busStart.toString(16).padStart(2, '0')} is already hosts[${clash}]'s root bus`,
        });
      }
    });
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
 * {@link PciBus} and {@link PciExpressBus} services and registers `pci` and
 * `pci_express`. Built in on every machine with PCI.
 */
export const pciBusModule = new KernelModule('pci', {
  services: (options) => {
    options.bind(PciBus).toResolvedValue((k: Kernel) => new PciBus(k), [Kernel]).inSingletonScope();
    options.bind(PciExpressBus).toResolvedValue(() => new PciExpressBus(), []).inSingletonScope();
  },
  initcalls: [{
    level: 'postcore',
    name: 'pci_driver_init',
    fn: (k) => {
      const r = k.busRegister(pciBusOf(k));
      // CONFIG_PCIEPORTBUS: pcie_port_bus_register()
      return r < 0 ? r : k.busRegister(k.container.get(PciExpressBus));
    },
  }],
});

/**
 * drivers/acpi/pci_root.c: acpi_pci_root_add() for each host bridge that is
 * not a DT host controller, during acpi_init() (subsys_initcall): the root
 * bus is scanned and its devices added at once, with no parent device.
 * Every ACPI root bridge is a namespace device, so a host listed without a
 * companion gets `\_SB_.PCI<segment>` (what pci_dma_configure() needs to
 * take the ACPI path). Built in on ACPI machines. Needs {@link PciTopology} bound.
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
        const companion = host.fwnode ?? new AcpiDeviceFwnode(`\\_SB_.PCI${host.segment.toString(16).toUpperCase()}`);
        pciHostProbe(k, pci, { ...host, fwnode: companion }, null);
      }
      return 0;
    },
  }],
});

/**
 * pci-host-common.c: pci_host_common_probe() for a DT host controller
 * platform device: finds its host bridge in {@link PciTopology} by the
 * device's DT node and scans it. A controller the topology does not list
 * has no functions behind it: its bridge is registered with an empty bus
 * (domain from `linux,pci-domain`, root bus from `bus-range`, as
 * of_get_pci_domain_nr() and of_pci_parse_bus_range() read them).
 */
export function pciHostCommonProbe(k: Kernel, dev: Device): PciHostBridge {
  const topo = k.container.isBound(PciTopology) ? k.container.get(PciTopology) : null;
  const np = dev.fwnode;
  const host = (np !== null ? topo?.hostFor(np) : undefined) ?? parsePciHost({
    segment: np instanceof OfNode ? np.readU32('linux,pci-domain') ?? 0 : 0,
    busStart: np instanceof OfNode ? np.readU32('bus-range') ?? 0 : 0,
    fwnode: np,
    devices: [],
  });
  return pciHostProbe(k, pciBusOf(k), host, dev);
}

/** pci_get_domain_bus_and_slot(): the added function at (segment, bus, devfn), or null. */
export function pciGetDomainBusAndSlot(pci: PciBus, segment: number, busNr: number, devfn: number): PciDevice | null {
  return pci.findFunction(segment, busNr, devfn);
}
