import { Errno, type Fwnode } from '@kdsim/core';
import type { AcpiWarning } from './warnings.js';

/** What IOMMU configuration means for a probe (spec §0.1). */
export type IommuOutcome = 'BOUND' | 'NO_IOMMU' | 'DEFER';

/** Maps a firmware-layer return code to its outcome: 0 → BOUND, -EPROBE_DEFER → DEFER, else NO_IOMMU. */
export function outcomeOf(errno: number): IommuOutcome {
  if (errno === 0) return 'BOUND';
  return errno === -Errno.EPROBE_DEFER ? 'DEFER' : 'NO_IOMMU';
}

/** A PCI endpoint as the ACPI IOMMU code sees it. */
export interface AcpiPciEndpoint {
  /** Discriminant. */
  readonly kind: 'pci';
  /** PCI domain (segment) number of the device's bus. */
  readonly segment: number;
  /** Requester ID: bus << 8 | devfn. */
  readonly rid: number;
  /** The device's fwnode, if any (VIOT compares it with the IOMMU's: "not translating ourself"). */
  readonly fwnode?: Fwnode | null;
}

/** A platform (or AMBA, fsl-mc, ...) endpoint. */
export interface AcpiPlatformEndpoint {
  /** Discriminant. */
  readonly kind: 'platform';
  /**
   * ACPI_FULL_PATHNAME of the device's ACPI companion or of its nearest
   * ancestor that has one (`\_SB_.ETH0`); null if none has one.
   */
  readonly acpiPath: string | null;
  /** An input ID supplied by the bus (fsl-mc, CDX); absent for ordinary platform devices. */
  readonly inputId?: number;
  /** Start of the device's first MEM resource, or null (VIOT MMIO endpoints match it). */
  readonly memStart?: bigint | null;
  /** The device's fwnode, if any. */
  readonly fwnode?: Fwnode | null;
}

/** Any endpoint. */
export type AcpiEndpoint = AcpiPciEndpoint | AcpiPlatformEndpoint;

/** The parts of the IOMMU core a firmware parser calls (spec §0.4, §0.6). */
export interface IommuCoreEnv<D> {
  /**
   * iommu_fwspec_init(): 0 when the device's fwspec now names `fwnode`,
   * -EPROBE_DEFER (instance not registered yet, subject to the deferral
   * policy), or another negative errno (e.g. -EINVAL: fwspec of another driver).
   */
  fwspecInit(dev: D, fwnode: Fwnode): number;
  /** iommu_fwspec_add_ids(): called after a successful fwspecInit; optional. */
  fwspecAddId?(dev: D, id: number): void;
  /** True if the device already has an fwspec (acpi_iommu_configure_id() then returns at once). */
  hasFwspec?(dev: D): boolean;
  /**
   * pci_for_each_dma_alias(): calls `fn(aliasOwner, rid)` for each DMA alias
   * and stops at the first non-zero return, which it returns. Default: the
   * device's own RID only.
   */
  forEachDmaAlias?(dev: D, fn: (aliasOwner: D, rid: number) => number): number;
}

/** fwspec flags the ACPI code sets (IOMMU_FWSPEC_PCI_RC_ATS, IOMMU_FWSPEC_PCI_RC_CANWBS). */
export interface FwspecFlags {
  /** Root complex supports ATS. */
  readonly ats: boolean;
  /** Root complex memory accesses are coherent without write-back shareable attributes. */
  readonly canwbs: boolean;
}

/** The result of an ACPI IOMMU configuration for one device. */
export interface AcpiIommuResult<N> {
  /** BOUND, NO_IOMMU or DEFER. */
  readonly outcome: IommuOutcome;
  /** 0 or the negative errno Linux returns. */
  readonly errno: number;
  /** The IOMMU node the device was (last) translated to, or null. */
  readonly iommu: N | null;
  /** That IOMMU's fwnode, or null. */
  readonly iommuFwnode: Fwnode | null;
  /** IDs appended to the fwspec by this call, in order. */
  readonly ids: readonly number[];
  /** fwspec flags set by this call. */
  readonly flags: FwspecFlags;
  /** Device properties added on success (IORT named components): `pasid-num-bits`, `dma-can-stall`. */
  readonly deviceProperties: { readonly 'pasid-num-bits': number; readonly 'dma-can-stall': boolean } | null;
  /** Log lines. */
  readonly warnings: readonly AcpiWarning[];
}

/** Default alias walk: the device's own RID (no bridges, no quirks). */
export function ownRidOnly<D extends AcpiEndpoint>(dev: D, fn: (aliasOwner: D, rid: number) => number): number {
  return dev.kind === 'pci' ? fn(dev, dev.rid & 0xffff) : -Errno.ENODEV;
}
