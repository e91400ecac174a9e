import { cached } from '@kdsim/core';
import { type OfNode, ofGetAddresses, ofTranslateAddress } from '@kdsim/firmware';

/**
 * drivers/of/platform.c: of_device_make_bus_id() — a DT device's name: walking
 * up from the node, the first node whose first `reg` entry translates to a
 * CPU address gives `<addr hex>.<node name>` (`9000000.pl011`; with a `mask`
 * property `<addr>.<bit>.<name>`); nodes on the way without one contribute
 * their full name (`platform-bus@c000000`), joined with `:`, child last.
 */
export function ofDeviceMakeBusId(np: OfNode): string {
  return cached(BUS_IDS, np, makeBusId);
}

// A node's bus id depends on the read-only tree alone (its `reg` and its ancestors'
// `ranges`): every kernel that boots the tree, thousands in an exploration, gets the same.
const BUS_IDS = new WeakMap<OfNode, string>();

function makeBusId(np: OfNode): string {
  let name: string | null = null;
  for (let node: OfNode = np; node.parent !== null; node = node.parent) {
    const reg = ofGetAddresses(node)[0];
    const addr = reg !== undefined ? ofTranslateAddress(node, reg.cells) : undefined;
    if (addr !== undefined) {
      const mask = node.readU32('mask');
      const head = mask !== undefined ? `${addr.toString(16)}.${ffs(mask) - 1}.${node.nodeName}` : `${addr.toString(16)}.${node.nodeName}`;
      return name !== null ? `${head}:${name}` : head;
    }
    name = name !== null ? `${node.name}:${name}` : node.name;
  }
  return name ?? '';
}

// ffs(): 1-based index of the lowest set bit, 0 for none
function ffs(x: number): number {
  if (x === 0) return 0;
  let i = 1;
  while ((x & 1) === 0) {
    x >>>= 1;
    i++;
  }
  return i;
}
