import { KernelModule, LogLevel, type Fwnode, type Kernel, type LogLevelValue } from '@kdsim/core';
import { pciBusOf, pciGetDomainBusAndSlot, pciRequestAcs, type PciDevice } from '@kdsim/bus-pci';
import { acpiViotInit, type AcpiWarning, type Viot, type ViotInitResult } from '@kdsim/firmware';
import { AcpiIommuState } from '@kdsim/iommu';

/**
 * The machine's VIOT as the firmware handed it over (decoded, not yet
 * parsed against the devices). Bind one per kernel on an ACPI machine that
 * has a VIOT; {@link acpiViotModule} does nothing without it.
 */
export class AcpiViotTable {
  /** Wraps the decoded table. */
  constructor(readonly viot: Viot) {}
}

function viotOf(k: Kernel): Viot | null {
  return k.container.isBound(AcpiViotTable) ? k.container.get(AcpiViotTable).viot : null;
}

const LEVELS: Record<AcpiWarning['level'], LogLevelValue> = { err: LogLevel.ERR, warn: LogLevel.WARNING, info: LogLevel.INFO };

/**
 * viot.c: acpi_viot_init() against kernel `k` now: a virtio-pci IOMMU is
 * the function present at its BDF, whose fwnode becomes the IOMMU fwnode
 * (one is made and set as the function's primary fwnode when it has none);
 * an MMIO IOMMU would be the ACPI device owning its address (no ACPI
 * resources are modelled: not found).
 */
export function acpiViotParse(k: Kernel, viot: Viot): ViotInitResult {
  const pci = pciBusOf(k);
  const fnAt = (segment: number, bus: number, devfn: number): PciDevice | null => pciGetDomainBusAndSlot(pci, segment, bus, devfn);
  const res = acpiViotInit(viot, {
    pciFunction: (segment, bus, devfn) => fnAt(segment, bus, devfn),
    acpiResourceConsumer: () => null,
    // viot.c: viot_get_pci_iommu_fwnode(): set_primary_fwnode()
    setPrimaryFwnode: (segment: number, bdf: number, fwnode: Fwnode) => {
      const pdev = fnAt(segment, bdf >> 8, bdf & 0xff);
      if (pdev !== null) pdev.fwnode = fwnode;
    },
  });
  for (const w of res.warnings) k.printk(LEVELS[w.level], w.message);
  return res;
}

/**
 * The VIOT glue of drivers/acpi/viot.c (CONFIG_ACPI_VIOT=y), run from
 * acpi_scan_init() inside acpi_init(): acpi_viot_early_init() requests PCI
 * ACS before the root bridges are scanned, acpi_viot_init() parses the table
 * once the PCI functions exist (before any driver probes them). Link it
 * before the ACPI PCI root module: the early part runs at subsys_initcall
 * ahead of the scan, the parse at subsys_initcall_sync after it.
 */
export const acpiViotModule = new KernelModule('acpi_viot', {
  initcalls: [{
    level: 'subsys',
    name: 'acpi_viot_early_init',
    fn: (k) => {
      if (viotOf(k) !== null) pciRequestAcs(k);
      return 0;
    },
  }, {
    level: 'subsys_sync',
    name: 'acpi_viot_init',
    fn: (k) => {
      const viot = viotOf(k);
      if (viot === null) return 0;
      k.container.get(AcpiIommuState).viotInit = acpiViotParse(k, viot);
      return 0;
    },
  }],
});
