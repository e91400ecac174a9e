import type { SrcPos } from './dts-lexer.js';

/**
 * dtc's in-memory tree (dtc.h, livetree.c, data.c) as the DTS compiler
 * builds it: property values with markers, labels, and `deleted` flags —
 * dtc never unlinks a deleted node or property, so a later definition of
 * the same name revives it in its old place.
 */

/** data.c markers that matter for a blob: references to fix up and labels. */
export interface Marker {
  /** Byte offset in the value. */
  offset: number;
  /** REF_PHANDLE (a 32-bit cell to fill), REF_PATH (a path to insert) or LABEL. */
  readonly type: 'REF_PHANDLE' | 'REF_PATH' | 'LABEL';
  /** The label or path referenced, or the label name. */
  readonly ref: string;
  /** Where the reference or label was written. */
  readonly pos: SrcPos;
}

/** struct data: bytes plus markers. */
export class Data {
  /** Value bytes. */
  bytes: number[] = [];
  /** Markers in offset order. */
  markers: Marker[] = [];

  /** data_merge(): appends `other` (its markers shift). */
  merge(other: Data): this {
    const base = this.bytes.length;
    for (const b of other.bytes) this.bytes.push(b);
    for (const m of other.markers) this.markers.push({ ...m, offset: m.offset + base });
    return this;
  }

  /** data_add_marker() at the current end. */
  mark(type: Marker['type'], ref: string, pos: SrcPos): this {
    this.markers.push({ offset: this.bytes.length, type, ref, pos });
    return this;
  }

  /** data_append_integer(): `bits`-wide big-endian, truncated. */
  appendInteger(value: bigint, bits: number): this {
    if (bits === 64) {
      this.appendInteger(value >> 32n, 32);
      return this.appendInteger(value, 32);
    }
    const v = Number(BigInt.asUintN(bits, value));
    if (bits === 32) this.bytes.push(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
    else if (bits === 16) this.bytes.push(v >>> 8, v & 0xff);
    else this.bytes.push(v);
    return this;
  }

  /** data_insert_at_marker(): inserts bytes at `m`; every marker after it in the list moves. */
  insertAt(m: Marker, bytes: readonly number[]): void {
    this.bytes.splice(m.offset, 0, ...bytes);
    const i = this.markers.indexOf(m);
    for (let k = i + 1; k < this.markers.length; k++) this.markers[k]!.offset += bytes.length;
  }
}

/** struct label. */
export class Label {
  deleted = false;
  /** Creates a label. */
  constructor(readonly label: string, readonly pos: SrcPos) {}
}

/** livetree.c: add_label(): re-adding a label undeletes it; otherwise it is added. */
export function addLabel(labels: Label[], label: string, pos: SrcPos): void {
  for (const l of labels) {
    if (l.label === label) {
      l.deleted = false;
      return;
    }
  }
  labels.unshift(new Label(label, pos));
}

/** struct property. */
export class Prop {
  deleted = false;
  readonly labels: Label[] = [];
  /** Creates a property. */
  constructor(readonly name: string, public val: Data, readonly pos: SrcPos) {}
}

/** struct node. */
export class LNode {
  deleted = false;
  name = '';
  props: Prop[] = [];
  children: LNode[] = [];
  parent: LNode | null = null;
  readonly labels: Label[] = [];
  phandle = 0;
  omitIfUnused = false;
  isReferenced = false;
  fullpath = '';
  basenamelen = 0;
  /** Creates a node. */
  constructor(readonly pos: SrcPos) {}

  /** for_each_property(): live properties. */
  liveProps(): Prop[] {
    return this.props.filter((p) => !p.deleted);
  }

