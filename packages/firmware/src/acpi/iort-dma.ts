import { Errno } from '@kdsim/core';
import type { Iort } from './iort.js';
import { iortFindNamedComponent, iortFindRootComplex } from './iort-configure.js';
import type { IortIommuNode } from './iort-types.js';
import type { AcpiEndpoint } from './outcome.js';
import { FW_BUG, type AcpiWarning } from './warnings.js';

/** scan.c: enum dev_dma_attr. */
export type AcpiDmaAttr = 'NOT_SUPPORTED' | 'NON_COHERENT' | 'COHERENT';

/**
 * scan.c: acpi_init_coherency() + acpi_get_dma_attr(). `ccaPath` lists the
 * `_CCA` values (1, 0, or null when absent) of the device objects from the
 * namespace root down to the device: the topmost `_CCA` decides for the
 * whole subtree (a child of a node that has seen `_CCA` copies it and its
 * own is ignored). Without any: DMA is not supported where
 * CONFIG_ACPI_CCA_REQUIRED (arm64), else the device is coherent (x86).
 */
export function acpiDmaAttr(ccaPath: readonly (0 | 1 | null)[], ccaRequired: boolean): AcpiDmaAttr {
  for (const cca of ccaPath) {
    if (cca !== null) return cca === 1 ? 'COHERENT' : 'NON_COHERENT';
  }
  return ccaRequired ? 'NOT_SUPPORTED' : 'COHERENT';
}

/**
 * iort.c: arm_smmu_v3_dma_configure() / arm_smmu_dma_configure() — the
 * coherency of the platform device created for an SMMU node.
 */
export function iortSmmuCoherent(node: IortIommuNode): boolean {
  return node.kind === 'smmuV3' ? node.cohaccOverride : node.coherentWalk;
}

/** The result of {@link iortDmaGetRange}. */
export interface IortDmaRange {
  /** 0, -ENODEV (no node, or an RC node of revision 0) or -EINVAL (limit 0). */
  readonly errno: number;
  /** Highest DMA address: 2^L − 1, or 2^64 − 1 for L ≥ 64; null on error. */
  readonly limit: bigint | null;
  /** Log lines. */
  readonly warnings: readonly AcpiWarning[];
}

/**
 * iort.c: iort_dma_get_ranges() (nc_dma_get_range(), rc_dma_get_range()) —
 * the bus DMA limit from the "memory address size limit" of the device's
 * NC or RC node. `_DMA` takes precedence and is the caller's business.
 */
export function iortDmaGetRange(iort: Iort, dev: AcpiEndpoint): IortDmaRange {
  const warnings: AcpiWarning[] = [];
  let bits: number;
  let what: string;
  let at: number;
  if (dev.kind === 'pci') {
    const rc = iortFindRootComplex(iort, dev.segment, warnings);
    if (rc === null || rc.revision < 1 || rc.memoryAddressLimit === null) return { errno: -Errno.ENODEV, limit: null, warnings };
    bits = rc.memoryAddressLimit;
    what = 'Root complex';
    at = rc.offset + 32;
  } else {
    const nc = iortFindNamedComponent(iort, dev.acpiPath, warnings);
    if (nc === null) return { errno: -Errno.ENODEV, limit: null, warnings };
    bits = nc.memoryAddressLimit;
    what = 'Named component';
    at = nc.offset + 28;
  }
  if (bits === 0) {
    warnings.push({ file: iort.file, offset: at, level: 'warn', source: 'linux', message: `ACPI: IORT: ${FW_BUG}${what} missing memory address limit` });
    return { errno: -Errno.EINVAL, limit: null, warnings };
  }
  return { errno: 0, limit: bits >= 64 ? (1n << 64n) - 1n : (1n << BigInt(bits)) - 1n, warnings };
}
