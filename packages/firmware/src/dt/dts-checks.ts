import { type FirmwareErrorKind, FirmwareError } from '../errors.js';
import type { SrcPos } from './dts-lexer.js';
import { type LNode, type Marker, type Prop, Data, deleteNode, getNodeByRef, getProperty, liveNodes, Prop as PropClass } from './dts-livetree.js';
import type { ParsedDts } from './dts-parser.js';
import { type DeviceTree, type DtNode, type DtProperty, deviceTree, joinPath, phandleOf } from './tree.js';

/**
 * The error-level checks and fixups of dtc 1.6.1 (checks.c), in the order of
 * its check_table, on the tree the parser built; then the conversion of the
 * live part of that tree into a {@link DeviceTree}. dtc reports every failed
 * check and then refuses the tree; here the first failure is thrown.
 */

/** checks.c: NODECHARS; the first character outside it is reported. */
const BAD_NODECHAR = /[^a-zA-Z0-9,._+\-@]/;
/** checks.c: PROPNODECHARS, for property names. */
const BAD_PROPCHAR = /[^a-zA-Z0-9,._+*#?-]/;

function fail(kind: FirmwareErrorKind, pos: SrcPos, path: string, message: string): never {
  throw new FirmwareError(kind, { file: pos.file, line: pos.line, column: pos.column, path, message });
}

const propPath = (n: LNode, p: Prop): string => `${n.fullpath}:${p.name}`;

/** dtc.c: fill_fullpaths(); returns the live nodes in pre-order (the order every check visits). */
function fillFullpaths(root: LNode): LNode[] {
  root.fullpath = '/';
  root.basenamelen = root.name.indexOf('@') < 0 ? root.name.length : root.name.indexOf('@');
  const nodes: LNode[] = [];
  for (const n of liveNodes(root)) {
    nodes.push(n);
    for (const c of n.children) {
      if (c.deleted) continue;
      c.fullpath = joinPath(n.fullpath, c.name);
      const at = c.name.indexOf('@');
      c.basenamelen = at < 0 ? c.name.length : at;
    }
  }
  return nodes;
}

// data.c: data_is_one_string()
function isOneString(b: readonly number[]): boolean {
  return b.length > 0 && b.indexOf(0) === b.length - 1;
}

function checkNames(nodes: readonly LNode[]): void {
  // duplicate_node_names: a later sibling (deleted or not) of a live child
  for (const n of nodes) {
    const seen = new Set<string>();
    for (const c of n.children) {
      if (seen.has(c.name)) fail('duplicate', c.pos, joinPath(n.fullpath, c.name), 'Duplicate node name');
      if (!c.deleted) seen.add(c.name);
    }
  }
  // duplicate_property_names: a later live property of a live one (reported at the first)
  for (const n of nodes) {
    const props = n.props;
    for (let i = 0; i < props.length; i++) {
      const p = props[i]!;
      if (p.deleted) continue;
      for (let j = i + 1; j < props.length; j++) {
        const p2 = props[j]!;
        if (!p2.deleted && p2.name === p.name) fail('duplicate', p.pos, propPath(n, p), 'Duplicate property name');
      }
    }
  }
  for (const n of nodes) {
    const bad = BAD_NODECHAR.exec(n.name);
    if (bad) fail('syntax', n.pos, n.fullpath, `Bad character '${bad[0]}' in node name`);
  }
  for (const n of nodes) {
    // node_name_format: get_unitname() must not contain another '@'
    const unit = n.name.slice(n.basenamelen + 1);
    if (n.basenamelen < n.name.length && unit.includes('@')) fail('syntax', n.pos, n.fullpath, "multiple '@' characters in node name");
  }
  for (const n of nodes) {
    for (const p of n.props) {
      if (p.deleted) continue;
      const bad = BAD_PROPCHAR.exec(p.name);
      if (bad) fail('syntax', p.pos, propPath(n, p), `Bad character '${bad[0]}' in property name`);
    }
  }
}

/** name_is_string + name_properties: a correct `name` property is redundant and removed. */
function checkNameProperties(nodes: readonly LNode[]): void {
  for (const n of nodes) {
    const live = getProperty(n, 'name');
    if (live && !isOneString(live.val.bytes)) fail('syntax', live.pos, propPath(n, live), 'property is not a string');
  }
  for (const n of nodes) {
    const i = n.props.findIndex((p) => p.name === 'name');
    if (i < 0) continue;
    const p = n.props[i]!;
    const v = p.val.bytes;
    let same = v.length === n.basenamelen + 1;
    for (let k = 0; same && k < n.basenamelen; k++) same = v[k] === (n.name.charCodeAt(k) & 0xff);
    if (!same) {
      const shown = String.fromCharCode(...v.slice(0, Math.min(80, Math.max(0, v.indexOf(0)))));
      fail('syntax', p.pos, n.fullpath, `"name" property is incorrect ("${shown}" instead of base node name)`);
    }
    n.props.splice(i, 1);
  }
}

type LabelPlace = { node: LNode; prop: Prop | null; mark: Marker | null; pos: SrcPos };

/** duplicate_label: one label may name only one node, property or value position. */
function checkDuplicateLabels(nodes: readonly LNode[]): void {
  const nodeL = new Map<string, LabelPlace>();
  const propL = new Map<string, LabelPlace>();
  const markL = new Map<string, LabelPlace>();
  const order: [string, LabelPlace][] = [];
  for (const n of nodes) {
    for (const l of n.labels) {
      if (l.deleted) continue;
      const at = { node: n, prop: null, mark: null, pos: l.pos };
      if (!nodeL.has(l.label)) nodeL.set(l.label, at);
      order.push([l.label, at]);
    }
    for (const p of n.props) {
      if (p.deleted) continue;
      for (const l of p.labels) {
        if (l.deleted) continue;
        const at = { node: n, prop: p, mark: null, pos: l.pos };
        if (!propL.has(l.label)) propL.set(l.label, at);
        order.push([l.label, at]);
      }
      for (const m of p.val.markers) {
        if (m.type !== 'LABEL') continue;
        const at = { node: n, prop: p, mark: m, pos: m.pos };
        if (!markL.has(m.ref)) markL.set(m.ref, at);
        order.push([m.ref, at]);
      }
    }
  }
  const desc = (x: LabelPlace): string => `${x.mark ? 'value of ' : ''}${x.prop ? `'${x.prop.name}' in ` : ''}${x.node.fullpath}`;
  for (const [label, at] of order) {
    const first = nodeL.get(label) ?? propL.get(label) ?? markL.get(label)!;
    if (first.node !== at.node || first.prop !== at.prop || first.mark !== at.mark) {
      fail('duplicate', at.pos, at.node.fullpath, `Duplicate label '${label}' on ${desc(at)} and ${desc(first)}`);
    }
  }
}

const be32 = (b: readonly number[], o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const validPhandle = (ph: number): boolean => ph !== 0 && ph !== 0xffffffff;

class Phandles {
  readonly used = new Set<number>();
  lastPos: SrcPos | undefined;
  // livetree.c: get_node_phandle()'s static counter: starts at 1, never reset.
  #next = 1;

  /** check_phandle_prop(): an explicit phandle value, 0 for none or a self-reference. */
  explicit(root: LNode, n: LNode, name: string): number {
    const p = getProperty(n, name);
    if (!p) return 0;
    this.lastPos = p.pos;
    if (p.val.bytes.length !== 4) fail('syntax', p.pos, propPath(n, p), `bad length (${p.val.bytes.length}) ${name} property`);
    const ref = p.val.markers.find((m) => m.type === 'REF_PHANDLE');
    if (ref) {
      if (getNodeByRef(root, ref.ref) !== n) fail('syntax', p.pos, n.fullpath, `${name} is a reference to another node`);
      return 0;
    }
    const ph = be32(p.val.bytes, 0);
    if (!validPhandle(ph)) fail('syntax', p.pos, propPath(n, p), `bad value (0x${ph.toString(16)}) in ${name} property`);
    return ph;
  }

  /** check_explicit_phandles(). */
  checkExplicit(root: LNode, nodes: readonly LNode[]): void {
    const owner = new Map<number, LNode>();
    for (const n of nodes) {
      let ph = this.explicit(root, n, 'phandle');
      const phPos = this.lastPos;
      const lph = this.explicit(root, n, 'linux,phandle');
      if (ph === 0 && lph === 0) continue;
      if (ph !== 0 && lph !== 0 && ph !== lph) fail('syntax', n.pos, n.fullpath, "mismatching 'phandle' and 'linux,phandle' properties");
      if (ph === 0) ph = lph;
      const other = owner.get(ph);
      if (other && other !== n) fail('duplicate', (ph === lph ? this.lastPos : phPos) ?? n.pos, n.fullpath, `duplicated phandle 0x${ph.toString(16)} (seen before at ${other.fullpath})`);
      owner.set(ph, n);
      n.phandle = ph;
      this.used.add(ph);
    }
  }

  /** livetree.c: get_node_phandle() with dtc's default -H epapr: add `phandle` only. */
  get(n: LNode, pos: SrcPos): number {
    if (validPhandle(n.phandle)) return n.phandle;
    while (this.used.has(this.#next)) this.#next++;
    const ph = this.#next;
    n.phandle = ph;
    this.used.add(ph);
    if (!getProperty(n, 'phandle')) n.props.push(new PropClass('phandle', new Data().appendInteger(BigInt(ph), 32), pos));
    return ph;
  }
}

/** fixup_phandle_references() then fixup_path_references(). */
function fixupReferences(root: LNode, nodes: readonly LNode[], phandles: Phandles): void {
  for (const n of nodes) {
    for (const p of n.props) {
      if (p.deleted) continue;
      for (const m of p.val.markers) {
        if (m.type !== 'REF_PHANDLE') continue;
        const target = getNodeByRef(root, m.ref);
        if (!target) fail('danglingReference', m.pos, n.fullpath, `Reference to non-existent node or label "${m.ref}"`);
        const ph = phandles.get(target, m.pos);
        const b = p.val.bytes;
        b[m.offset] = ph >>> 24;
        b[m.offset + 1] = (ph >>> 16) & 0xff;
        b[m.offset + 2] = (ph >>> 8) & 0xff;
        b[m.offset + 3] = ph & 0xff;
        target.isReferenced = true;
      }
    }
  }
  for (const n of nodes) {
    for (const p of n.props) {
      if (p.deleted) continue;
      for (const m of [...p.val.markers]) {
        if (m.type !== 'REF_PATH') continue;
        const target = getNodeByRef(root, m.ref);
        if (!target) fail('danglingReference', m.pos, n.fullpath, `Reference to non-existent node or label "${m.ref}"`);
        const path = [...target.fullpath].map((c) => c.charCodeAt(0) & 0xff);
        path.push(0);
        p.val.insertAt(m, path);
        target.isReferenced = true;
      }
    }
  }
}

/** fixup_omit_unused_nodes(): /omit-if-no-ref/ nodes nobody referenced go away. */
function omitUnused(nodes: readonly LNode[]): void {
  for (const n of nodes) if (!n.deleted && n.omitIfUnused && !n.isReferenced) deleteNode(n);
}

function toDtNode(root: LNode, nodes: readonly LNode[]): DtNode {
  // All values share one buffer: one allocation instead of one per property.
  let total = 0;
  for (const n of nodes) if (!n.deleted) for (const p of n.props) if (!p.deleted) total += p.val.bytes.length;
  const buf = new Uint8Array(total);
  let at = 0;
  // Recursion depth is bounded by the parser's nesting limit.
  const build = (n: LNode): DtNode => {
    const props: DtProperty[] = [];
    for (const p of n.props) {
      if (p.deleted) continue;
      const b = p.val.bytes;
      buf.set(b, at);
      props.push({ name: p.name, value: buf.subarray(at, at + b.length) });
      at += b.length;
    }
    const kids: DtNode[] = [];
    for (const c of n.children) if (!c.deleted) kids.push(build(c));
    return { name: n.name, properties: props, children: kids, phandle: phandleOf(props) };
  };
  return build(root);
}

/** A deleted root makes dtc write a blob with no node at all (only FDT_END), which Linux rejects; we refuse it. */
function rootMustStay(root: LNode): void {
  if (!root.deleted) return;
  throw new FirmwareError('unsupported', {
    file: root.pos.file, line: root.pos.line, column: root.pos.column, path: '/',
    message: 'the root node is deleted (/delete-node/ or /omit-if-no-ref/ on it); dtc would write a blob without any node',
  });
}

/**
 * Runs dtc's error-level checks and reference fixups on a parsed source and
 * returns the tree dtc would write (`file` names it).
 */
export function finishDts(parsed: ParsedDts, file: string): DeviceTree {
  const root = parsed.root;
  rootMustStay(root);
  const nodes = fillFullpaths(root);
  checkNames(nodes);
  checkNameProperties(nodes);
  checkDuplicateLabels(nodes);
  const phandles = new Phandles();
  phandles.checkExplicit(root, nodes);
  fixupReferences(root, nodes, phandles);
  omitUnused(nodes);
  rootMustStay(root);
  return deviceTree(toDtNode(root, nodes), { file, bootCpuidPhys: parsed.bootCpuidPhys, memreserve: parsed.memreserve });
}
