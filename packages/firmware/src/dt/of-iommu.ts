import { Errno } from '@kdsim/core';
import type { OfNode } from './of.js';
import { ofMapId } from './of-map-id.js';
import { ofParsePhandleWithArgs } from './of-phandle.js';

/**
 * The DT side of IOMMU configuration (drivers/iommu/of_iommu.c:
 * of_iommu_configure() and helpers, with iommu.c: iommu_fwspec_init()) as a
 * pure function of the tree and a registry the caller supplies (spec §2.8).
 */

/** What the IOMMU registry knows about the instance registered for a node (iommu_from_fwnode()). */
export interface OfIommuInstance {
  /** The driver's ops identity (iommu->ops); every instance of one driver shares it. */
  readonly ops: string;
  /** iommu->ready: false while iommu_device_register() is still probing client devices. */
  readonly ready: boolean;
  /**
   * ops->of_xlate(): null when the driver has none (the Xen grant stub);
   * undefined for the common behaviour, iommu_fwspec_add_ids() of the first
   * argument cell. A function returns the IDs to add or a negative errno.
   */
  readonly ofXlate?: ((args: readonly number[], iommu: OfNode) => readonly number[] | number) | null;
}

/** The world of_iommu_configure() runs in. */
export interface OfIommuEnv {
  /** iommu_from_fwnode(): the instance registered with this node as its fwnode, or null. */
  lookup(iommu: OfNode): OfIommuInstance | null;
  /**
   * dd.c: driver_deferred_probe_check_state() (spec §0.3): -EPROBE_DEFER to
   * wait, or the error to give up with (-ENODEV, -ETIMEDOUT).
   */
  checkState(): number;
}

/** struct iommu_fwspec as far as the firmware layer fills it. */
export interface OfIommuFwspec {
  /** iommu_fwnode: the node of the first IOMMU reached. */
  readonly iommu: OfNode;
  /** IDs in discovery order (duplicates kept). */
  readonly ids: readonly number[];
  /** IOMMU_FWSPEC_PCI_RC_ATS: the host bridge has `ats-supported`. */
  readonly ats: boolean;
}

/** The device being configured. */
export interface OfIommuDevice {
  /** np of of_dma_configure_id(): the device's node, or for PCI the host controller's node. */
  readonly node: OfNode | null;
  /** PCI devices: the requester IDs pci_for_each_dma_alias() visits, in its order (own RID first). */
  readonly pciRids?: readonly number[];
  /** Buses with input IDs (fsl-mc, CDX): translate this ID through `iommu-map`. */
  readonly inputId?: number;
  /** dev->iommu already exists (a not-yet-ready instance then does not defer). */
  readonly hasIommuState?: boolean;
  /** An fwspec from an earlier configuration: of_iommu_configure() returns at once. */
  readonly fwspec?: OfIommuFwspec;
}

/** The outcome of {@link ofIommuConfigure} (spec §0.1). */
export interface OfIommuResult {
  /** BOUND (errno 0 and an fwspec), DEFER (-EPROBE_DEFER) or NO_IOMMU (anything else). */
  readonly outcome: 'BOUND' | 'NO_IOMMU' | 'DEFER';
  /** What of_iommu_configure() returned (0 or a negative errno). */
  readonly errno: number;
  /** The IOMMU node the device is translated by, or null. */
  readonly iommu: OfNode | null;
  /** The fwspec IDs (empty unless BOUND). */
  readonly ids: readonly number[];
  /** fwspec flags. */
  readonly flags: { readonly ats: boolean };
}

class Configure {
  fwspec: { iommu: OfNode; ops: string; ids: number[] } | null = null;
  hasState: boolean;

  constructor(private readonly env: OfIommuEnv, hasIommuState: boolean) {
    this.hasState = hasIommuState;
  }

