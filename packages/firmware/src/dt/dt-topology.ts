import { Errno } from '@kdsim/core';
import { OfTree, type OfNode } from './of.js';
import { ofDmaIsCoherent } from './of-address.js';
import { ofMapEntries } from './of-map-id.js';
import { ofPhandleIterator } from './of-phandle.js';
import type { DeviceTree } from './tree.js';

/** A master that names the IOMMU in its `iommus` property. */
export interface DtIommuMaster {
  /** The master's node. */
  readonly node: OfNode;
  /** Which `iommus` entry (0-based). */
  readonly index: number;
  /** The specifier cells (stream/endpoint ID, domid, ...). */
  readonly ids: readonly number[];
  /** of_dma_is_coherent() of the master. */
  readonly coherent: boolean;
}

/** A window of input IDs (PCI RIDs) of a bus node's `iommu-map` that reaches the IOMMU. */
export interface DtIommuIdRange {
  /** The node carrying `iommu-map` (a PCI host controller). */
  readonly bus: OfNode;
  /** First input ID (after `iommu-map-mask`), inclusive. */
  readonly first: number;
  /** Last input ID, inclusive. */
  readonly last: number;
  /** Output ID of `first`; the window maps linearly. */
  readonly idFirst: number;
  /** Output ID of `last`. */
  readonly idLast: number;
  /** `iommu-map-mask` (0xffffffff when absent). */
  readonly mask: number;
  /** of_dma_is_coherent() of the bus node (what PCI devices below it get). */
  readonly coherent: boolean;
}

/** One IOMMU and everything the tree routes to it. */
export interface DtIommu {
  /** The IOMMU's node. */
  readonly node: OfNode;
  /** `#iommu-cells`, undefined when the node lacks it (then `iommus` entries cannot reach it). */
  readonly cells: number | undefined;
  /** of_device_is_available(): an unavailable IOMMU gives its masters NO_IOMMU at once. */
  readonly available: boolean;
  /** `compatible` strings. */
  readonly compatible: readonly string[];
  /** of_dma_is_coherent() of the IOMMU itself (its table walks). */
  readonly coherent: boolean;
  /** Masters by `iommus`, in tree order. */
  readonly masters: readonly DtIommuMaster[];
  /** ID windows by `iommu-map`, in tree and map order (parts shadowed by earlier entries removed). */
  readonly idRanges: readonly DtIommuIdRange[];
}

/** Something in the tree that makes Linux drop an IOMMU reference. */
export interface DtTopologyProblem {
  /** The node with the property. */
  readonly path: string;
  /** `iommus` or `iommu-map`. */
  readonly property: string;
  /** The errno Linux gets (-EINVAL, -EFAULT, -ENODEV). */
  readonly errno: number;
  /** What is wrong. */
  readonly message: string;
}

/** The IOMMU topology a device tree describes. */
export interface DtIommuTopology {
  /** Every node with `#iommu-cells`, and any other node an `iommus`/`iommu-map` entry points at; tree order. */
  readonly iommus: readonly DtIommu[];
  /** References Linux cannot use. */
  readonly problems: readonly DtTopologyProblem[];
}

