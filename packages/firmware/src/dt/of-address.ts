import { cached } from '@kdsim/core';
import type { OfNode } from './of.js';
import { ofParsePhandleWithArgs } from './of-phandle.js';
import { be32 } from './tree.js';

/**
 * Addressing (drivers/of/base.c, drivers/of/address.c): `#address-cells`,
 * `#size-cells`, `reg`, translation through `ranges`, and DMA coherency.
 */

/** OF_ROOT_NODE_ADDR_CELLS_DEFAULT / OF_ROOT_NODE_SIZE_CELLS_DEFAULT. */
const ROOT_ADDR_CELLS = 1;
const ROOT_SIZE_CELLS = 1;
/** OF_MAX_ADDR_CELLS. */
const OF_MAX_ADDR_CELLS = 4;

/**
 * base.c: of_bus_n_addr_cells(): `#address-cells` of `np` or, failing that,
 * of its nearest ancestor (Linux's deprecated fallback), else 1.
 */
export function ofBusNAddrCells(np: OfNode): number {
  for (let n: OfNode | null = np; n !== null; n = n.parent) {
    const c = n.readU32('#address-cells');
    if (c !== undefined) return c;
  }
  return ROOT_ADDR_CELLS;
}

/** base.c: of_bus_n_size_cells(): as {@link ofBusNAddrCells} for `#size-cells`, else 1. */
export function ofBusNSizeCells(np: OfNode): number {
  for (let n: OfNode | null = np; n !== null; n = n.parent) {
    const c = n.readU32('#size-cells');
    if (c !== undefined) return c;
  }
  return ROOT_SIZE_CELLS;
}

/** base.c: of_n_addr_cells(): the cells `np`'s own `reg` addresses use (its parent's bus). */
export function ofNAddrCells(np: OfNode): number {
  return ofBusNAddrCells(np.parent ?? np);
}

/** base.c: of_n_size_cells(). */
export function ofNSizeCells(np: OfNode): number {
  return ofBusNSizeCells(np.parent ?? np);
}

/** of_read_number(): up to 4 cells, keeping the low 64 bits as Linux's u64 does. */
export function ofReadNumber(cells: readonly number[], start: number, count: number): bigint {
  let r = 0n;
  for (let i = 0; i < count; i++) r = BigInt.asUintN(64, (r << 32n) | BigInt(cells[start + i] ?? 0));
  return r;
}

/** One `reg` entry in the parent bus's address space. */
export interface OfRegEntry {
  /** The raw address cells (PCI: phys.hi, phys.mid, phys.lo). */
  readonly cells: readonly number[];
  /** The address as a number (for PCI: the low 64 bits of the 3 cells). */
  readonly address: bigint;
  /** The size. */
  readonly size: bigint;
}

// of_bus_pci_match(): a bus is PCI by device_type ("pci", "pciex", "vci",
// "ht") or, with a warning in Linux, by the node name "pcie"; its children
// use 3 address cells with one flag cell. (The ISA bus is not modelled.)
function isPciBus(bus: OfNode): boolean {
  return bus.isType('pci') || bus.isType('pciex') || bus.isType('vci') || bus.isType('ht') || bus.nameEq('pcie');
}

/** Address cells, size cells and flag cells of the bus `parent` for its children (of_bus count_cells). */
function busCells(parent: OfNode): { na: number; ns: number; flags: number } {
  if (isPciBus(parent)) return { na: 3, ns: 2, flags: 1 };
  const na = ofBusNAddrCells(parent);
  const ns = ofBusNSizeCells(parent);
  // of_bus_default_flags_match(): a non-PCI bus with 3 address cells has a flag cell
  return { na, ns, flags: na === 3 ? 1 : 0 };
}

/**
 * address.c: __of_get_address() for every index: `np`'s `reg` split with the
 * parent bus's cell counts; entries that do not fit are dropped, as Linux's
 * loop does. Empty when there is no parent, no `reg`, or a bad address-cell
 * count (not 1..4).
 */
export function ofGetAddresses(np: OfNode): readonly OfRegEntry[] {
  return cached(ADDRESSES, np, frozenAddresses);
}

// A node's `reg` entries depend on the read-only tree alone (its `reg` and its bus's cell
// counts), and every kernel that boots the tree reads them (the explorer boots thousands).
const ADDRESSES = new WeakMap<OfNode, readonly OfRegEntry[]>();

function frozenAddresses(np: OfNode): readonly OfRegEntry[] {
  return Object.freeze(getAddresses(np));
}

function getAddresses(np: OfNode): OfRegEntry[] {
  if (np.parent === null) return [];
  const v = np.getProperty('reg');
  if (v === undefined) return [];
  const reg: number[] = [];
  for (let i = 0; i + 4 <= v.length; i += 4) reg.push(be32(v, i)); // psize /= 4
  const { na, ns } = busCells(np.parent);
  if (na <= 0 || na > OF_MAX_ADDR_CELLS) return [];
  const one = na + ns;
  const out: OfRegEntry[] = [];
  for (let i = 0; reg.length - i >= one; i += one) {
    const cells = reg.slice(i, i + na);
    out.push({ cells, address: ofReadNumber(cells, 0, na), size: ofReadNumber(reg, i + na, ns) });
  }
  return out;
}

/** address.c: OF_BAD_ADDR as the absence of a result. */
export type OfTranslated = bigint | undefined;

/**
 * address.c: of_translate_address(): maps an address given in `np`'s parent
 * bus (the cells of one `reg` entry) to a CPU physical address by walking up
 * through each bus's `ranges`: an empty `ranges` is a 1:1 window, a missing
 * one ends translation (OF_BAD_ADDR, returned as undefined), an address in
 * no window is untranslatable. Default and PCI bus rules.
 */
