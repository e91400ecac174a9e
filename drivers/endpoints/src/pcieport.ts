import { Errno, KernelModule, LogLevel, type Kernel } from '@kdsim/core';
import {
  PCI_EXP_TYPE, PCIE_ANY_PORT, PCIE_PORT_DEVICE_MAXSERVICES, PCIE_PORT_SERVICE, PciExpressBus, pciBusOf, pciDriver,
  pcieDeviceInit, pcieServiceDriver, type PciDevice, type PcieServiceDevice,
} from '@kdsim/bus-pci';

/**
 * portdrv.c: get_port_device_capability() — the services a port gets:
 * pciehp on a hot-plug capable root/downstream port when the OS controls
 * hot-plug, AER on a root port (or RCEC) with the AER capability under
 * native AER (before v6.2 on any port with it: "PCI/portdrv: Allow AER
 * service only for Root Ports & RCECs"), PME on root ports and RCECs under
 * native PME, DPC with the DPC capability when AER is granted, bandwidth
 * notification on root and downstream ports whose link reports LBNC.
 */
export function portDeviceCapability(k: Kernel, dev: PciDevice): number {
  const native = dev.hostBridge.native;
  const type = dev.pcieType;
  const rootLike = isRootLike(dev);
  let services = 0;
  if (dev.caps.hotplug && (type === PCI_EXP_TYPE.ROOT_PORT || type === PCI_EXP_TYPE.DOWNSTREAM) && native.hotplug) services |= PCIE_PORT_SERVICE.HP;
  if ((rootLike || !k.profile.atLeast(6, 2)) && dev.caps.aer && native.aer) services |= PCIE_PORT_SERVICE.AER;
  if (rootLike && native.pme) services |= PCIE_PORT_SERVICE.PME;
  if (dev.caps.dpc && (services & PCIE_PORT_SERVICE.AER) !== 0) services |= PCIE_PORT_SERVICE.DPC;
  if ((type === PCI_EXP_TYPE.DOWNSTREAM || type === PCI_EXP_TYPE.ROOT_PORT) && dev.caps.linkBandwidthNotification) services |= PCIE_PORT_SERVICE.BWNOTIF;
  return services;
}

// A Root Port or a Root Complex Event Collector.
function isRootLike(dev: PciDevice): boolean {
  return dev.pcieType === PCI_EXP_TYPE.ROOT_PORT || dev.pcieType === PCI_EXP_TYPE.RC_EC;
}

// portdrv.c: pcie_portdrv_probe() + pcie_port_device_register()
function pcieportProbe(k: Kernel, dev: PciDevice): number {
  const type = dev.pcieType;
  if (type !== PCI_EXP_TYPE.ROOT_PORT && type !== PCI_EXP_TYPE.UPSTREAM && type !== PCI_EXP_TYPE.DOWNSTREAM && type !== PCI_EXP_TYPE.RC_EC) return -Errno.ENODEV;
  const caps = portDeviceCapability(k, dev);
  const bus = k.container.get(PciExpressBus);
  for (let i = 0; i < PCIE_PORT_DEVICE_MAXSERVICES; i++) {
    const service = 1 << i;
    if ((caps & service) !== 0) pcieDeviceInit(k, bus, dev, service);
  }
  return 0;
}

// pciehp_core.c: pciehp_probe()
function pciehpProbe(k: Kernel, dev: PcieServiceDevice): number {
  if (dev.port.subordinate === null) {
    k.devPrintk(dev.port, LogLevel.ERR, 'Hotplug bridge without secondary bus, ignoring');
    return -Errno.ENODEV;
  }
  return 0;
}

/**
 * The built-in PCIe port driver (drivers/pci/pcie/portdrv.c,
 * device_initcall pcie_portdrv_init()): registers the service drivers
 * `aer`, `pcie_pme`, `dpc`, `pciehp` on `pci_express`, then `pcieport`
 * for PCI-to-PCI bridges and RCECs (driver-managed DMA), whose probe
 * creates the port's service devices.
 */
export const pcieportModule = new KernelModule('pcieport', {
  initcalls: [{
    level: 'device',
    name: 'pcie_portdrv_init',
    fn: (k) => {
      const pe = k.container.get(PciExpressBus);
      const services = [
        // aer.c: aer_probe() serves Root Ports and RCECs only (before v6.2 other ports had the service too).
        pcieServiceDriver(pe, { name: 'aer', service: PCIE_PORT_SERVICE.AER, portType: PCIE_ANY_PORT, probe: (d) => (isRootLike(d.port) ? 0 : -Errno.ENODEV) }),
        pcieServiceDriver(pe, { name: 'pcie_pme', service: PCIE_PORT_SERVICE.PME, portType: PCIE_ANY_PORT }),
        pcieServiceDriver(pe, { name: 'dpc', service: PCIE_PORT_SERVICE.DPC, portType: PCIE_ANY_PORT }),
        pcieServiceDriver(pe, { name: 'pciehp', service: PCIE_PORT_SERVICE.HP, portType: PCIE_ANY_PORT, probe: (d) => pciehpProbe(k, d) }),
      ];
      for (const s of services) {
        const r = k.driverRegister(s);
        if (r < 0) return r;
      }
      return k.driverRegister(pciDriver(pciBusOf(k), {
        name: 'pcieport',
        idTable: [
          { class: 0x060400, classMask: 0xffffff },
          { class: 0x060401, classMask: 0xffffff },
          { class: 0x080700, classMask: 0xffffff }, // Root Complex Event Collector
        ],
        driverManagedDma: true,
        probe: (dev) => pcieportProbe(k, dev),
      }));
    },
  }],
});

/**
 * drivers/pci/hotplug/shpchp_core.c (built in): the `shpchp` driver for
 * conventional PCI-to-PCI bridges; its probe rejects bridges without a
 * Standard Hot-Plug Controller (shpc_capable()) with -ENODEV.
 */
function shpcProbe(k: Kernel, dev: PciDevice): number {
  // shpc_probe(): is_shpc_capable() — the capability, and SHPC control granted by _OSC
  if (!dev.caps.shpc || !dev.hostBridge.native.shpcHotplug) return -Errno.ENODEV;
  // shpc_init()
  const hex = (n: number): string => n.toString(16);
  k.devPrintk(dev, LogLevel.INFO, `HPC vendor_id ${hex(dev.vendor)} device_id ${hex(dev.device)} ss_vid ${hex(dev.subsystemVendor)} ss_did ${hex(dev.subsystemDevice)}`);
  // init_slots(): pci_hp_register() -> pci_create_slot() finds the slots acpiphp already holds
  if (dev.acpiHotplug) {
    k.devPrintk(dev, LogLevel.ERR, `pci_hp_register failed with error ${-Errno.EBUSY}`);
    k.devPrintk(dev, LogLevel.ERR, 'Slot initialization failed');
    return -Errno.ENODEV;
  }
  return 0;
}

export const shpchpModule = new KernelModule('shpchp', {
  initcalls: [{
    level: 'device',
    name: 'shpcd_init',
    fn: (k) => {
      const r = k.driverRegister(pciDriver(pciBusOf(k), {
        name: 'shpchp',
        idTable: [{ class: 0x060400, classMask: 0xffffff }],
        probe: (dev) => shpcProbe(k, dev),
      }));
      k.printk(LogLevel.INFO, 'shpchp: Standard Hot Plug PCI Controller Driver version: 0.4');
      return r;
    },
  }],
});