  /** for_each_child(): live children. */
  liveChildren(): LNode[] {
    return this.children.filter((c) => !c.deleted);
  }
}

/** livetree.c: get_property(). */
export function getProperty(node: LNode, name: string): Prop | undefined {
  for (const p of node.props) if (!p.deleted && p.name === name) return p;
  return undefined;
}

/** livetree.c: add_property() — appends. */
export function addProperty(node: LNode, prop: Prop): void {
  node.props.push(prop);
}

/** livetree.c: add_child() — appends. */
export function addChild(parent: LNode, child: LNode): void {
  child.parent = parent;
  parent.children.push(child);
}

/** livetree.c: delete_property(). */
export function deleteProperty(prop: Prop): void {
  prop.deleted = true;
  for (const l of prop.labels) l.deleted = true;
}

/** livetree.c: delete_property_by_name() — the first property of that name, deleted or not. */
export function deletePropertyByName(node: LNode, name: string): void {
  const p = node.props.find((x) => x.name === name);
  if (p) deleteProperty(p);
}

/** livetree.c: delete_node() — the node, its live subtree, their properties and labels. */
export function deleteNode(node: LNode): void {
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    n.deleted = true;
    for (const c of n.children) if (!c.deleted) stack.push(c);
    for (const p of n.props) if (!p.deleted) deleteProperty(p);
    for (const l of n.labels) l.deleted = true;
  }
}

/** livetree.c: delete_node_by_name() — the first child of that name, deleted or not. */
export function deleteNodeByName(parent: LNode, name: string): void {
  const c = parent.children.find((x) => x.name === name);
  if (c) deleteNode(c);
}

/**
 * livetree.c: merge_nodes(): `newNode`'s labels, properties (replacing
 * values in place, reviving deleted ones) and children (merged recursively)
 * move into `oldNode`; delete-markers delete by name.
 */
export function mergeNodes(o: LNode, n: LNode): LNode {
  o.deleted = false;
  for (const l of [...n.labels].reverse()) addLabel(o.labels, l.label, l.pos);
  for (const np of n.props) {
    if (np.deleted) {
      deletePropertyByName(o, np.name);
      continue;
    }
    const op = o.props.find((x) => x.name === np.name);
    if (op) {
      for (const l of [...np.labels].reverse()) addLabel(op.labels, l.label, l.pos);
      op.val = np.val;
      op.deleted = false;
    } else {
      addProperty(o, np);
    }
  }
  for (const nc of n.children) {
    if (nc.deleted) {
      deleteNodeByName(o, nc.name);
      continue;
    }
    const oc = o.children.find((x) => x.name === nc.name);
    if (oc) mergeNodes(oc, nc);
    else addChild(o, nc);
  }
  return o;
}

/** livetree.c: get_node_by_path() (exact names; `//` is not collapsed at the end). */
export function getNodeByPath(tree: LNode, path: string): LNode | undefined {
  let node = tree;
  let rest = path;
  for (;;) {
    if (rest === '') return node.deleted ? undefined : node;
    let i = 0;
    while (rest[i] === '/') i++;
    rest = rest.slice(i);
    const slash = rest.indexOf('/');
    const want = slash < 0 ? rest : rest.slice(0, slash);
    const child = node.children.find((c) => !c.deleted && c.name === want);
    if (!child) return undefined;
    if (slash < 0) return child;
    node = child;
    rest = rest.slice(slash + 1);
  }
}

/** livetree.c: get_node_by_label() — pre-order, live nodes and labels. */
export function getNodeByLabel(tree: LNode, label: string): LNode | undefined {
  const stack = [tree];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.labels.some((l) => !l.deleted && l.label === label)) return n;
    const kids = n.liveChildren();
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return undefined;
}

/** livetree.c: get_node_by_ref() (dtc 1.6.1: a path or a label, no label-relative paths). */
export function getNodeByRef(tree: LNode, ref: string): LNode | undefined {
  if (ref === '/') return tree;
  if (ref.startsWith('/')) return getNodeByPath(tree, ref);
  return getNodeByLabel(tree, ref);
}

/** Live nodes in pre-order (check_nodes_props() order). */
export function* liveNodes(tree: LNode): Generator<LNode> {
  const stack = [tree];
  while (stack.length > 0) {
    const n = stack.pop()!;
    yield n;
    const kids = n.liveChildren();
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
}
