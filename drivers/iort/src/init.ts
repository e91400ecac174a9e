import { KernelModule, LogLevel, type Kernel, type LogLevelValue } from '@kdsim/core';
import { PciBus, pciRequestAcs } from '@kdsim/bus-pci';
import { PLATFORM_DEVID_AUTO, platformBusOf, platformDeviceRegister, type PlatformDevice } from '@kdsim/bus-platform';
import { MachineFirmware, acpiIortInit, type AcpiWarning, type IortInitResult, type IortNode } from '@kdsim/firmware';
import { AcpiIommuState } from '@kdsim/iommu';

/** Options of {@link iortInit}. */
export interface IortInitOptions {
  /**
   * Makes platform_device_add() fail for `node` with the returned errno
   * (0: succeed) — a way to reproduce "later SMMUs have no fwnode".
   */
  readonly failDevice?: (node: IortNode) => number;
}

/** What {@link iortInit} did. */
export interface IortBootResult {
  /** acpi_iort_init()'s result (also stored in {@link AcpiIommuState}). */
  readonly init: IortInitResult;
  /** The SMMU and PMCG platform devices created, in table order. */
  readonly devices: readonly PlatformDevice[];
}

const LEVELS: Record<AcpiWarning['level'], LogLevelValue> = { err: LogLevel.ERR, warn: LogLevel.WARNING, info: LogLevel.INFO };

/** Prints the warnings Linux itself logs (simulation notes, `source: 'kdsim'`, are left out). */
export function printAcpiWarnings(k: Kernel, warnings: readonly AcpiWarning[]): void {
  for (const w of warnings) if (w.source === 'linux') k.printk(LEVELS[w.level], w.message);
}

// iort.c: iort_get_platform_device resources — the first MEM resource is the node's base.
function nodeBase(node: IortNode): bigint | null {
  return node.kind === 'smmu' || node.kind === 'smmuV3' ? node.baseAddress : node.kind === 'pmcg' ? node.page0Base : null;
}

/**
 * iort.c: acpi_iort_init() with iort_init_platform_devices(), run from
 * acpi_init() (subsys_initcall, before the ACPI namespace scan adds PCI
 * roots): requests ACS when a root complex maps to an SMMU, and adds one
 * platform device per SMMUv1/v2, SMMUv3 and PMCG node —
 * `platform_device_alloc(ops->name, PLATFORM_DEVID_AUTO)` (`arm-smmu-v3.0.auto`)
 * with the node's synthetic fwnode, its base as MEM resource, and the DMA
 * coherency of the dev_dma_configure hook. If adding a device fails, no
 * later node gets one. Returns null on a machine without an IORT.
 */
export function iortInit(k: Kernel, options: IortInitOptions = {}): IortBootResult | null {
  const fw = k.container.isBound(MachineFirmware) ? k.container.get(MachineFirmware) : null;
  const iort = fw?.acpi?.iort ?? null;
  if (iort === null) return null;
  const init = acpiIortInit(iort, { createDevice: (node) => options.failDevice?.(node) ?? 0 });
  printAcpiWarnings(k, init.warnings);
  if (init.acsRequested && k.container.isBound(PciBus)) pciRequestAcs(k);
  const bus = platformBusOf(k);
  const devices: PlatformDevice[] = [];
  for (const d of init.devices) {
    const base = nodeBase(d.node);
    const pdev = platformDeviceRegister(k, bus, { name: d.driverName, id: PLATFORM_DEVID_AUTO, fwnode: d.fwnode, ...(base !== null ? { mmio: [base] } : {}) });
    if (d.coherent !== null) pdev.dmaCoherent = d.coherent;
    devices.push(pdev);
  }
  k.container.get(AcpiIommuState).iortInit = init;
  return { init, devices };
}

/**
 * The IORT glue as a built-in module (CONFIG_ACPI_IORT, selected on arm64
 * ACPI kernels). Needs the IOMMU core and the platform bus; list it before
 * the ACPI PCI root module so ACS is requested before the root scan.
 */
export function iortModule(options: IortInitOptions = {}): KernelModule {
  return new KernelModule('iort', {
    initcalls: [{ level: 'subsys', name: 'acpi_iort_init', fn: (k) => (iortInit(k, options), 0) }],
  });
}
