import { KernelModule, SoftwareNode, type SwnodePropertyValue, type SwnodeReference } from '@kdsim/core';
import type { NodeDoc, NodePropertyValue, NodeReference } from '../document.js';
import type { MachineStep } from '../registry.js';
import { populatePlatform } from './populate.js';

/** Paths of every node of an inline software-node tree (for load-time checks). */
export function swnodePaths(nodes: readonly NodeDoc[], parent = ''): string[] {
  return nodes.flatMap((n) => [`${parent}/${n.name}`, ...swnodePaths(n.children ?? [], `${parent}/${n.name}`)]);
}

function isReference(v: unknown): v is NodeReference {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'ref' in v;
}

/**
 * Builds `machine.nodes` as software nodes (drivers/base/swnode.c), resolves
 * their references, and at arch_sync creates a platform device for each node
 * with a `compatible` (or `device: true`), parented to the nearest node above
 * it that has a device — a devicetree-like population for quick experiments.
 */
export const swnodesStep: MachineStep = {
  name: 'swnodes',
  keys: ['nodes'],
  build(ctx) {
    const docs = ctx.scenario.doc.machine?.nodes ?? [];
    if (docs.length === 0) return;
    const { roots, byPath, wanted } = treeOf(docs);
    ctx.fwnodes.add(byPath);
    ctx.builtin.push(new KernelModule('swnode_populate', {
      initcalls: [{ level: 'arch_sync', name: 'swnode_platform_populate', fn: (k) => {
        populatePlatform(ctx, k, roots, (n) => wanted.get(n as SoftwareNode), true);
        return 0;
      } }],
    }));
  },
};

/** The software-node tree of one scenario's `machine.nodes`. */
interface SwnodeTree {
  readonly roots: readonly SoftwareNode[];
  /** Every node by path. */
  readonly byPath: ReadonlyMap<string, SoftwareNode>;
  /** The `device` flag of each node's document. */
  readonly wanted: ReadonlyMap<SoftwareNode, boolean | undefined>;
}

// Firmware is read-only to a kernel (what a boot attaches to a node lives in the kernel), so
// every run of a scenario boots the same tree: it is built once per document.
const TREES = new WeakMap<readonly NodeDoc[], SwnodeTree>();

function treeOf(docs: readonly NodeDoc[]): SwnodeTree {
  const cached = TREES.get(docs);
  if (cached !== undefined) return cached;
  const byPath = new Map<string, SoftwareNode>();
  const created: [SoftwareNode, NodeDoc][] = [];
  const make = (doc: NodeDoc, parent: SoftwareNode | null): SoftwareNode => {
    const node = new SoftwareNode(doc.name, parent, {}, { registered: doc.registered ?? true });
    byPath.set(node.path, node);
    created.push([node, doc]);
    for (const c of doc.children ?? []) make(c, node);
    return node;
  };
  const roots = docs.map((d) => make(d, null));
  // References are resolved once every node exists (the loader checked the paths).
  for (const [node, doc] of created) {
    for (const [name, value] of Object.entries(doc.properties ?? {})) node.setProperty(name, toSwnodeValue(value, byPath));
  }
  const tree: SwnodeTree = { roots, byPath, wanted: new Map(created.map(([n, d]) => [n, d.device])) };
  TREES.set(docs, tree);
  return tree;
}

function toSwnodeValue(value: NodePropertyValue, nodes: ReadonlyMap<string, unknown>): SwnodePropertyValue {
  const ref = (r: NodeReference): SwnodeReference => {
    const node = nodes.get(r.ref) as SoftwareNode;
    return r.args !== undefined ? { node, args: r.args } : { node };
  };
  if (value === true) return true;
  if (typeof value === 'number') return [value];
  if (typeof value === 'string') return [value];
  if (isReference(value)) return [ref(value)];
  const list = value as readonly unknown[];
  if (list.length > 0 && isReference(list[0])) return (list as readonly NodeReference[]).map(ref);
  return list as readonly number[] | readonly string[];
}
