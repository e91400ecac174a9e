import type { OfNode } from './of.js';

/**
 * drivers/pci/of.c: how Linux gives a PCI function its DT node — by devfn
 * only, from the first `reg` cell of a child of the bus's node.
 */

/** drivers/pci/of.c: of_pci_get_devfn(): `(reg[0] >> 8) & 0xff`, or -1 when `reg` has fewer than 5 cells. */
export function ofPciGetDevfn(np: OfNode): number {
  const hi = np.readU32('reg', 4) === undefined ? undefined : np.readU32('reg', 0);
  return hi === undefined ? -1 : (hi >>> 8) & 0xff;
}

/**
 * drivers/pci/of.c: of_pci_find_child_device(): the first child of `parent`
 * whose devfn matches, also looking one level into children named
 * `multifunc-device`; null when none matches.
 */
export function ofPciFindChildDevice(parent: OfNode, devfn: number): OfNode | null {
  for (const node of parent.children) {
    if (ofPciGetDevfn(node) === devfn) return node;
    if (node.nameEq('multifunc-device')) {
      for (const node2 of node.children) if (ofPciGetDevfn(node2) === devfn) return node2;
    }
  }
  return null;
}

/** PCI_DEVFN(slot, func). */
export function pciDevfn(slot: number, func: number): number {
  return ((slot & 0x1f) << 3) | (func & 0x07);
}

/** PCI_DEVID(bus, devfn): the requester ID. */
export function pciDevid(bus: number, devfn: number): number {
  return ((bus & 0xff) << 8) | (devfn & 0xff);
}
