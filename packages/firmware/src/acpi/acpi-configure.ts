import type { Madt } from './madt.js';
import { Errno } from '@kdsim/core';
import type { Iort } from './iort.js';
import { iortIommuConfigure, type IortEnv } from './iort-configure.js';
import type { IortOptions } from './iort-map.js';
import type { IortIommuNode } from './iort-types.js';
import type { AcpiDmaAttr } from './iort-dma.js';
import { outcomeOf, type AcpiEndpoint, type AcpiIommuResult, type IommuOutcome } from './outcome.js';
import { viotIommuConfigure, type ViotEnv, type ViotOptions } from './viot-configure.js';
import type { ViotInitResult, ViotIommu } from './viot-init.js';

/** The parsed ACPI IOMMU tables a kernel has (either may be absent). */
export interface AcpiIommuTables {
  /** The IORT, if the machine has one. */
  readonly iort?: Iort | null;
  /** The parsed VIOT, if the machine has one. */
  readonly viot?: ViotInitResult | null;
  /** The MADT, if the scenario gives it (its GICv3 ITSes are the MSI domains IORT ITS groups name). */
  readonly madt?: Madt | null;
}

/** Everything acpi_iommu_configure_id() may call. */
export type AcpiIommuEnv<D> = IortEnv<D> & ViotEnv<D>;

/** Version switches for both tables. */
export interface AcpiIommuOptions {
  /** IORT switches. */
  readonly iort?: IortOptions;
  /** VIOT switches. */
  readonly viot?: ViotOptions;
}

const NONE = { ats: false, canwbs: false };

/**
 * scan.c: acpi_iommu_configure_id() — returns at once if the device has an
 * fwspec; else IORT, and if that neither succeeds nor defers, VIOT (the
 * RISC-V RIMT step between them does not exist on these machines).
 */
export function acpiIommuConfigureId<D extends AcpiEndpoint>(tables: AcpiIommuTables, dev: D, env: AcpiIommuEnv<D>, opts: AcpiIommuOptions = {}): AcpiIommuResult<IortIommuNode | ViotIommu> {
  if (env.hasFwspec?.(dev) === true) {
    return { outcome: 'BOUND', errno: 0, iommu: null, iommuFwnode: null, ids: [], flags: NONE, deviceProperties: null, warnings: [] };
  }
  let r: AcpiIommuResult<IortIommuNode | ViotIommu> = {
    outcome: 'NO_IOMMU', errno: -Errno.ENODEV, iommu: null, iommuFwnode: null, ids: [], flags: NONE, deviceProperties: null, warnings: [],
  };
  if (tables.iort !== undefined && tables.iort !== null) r = iortIommuConfigure(tables.iort, dev, env, opts.iort);
  if (r.errno !== 0 && r.errno !== -Errno.EPROBE_DEFER && tables.viot !== undefined && tables.viot !== null) {
    const v = viotIommuConfigure(tables.viot, dev, env, opts.viot);
    r = { ...v, warnings: [...r.warnings, ...v.warnings] };
  }
  return r;
}

/** The result of {@link acpiDmaConfigureId}. */
export interface AcpiDmaConfigureResult {
  /** DEFER aborts the probe; anything else lets it continue. */
  readonly outcome: IommuOutcome;
  /** 0 or -EPROBE_DEFER: what acpi_dma_configure_id() returns. */
  readonly ret: number;
  /** True if DMA was marked unusable (`_CCA`-less device where CCA is required): no IOMMU lookup at all. */
  readonly dmaUnusable: boolean;
  /** dev->dma_coherent as arch_setup_dma_ops() sets it (null when nothing was set up). */
  readonly coherent: boolean | null;
  /** The IOMMU configuration, or null when it was skipped. */
  readonly iommu: AcpiIommuResult<IortIommuNode | ViotIommu> | null;
}

/**
 * scan.c: acpi_dma_configure_id() — `attr` is acpi_get_dma_attr() of the
 * device's companion (the host bridge's for PCI). NOT_SUPPORTED: no IOMMU
 * lookup, never defers. Otherwise only -EPROBE_DEFER propagates; any other
 * IOMMU failure is swallowed and the device gets DMA ops without an IOMMU.
 */
export function acpiDmaConfigureId<D extends AcpiEndpoint>(attr: AcpiDmaAttr, tables: AcpiIommuTables, dev: D, env: AcpiIommuEnv<D>, opts: AcpiIommuOptions = {}): AcpiDmaConfigureResult {
  if (attr === 'NOT_SUPPORTED') return { outcome: 'NO_IOMMU', ret: 0, dmaUnusable: true, coherent: null, iommu: null };
  const r = acpiIommuConfigureId(tables, dev, env, opts);
  if (r.errno === -Errno.EPROBE_DEFER) return { outcome: 'DEFER', ret: r.errno, dmaUnusable: false, coherent: null, iommu: r };
  return { outcome: outcomeOf(r.errno), ret: 0, dmaUnusable: false, coherent: attr === 'COHERENT', iommu: r };
}