  // iommu.c: iommu_fwspec_init()
  fwspecInit(iommu: OfNode): number {
    const inst = this.env.lookup(iommu);
    if (inst === null) return this.env.checkState();
    if (!this.hasState && !inst.ready) return -Errno.EPROBE_DEFER;
    if (this.fwspec !== null) return inst.ops === this.fwspec.ops ? 0 : -Errno.EINVAL;
    this.hasState = true; // dev_iommu_get()
    this.fwspec = { iommu, ops: inst.ops, ids: [] };
    return 0;
  }

  // of_iommu.c: of_iommu_xlate()
  xlate(iommu: OfNode | null, args: readonly number[]): number {
    if (iommu === null || !iommu.isAvailable()) return -Errno.ENODEV;
    const r = this.fwspecInit(iommu);
    if (r !== 0) return r;
    const inst = this.env.lookup(iommu);
    if (inst === null || inst.ofXlate === null) return -Errno.ENODEV; // no of_xlate
    const ids = inst.ofXlate === undefined ? args.slice(0, 1) : inst.ofXlate(args, iommu);
    if (typeof ids === 'number') return ids;
    for (const id of ids) this.fwspec!.ids.push(id); // iommu_fwspec_add_ids()
    return 0;
  }

  // of_iommu.c: of_iommu_configure_dev_id(): one input ID through iommu-map
  byId(np: OfNode, id: number): number {
    const m = ofMapId(np, id, 'iommu-map', 'iommu-map-mask');
    if (m.errno !== 0) return m.errno;
    return this.xlate(m.target, [m.id]);
  }

  // of_iommu.c: of_iommu_configure_dev(): every `iommus` entry until one fails
  byIommus(np: OfNode): number {
    let err = -Errno.ENODEV;
    for (let idx = 0; ; idx++) {
      const e = ofParsePhandleWithArgs(np, 'iommus', '#iommu-cells', -1, idx);
      if (e.errno !== 0) return err;
      err = this.xlate(e.node, e.args);
      if (err !== 0) return err;
    }
  }
}

/**
 * of_iommu.c: of_iommu_configure() (spec §2.8): which IOMMU translates the
 * device and with which IDs, or why not. Platform devices walk their
 * `iommus` entries; PCI devices translate each DMA alias RID through the host
 * controller's `iommu-map` (stopping at the first failure); devices with an
 * input ID use `iommu-map` too. Every entry reached must succeed, otherwise
 * the partial fwspec is dropped; an `iommus` parse error only ends the list.
 * The registry decides DEFER: a missing instance asks `env.checkState()`, a
 * registered but not ready one defers unless the device has IOMMU state.
 */
export function ofIommuConfigure(dev: OfIommuDevice, env: OfIommuEnv): OfIommuResult {
  const np = dev.node;
  if (np === null) return result(-Errno.ENODEV, null);
  if (dev.fwspec !== undefined) {
    return { outcome: 'BOUND', errno: 0, iommu: dev.fwspec.iommu, ids: dev.fwspec.ids, flags: { ats: dev.fwspec.ats } };
  }
  const c = new Configure(env, dev.hasIommuState ?? false);
  let err: number;
  let ats = false;
  if (dev.pciRids !== undefined) {
    err = 0;
    for (const rid of dev.pciRids) { // pci_for_each_dma_alias(): stops at the first non-zero
      err = c.byId(np, rid);
      if (err !== 0) break;
    }
    ats = c.fwspec !== null && np.hasProperty('ats-supported'); // of_pci_check_device_ats()
  } else if (dev.inputId !== undefined) {
    err = c.byId(np, dev.inputId);
  } else {
    err = c.byIommus(np);
  }
  if (err !== 0) return result(err, null); // iommu_fwspec_free()
  return result(0, c.fwspec === null ? null : { iommu: c.fwspec.iommu, ids: c.fwspec.ids, ats });
}

function result(errno: number, fwspec: OfIommuFwspec | null): OfIommuResult {
  const outcome = errno === -Errno.EPROBE_DEFER ? 'DEFER' : errno === 0 && fwspec !== null ? 'BOUND' : 'NO_IOMMU';
  return { outcome, errno, iommu: fwspec?.iommu ?? null, ids: fwspec?.ids ?? [], flags: { ats: fwspec?.ats ?? false } };
}