export function ofTranslateAddress(np: OfNode, inAddr: readonly number[]): OfTranslated {
  let dev: OfNode | null = np.parent;
  if (dev === null) return undefined;
  let bus = busCells(dev);
  if (bus.na <= 0 || bus.na > OF_MAX_ADDR_CELLS || bus.ns <= 0) return undefined;
  let addr = inAddr.slice(0, bus.na);
  while (addr.length < bus.na) addr.push(0);
  let busIsPci = isPciBus(dev);
  for (let hops = 0; hops < 4096; hops++) {
    const parent: OfNode | null = dev.parent;
    if (parent === null) return ofReadNumber(addr, 0, bus.na); // reached the root
    const pbus = busCells(parent);
    if (pbus.na <= 0 || pbus.na > OF_MAX_ADDR_CELLS || pbus.ns <= 0) return undefined;
    // of_translate_one() on the bus node `dev`
    const ranges = dev.getProperty('ranges');
    if (ranges === undefined) return undefined; // "no ranges; cannot translate"
    let offset: bigint;
    let newAddr: number[];
    if (ranges.length === 0) {
      offset = ofReadNumber(addr, 0, bus.na);
      newAddr = new Array<number>(pbus.na).fill(0);
      for (let i = 0; i < pbus.flags; i++) newAddr[i] = addr[i] ?? 0;
    } else {
      const r: number[] = [];
      for (let i = 0; i + 4 <= ranges.length; i += 4) r.push(be32(ranges, i));
      const rone = bus.na + pbus.na + bus.ns;
      let found: bigint | undefined;
      let at = 0;
      for (; r.length - at >= rone; at += rone) {
        found = mapRange(addr, r, at, bus.na, bus.ns, pbus.na, bus.flags, busIsPci);
        if (found !== undefined) break;
      }
      if (found === undefined) return undefined; // "not found !"
      offset = found;
      newAddr = r.slice(at + bus.na, at + bus.na + pbus.na);
    }
    // of_bus_default_translate(): add the offset to the parent address
    const fna = pbus.flags;
    const a = BigInt.asUintN(64, ofReadNumber(newAddr, fna, pbus.na - fna) + offset);
    addr = newAddr.slice();
    for (let i = fna; i < pbus.na; i++) addr[i] = 0;
    if (pbus.na - fna > 1) addr[pbus.na - 2] = Number((a >> 32n) & 0xffffffffn);
    addr[pbus.na - 1] = Number(a & 0xffffffffn);
    dev = parent;
    bus = pbus;
    busIsPci = isPciBus(parent);
  }
  return undefined;
}

// of_bus_default_map() / of_bus_pci_map(): offset of `addr` inside the
// range at `at`, or undefined when it is outside (or of another PCI space).
function mapRange(addr: readonly number[], r: readonly number[], at: number, na: number, ns: number, pna: number, fna: number, pci: boolean): bigint | undefined {
  if (pci) {
    // IORESOURCE_IO vs IORESOURCE_MEM from the space code of phys.hi
    const space = (x: number): number => (x >>> 24) & 0x3;
    const kind = (s: number): number => (s === 1 ? 1 : s >= 2 ? 2 : 0);
    if (kind(space(addr[0]!)) !== kind(space(r[at]!))) return undefined;
  }
  const cp = ofReadNumber(r, at + fna, na - fna);
  const s = ofReadNumber(r, at + na + pna, ns);
  const da = ofReadNumber(addr, fna, na - fna);
  if (da < cp || da >= BigInt.asUintN(64, cp + s)) return undefined;
  return da - cp;
}

/** A `reg` entry translated to the CPU address space (address.c: of_address_to_resource()). */
export interface OfResource {
  /** CPU physical start address. */
  readonly start: bigint;
  /** Size in bytes. */
  readonly size: bigint;
}

/** address.c: of_address_to_resource() for entry `index` of `reg`; undefined when absent or untranslatable. */
export function ofAddressToResource(np: OfNode, index = 0): OfResource | undefined {
  const e = ofGetAddresses(np)[index];
  if (e === undefined) return undefined;
  const start = ofTranslateAddress(np, e.cells);
  if (start === undefined) return undefined;
  return { start, size: e.size };
}

/**
 * address.c: of_get_next_dma_parent(): the target of the `interconnects`
 * entry named `dma-mem` in `interconnect-names`, else the parent.
 */
export function ofGetNextDmaParent(np: OfNode): OfNode | null {
  const index = np.matchString('interconnect-names', 'dma-mem');
  if (index < 0) return np.parent;
  const r = ofParsePhandleWithArgs(np, 'interconnects', '#interconnect-cells', -1, index);
  if (r.errno !== 0) return np.parent;
  return r.node;
}

/**
 * address.c: of_dma_is_coherent(): the first of `np` and its DMA parents
 * with `dma-coherent` (true) or `dma-noncoherent` (false) decides; else the
 * architecture default (`dma_default_coherent`: false on arm/arm64, true on
 * x86). For PCI devices pass the host-bridge node. A DMA-parent cycle (which
 * would hang Linux) ends the walk with the default.
 */
export function ofDmaIsCoherent(np: OfNode, archDefaultCoherent = false): boolean {
  const limit = np.tree.allNodes().length + 1;
  let n: OfNode | null = np;
  for (let hops = 0; n !== null && hops <= limit; hops++) {
    if (n.hasProperty('dma-coherent')) return true;
    if (n.hasProperty('dma-noncoherent')) return false;
    n = ofGetNextDmaParent(n);
  }
  return archDefaultCoherent;
}
