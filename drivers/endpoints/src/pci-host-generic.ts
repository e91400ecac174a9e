import { LogLevel, driverModule, type Kernel } from '@kdsim/core';
import { pciHostCommonProbe } from '@kdsim/bus-pci';
import { platformBusOf, platformDriver, type PlatformDevice } from '@kdsim/bus-platform';
import { OfNode } from '@kdsim/firmware';

/** pci-host-generic.c: gen_pci_of_match compatibles. */
export const PCI_HOST_GENERIC_COMPATIBLES: readonly string[] = [
  'pci-host-cam-generic', 'pci-host-ecam-generic', 'marvell,armada8k-pcie-ecam', 'socionext,synquacer-pcie-ecam', 'snps,dw-pcie-ecam',
];

// pci-host-common.c: pci_host_common_probe(): parse the windows (gen_pci_init()), then pci_host_probe()
function probe(k: Kernel, dev: PlatformDevice): number {
  const np = dev.fwnode;
  if (np instanceof OfNode) {
    k.devPrintk(dev, LogLevel.INFO, `host bridge ${np.path} ranges:`);
    const range = np.readU32Array('bus-range');
    const bus0 = range?.[0] ?? 0;
    const bus1 = range?.[1] ?? 0xff;
    const base = dev.mmio[0];
    if (base !== undefined) {
      const end = base + (BigInt(bus1 - bus0 + 1) << 20n) - 1n;
      k.devPrintk(dev, LogLevel.INFO, `ECAM at [mem 0x${base.toString(16).padStart(8, '0')}-0x${end.toString(16).padStart(8, '0')}] for [bus ${hex2(bus0)}-${hex2(bus1)}]`);
    }
  }
  pciHostCommonProbe(k, dev);
  return 0;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/**
 * The `pci-host-generic` platform driver (built in on arm64): a DT ECAM
 * host controller whose probe scans its bus ({@link pciHostCommonProbe},
 * reading the functions from the machine's PciTopology) and adds the
 * devices, so PCI drivers registered earlier bind during this probe.
 */
export const pciHostGenericModule = driverModule('pci_host_generic', (k) => [platformDriver(platformBusOf(k), {
  name: 'pci-host-generic',
  ofMatchTable: PCI_HOST_GENERIC_COMPATIBLES.map((compatible) => ({ compatible })),
  probe: (dev) => probe(k, dev),
})]);