interface Acc {
  masters: DtIommuMaster[];
  idRanges: DtIommuIdRange[];
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/**
 * Derives, for each IOMMU node, the masters that reference it through
 * `iommus` (as of_iommu_configure_dev() walks them: up to the first empty or
 * unparsable entry) and the input-ID windows that reach it through a bus
 * node's `iommu-map` (as of_map_id() scans it: first match wins, u32 wrap,
 * the scan stops at an entry whose id-base has bits outside the mask), with
 * the DMA coherency each master or bus gets (`archDefaultCoherent` when the
 * tree says nothing).
 */
export function dtIommuTopology(tree: DeviceTree | OfTree, archDefaultCoherent = false): DtIommuTopology {
  const of = tree instanceof OfTree ? tree : new OfTree(tree);
  const acc = new Map<OfNode, Acc>();
  const problems: DtTopologyProblem[] = [];
  const slot = (n: OfNode): Acc => {
    let a = acc.get(n);
    if (a === undefined) acc.set(n, (a = { masters: [], idRanges: [] }));
    return a;
  };
  for (const n of of.allNodes()) if (n.hasProperty('#iommu-cells')) slot(n);

  for (const np of of.allNodes()) {
    if (np.hasProperty('iommus')) masters(np);
    if (np.hasProperty('iommu-map')) idMap(np);
  }

  function masters(np: OfNode): void {
    const it = ofPhandleIterator(np, 'iommus', '#iommu-cells', -1);
    for (let index = 0; ; index++) {
      const r = it.next();
      if (r.done === true) {
        if (r.value !== 0) problems.push({ path: np.path, property: 'iommus', errno: r.value, message: `entry ${index} cannot be parsed (dangling phandle, no #iommu-cells, or too few cells); the list ends there` });
        return;
      }
      if (r.value.phandle === 0) {
        problems.push({ path: np.path, property: 'iommus', errno: -Errno.ENOENT, message: `entry ${index} is empty (phandle 0); the list ends there` });
        return;
      }
      slot(r.value.node!).masters.push({ node: np, index, ids: r.value.args, coherent: ofDmaIsCoherent(np, archDefaultCoherent) });
    }
  }

  function idMap(np: OfNode): void {
    const entries = ofMapEntries(np, 'iommu-map');
    if (entries === null || entries === undefined) {
      problems.push({ path: np.path, property: 'iommu-map', errno: -Errno.EINVAL, message: 'length is zero or not a multiple of 16 (Bad iommu-map length)' });
      return;
    }
    const mask = np.readU32('iommu-map-mask') ?? 0xffffffff;
    const coherent = ofDmaIsCoherent(np, archDefaultCoherent);
    const claimed: [number, number][] = []; // inclusive windows already matched by earlier entries
    for (const [i, e] of entries.entries()) {
      if ((e.idBase & ~mask) !== 0) {
        problems.push({ path: np.path, property: 'iommu-map', errno: -Errno.EFAULT, message: `entry ${i}: id-base ${hex(e.idBase)} has bits outside iommu-map-mask ${hex(mask)}; IDs not matched before it fail` });
        return;
      }
      const end = (e.idBase + e.length) >>> 0; // exclusive, u32
      if (end <= e.idBase) continue; // never matches
      const pieces = subtract([e.idBase, end - 1], claimed);
      claimed.push([e.idBase, end - 1]);
      if (pieces.length === 0) continue;
      const target = np.tree.findNodeByPhandle(e.phandle);
      if (target === null) {
        problems.push({ path: np.path, property: 'iommu-map', errno: -Errno.ENODEV, message: `entry ${i}: phandle ${hex(e.phandle)} resolves to no node` });
        continue;
      }
      for (const [first, last] of pieces) {
        slot(target).idRanges.push({
          bus: np, first, last, mask, coherent,
          idFirst: (first - e.idBase + e.outBase) >>> 0, idLast: (last - e.idBase + e.outBase) >>> 0,
        });
      }
    }
  }

  const iommus: DtIommu[] = of.allNodes().filter((n) => acc.has(n)).map((node) => ({
    node,
    cells: node.readU32('#iommu-cells'),
    available: node.isAvailable(),
    compatible: node.readStringArray('compatible') ?? [],
    coherent: ofDmaIsCoherent(node, archDefaultCoherent),
    masters: acc.get(node)!.masters,
    idRanges: acc.get(node)!.idRanges,
  }));
  return { iommus, problems };
}

/** [a, b] minus the union of `taken`, as sorted inclusive pieces. */
function subtract(win: [number, number], taken: readonly [number, number][]): [number, number][] {
  let pieces: [number, number][] = [win];
  for (const [ta, tb] of taken) {
    const next: [number, number][] = [];
    for (const [a, b] of pieces) {
      if (tb < a || ta > b) {
        next.push([a, b]);
        continue;
      }
      if (a < ta) next.push([a, ta - 1]);
      if (b > tb) next.push([tb + 1, b]);
    }
    pieces = next;
  }
  return pieces;
}
