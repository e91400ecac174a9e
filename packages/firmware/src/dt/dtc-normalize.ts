import { type DeviceTree, type DtNode, deviceTree, dtNode } from './tree.js';

/**
 * dtc checks.c: check_is_string() / data_is_one_string(): exactly one
 * NUL, at the end.
 */
export function isOneString(v: Uint8Array): boolean {
  if (v.length === 0) return false;
  const nul = v.indexOf(0);
  return nul === v.length - 1;
}

/**
 * dtc checks.c: check_name_properties(): a `name` property equal to the node
 * name up to `@` is redundant and dtc deletes it; any other `name` is left
 * alone here (dtc would refuse the tree).
 */
function redundantName(node: DtNode): number {
  const i = node.properties.findIndex((p) => p.name === 'name');
  if (i < 0) return -1;
  const v = node.properties[i]!.value;
  if (!isOneString(v)) return -1;
  const at = node.name.indexOf('@');
  const base = at < 0 ? node.name : node.name.slice(0, at);
  if (v.length !== base.length + 1) return -1;
  for (let k = 0; k < base.length; k++) if (v[k] !== (base.charCodeAt(k) & 0xff)) return -1;
  return i;
}

function normalizeNode(node: DtNode): DtNode {
  const drop = redundantName(node);
  const children = node.children.map(normalizeNode);
  if (drop < 0 && children.every((c, i) => c === node.children[i])) return node;
  return dtNode(node.name, drop < 0 ? node.properties : node.properties.filter((_, i) => i !== drop), children);
}

/**
 * The tree dtc itself would output for this input: what its checks change in
 * any tree, whatever the input format (today only the redundant `name`
 * properties of check_name_properties()). Returns `tree` itself when nothing
 * changes.
 */
export function dtcNormalize(tree: DeviceTree): DeviceTree {
  const root = normalizeNode(tree.root);
  if (root === tree.root) return tree;
  return deviceTree(root, tree);
}
