import { Errno, KernelModule, LogLevel, driverModule, type Kernel } from '@kdsim/core';
import { PCI_DEVFN, pciBusOf, pciDriver, type PciDevice } from '@kdsim/bus-pci';

const INTEL = 0x8086;

/** e1000e: the PCI IDs of the 82571-82574/82583 family it claims (a subset of e1000_pci_tbl). */
export const E1000E_IDS: readonly number[] = [
  0x105e, 0x105f, 0x10a4, 0x10bc, 0x10a5, 0x10d5, 0x10d9, 0x10da, 0x10b9, 0x107d, 0x107e, 0x107f, 0x108b, 0x108c,
  0x109a, 0x10d3, 0x10f6, 0x150c, 0x1096, 0x10ba, 0x1098, 0x10bb, 0x15a0, 0x15a1, 0x15a2, 0x15a3, 0x15b7, 0x15b8, 0x15b9,
];

/** The `e1000e` module: prints its banner, then registers the `e1000e` PCI driver. */
export const e1000eModule = new KernelModule('e1000e', {
  initcalls: [{
    level: 'device',
    name: 'e1000_init_module',
    fn: (k) => {
      k.printk(LogLevel.INFO, 'e1000e: Intel(R) PRO/1000 Network Driver');
      k.printk(LogLevel.INFO, 'e1000e: Copyright(c) 1999 - 2015 Intel Corporation.');
      return k.driverRegister(pciDriver(pciBusOf(k), { name: 'e1000e', idTable: E1000E_IDS.map((device) => ({ vendor: INTEL, device })) }));
    },
  }],
});

/**
 * The `ahci` module: ICH9's AHCI function by ID, then any SATA controller
 * with the AHCI programming interface (PCI_CLASS_STORAGE_SATA_AHCI).
 */
export const ahciModule = driverModule('ahci', (k) => [pciDriver(pciBusOf(k), {
  name: 'ahci',
  idTable: [
    { vendor: INTEL, device: 0x2922 }, { vendor: INTEL, device: 0x2923 }, { vendor: INTEL, device: 0x2924 },
    { vendor: INTEL, device: 0x2925 }, { vendor: INTEL, device: 0x2927 }, { vendor: INTEL, device: 0x2929 },
    { class: 0x010601, classMask: 0xffffff },
  ],
})]);

/**
 * The `nvme` module (drivers/nvme/host/pci.c): QEMU's NVMe controller (1b36:0010) and any
 * function of class PCI_CLASS_STORAGE_EXPRESS. Its driver asks for asynchronous probing
 * (PROBE_PREFER_ASYNCHRONOUS), so insmod returns once async_synchronize_full() saw the probes end.
 */
export const nvmeModule = driverModule('nvme', (k) => [pciDriver(pciBusOf(k), {
  name: 'nvme',
  idTable: [{ vendor: 0x1b36, device: 0x0010 }, { class: 0x010802, classMask: 0xffffff }],
  probeType: 'prefer-async',
})]);

/** The `agpgart` core module: its banner. */
export const agpgartModule = new KernelModule('agpgart', {
  initcalls: [{ level: 'device', name: 'agp_init', fn: (k) => (k.printk(LogLevel.INFO, 'Linux agpgart interface v0.103'), 0) }],
});

/** intel-agp.c: host bridges of Intel chipsets with integrated graphics (a subset of agp_intel_pci_table), Q35 included. */
export const INTEL_AGP_HOST_BRIDGES: readonly number[] = [0x2970, 0x2990, 0x29a0, 0x29b0, 0x29c0, 0x29d0, 0x2a00, 0x2a10, 0x2a40, 0x2e00, 0x2e10, 0x2e20, 0x2e30, 0x2e40];

// intel-agp.c: agp_intel_probe(): a chipset without its integrated graphics device
// (intel_gmch_probe() finds no IGD at 00:02.0) and no AGP capability is not ours.
function agpIntelProbe(k: Kernel, dev: PciDevice): number {
  const igd = pciBusOf(k).findFunction(dev.segment, dev.busNr, PCI_DEVFN(2, 0));
  if (igd === null || igd.vendor !== INTEL || igd.classCode >> 16 !== 0x03) return -Errno.ENODEV;
  return 0;
}

/**
 * The `intel_agp` module (`agpgart-intel` driver): it matches Intel host
 * bridges and, on a machine without Intel integrated graphics such as
 * QEMU q35, rejects them with -ENODEV.
 */
export const intelAgpModule = driverModule('intel_agp', (k) => [pciDriver(pciBusOf(k), {
  name: 'agpgart-intel',
  idTable: INTEL_AGP_HOST_BRIDGES.map((device) => ({ vendor: INTEL, device, class: 0x060000, classMask: 0xffff00 })),
  probe: (dev) => agpIntelProbe(k, dev),
})]);
