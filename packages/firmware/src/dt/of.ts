import { cached, Errno, internString, type Fwnode, type FwnodeKernelRecord, type FwnodeReferenceResult, type KernelProfile } from '@kdsim/core';
import { type OfIrqBehaviour, type OfIrqSupplierResult, ofInterruptMapParent, ofIrqBehaviour, ofIrqSupplier } from './of-irq.js';
import { ofParsePhandleWithArgs } from './of-phandle.js';
import { type DeviceTree, type DtNode, type DtProperty, be32, dtProperty, joinPath, latin1 } from './tree.js';

/**
 * The OF live tree (drivers/of/base.c, property.c): nodes with parents and
 * full paths, the phandle lookup, and the property readers drivers use.
 */

/** A C string in a property: the bytes up to the first NUL (or the end). */
function cString(v: Uint8Array): string {
  const nul = v.indexOf(0);
  return latin1(v, 0, nul < 0 ? v.length : nul);
}

/**
 * fdt.c: populate_properties(): a node without a `name` property gets one
 * made from its node name up to the last `@`.
 */
function synthesizedName(nodeName: string): DtProperty {
  const at = nodeName.lastIndexOf('@');
  const base = at < 0 ? nodeName : nodeName.slice(0, at);
  const v = new Uint8Array(base.length + 1);
  for (let i = 0; i < base.length; i++) v[i] = base.charCodeAt(i) & 0xff;
  return dtProperty('name', v);
}

/** One node of the live tree; implements the kernel's fwnode operations for OF. */
export class OfNode implements Fwnode {
  /** Always `of`. */
  readonly type = 'of';
  /** full_name: the node name with unit address (`iommu@5000000`); `''` for the root. */
  readonly name: string;
  /** The full path (`/soc/iommu@5000000`, `/` for the root). */
  readonly path: string;
  /** The parent node, null for the root. */
  readonly parent: OfNode | null;
  readonly #children: OfNode[] = [];
  /** np->phandle (0 when none). */
  readonly phandle: number;
  /** The tree this node belongs to. */
  readonly tree: OfTree;
  /** The blob node it was made from. */
  readonly source: DtNode;
  readonly #props: readonly DtProperty[];
  readonly #byName = new Map<string, DtProperty>();
  // `compatible` decoded once (null: not yet); see readStringArray().
  #compatible: readonly string[] | undefined | null = null;
  // `compatible` as of_prop_next_string() walks it, lower-cased (null: not yet); see compatibleForMatch().
  #compatibleLower: readonly string[] | null = null;
  /** See {@link Fwnode.kernelRecord}. @internal */
  kernelRecord: FwnodeKernelRecord | null = null;

  /** @internal Built by {@link OfTree}. */
  constructor(tree: OfTree, source: DtNode, parent: OfNode | null) {
    this.tree = tree;
    this.source = source;
    this.parent = parent;
    this.name = source.name;
    this.path = parent === null ? '/' : joinPath(parent.path, source.name);
    this.phandle = source.phandle;
    const props = [...source.properties];
    if (!props.some((p) => p.name === 'name')) props.push(synthesizedName(source.name));
    this.#props = props;
    for (const p of props) if (!this.#byName.has(p.name)) this.#byName.set(p.name, p);
  }

  /** Children in blob order. */
  get children(): readonly OfNode[] {
    return this.#children;
  }

  /** @internal Used by {@link OfTree} while building. */
  adoptChild(child: OfNode): void {
    this.#children.push(child);
  }

  /** np->name: the `name` property (made from the node name when the blob has none). */
  get nodeName(): string {
    return cString(this.#byName.get('name')!.value);
  }

  /** All properties in order, including a synthesised `name` at the end. */
  get properties(): readonly DtProperty[] {
    return this.#props;
  }

  /** base.c: of_get_property(): the first property of that name, or undefined. */
  getProperty(name: string): Uint8Array | undefined {
    return this.#byName.get(name)?.value;
  }

  /** of_property_present() / of_property_read_bool(). */
  hasProperty(name: string): boolean {
    return this.#byName.has(name);
  }

  /** Property names in order. */
  propertyNames(): readonly string[] {
    return this.#props.map((p) => p.name);
  }

  /**
   * property.c: of_property_read_u32_index(): cell `index` if the property
   * holds at least `index + 1` cells, else undefined.
   */
  readU32(name: string, index = 0): number | undefined {
    const v = this.getProperty(name);
    if (v === undefined || v.length < (index + 1) * 4) return undefined;
    return be32(v, index * 4);
  }

  /** of_property_read_u64(): the first 8 bytes as a big-endian u64. */
  readU64(name: string): bigint | undefined {
    const v = this.getProperty(name);
    if (v === undefined || v.length < 8) return undefined;
    return (BigInt(be32(v, 0)) << 32n) | BigInt(be32(v, 4));
  }

  /** of_property_count_u32_elems() + read: every cell, or undefined if absent or not a whole number of cells. */
  readU32Array(name: string): readonly number[] | undefined {
    const v = this.getProperty(name);
    if (v === undefined || v.length % 4 !== 0) return undefined;
    const out: number[] = [];
    for (let i = 0; i < v.length; i += 4) out.push(be32(v, i));
    return out;
  }

  /** property.c: of_property_read_string(): the first string; undefined if absent, empty or unterminated. */
  readString(name: string): string | undefined {
    const v = this.getProperty(name);
    if (v === undefined || v.length === 0) return undefined;
    const nul = v.indexOf(0);
    if (nul < 0) return undefined;
    return latin1(v, 0, nul);
  }

  /** property.c: of_property_read_string_helper(): all strings; undefined if absent, empty or not NUL-terminated. */
  readStringArray(name: string): readonly string[] | undefined {
    // Every bus match reads `compatible`; the live tree is read-only, so it is decoded once.
    // Interned, as driver match tables' literals are: a match compares by identity.
    if (name === 'compatible') return this.#compatible === null ? (this.#compatible = freeze(this.#decodeStrings(name)?.map(internString))) : this.#compatible;
    return this.#decodeStrings(name);
  }

  /**
   * The `compatible` strings as __of_device_is_compatible() walks them with
   * of_prop_next_string() (a final unterminated string counts), lower-cased for
   * of_compat_cmp(). Decoded once: every OF match reads it. @internal
   */
  compatibleForMatch(): readonly string[] {
    if (this.#compatibleLower !== null) return this.#compatibleLower;
    const v = this.getProperty('compatible');
    const out: string[] = [];
    let start = 0;
    while (v !== undefined && start < v.length) {
      let end = v.indexOf(0, start);
      if (end < 0) end = v.length;
      out.push(internString(latin1(v, start, end).toLowerCase()));
      start = end + 1;
    }
    return (this.#compatibleLower = Object.freeze(out));
  }

  #decodeStrings(name: string): string[] | undefined {
    const v = this.getProperty(name);
    if (v === undefined || v.length === 0 || v[v.length - 1] !== 0) return undefined;
    const out: string[] = [];
    let start = 0;
    while (start < v.length) {
      const nul = v.indexOf(0, start);
      out.push(latin1(v, start, nul));
      start = nul + 1;
    }
    return out;
  }

  /** property.c: of_property_match_string(): index of `s`, or -EINVAL (absent) / -EILSEQ (unterminated) / -ENODATA (not found). */
  matchString(name: string, s: string): number {
    const v = this.getProperty(name);
    if (v === undefined) return -Errno.EINVAL;
    let start = 0;
    for (let i = 0; start < v.length; i++) {
      const nul = v.indexOf(0, start);
      if (nul < 0) return -84; // -EILSEQ
      if (latin1(v, start, nul) === s) return i;
      start = nul + 1;
    }
    return -61; // -ENODATA
  }

  /** base.c: __of_device_is_available(): no `status`, or a non-empty one reading "okay" or "ok". */
  isAvailable(): boolean {
    const v = this.getProperty('status');
    if (v === undefined) return true;
    if (v.length === 0) return false;
    const s = cString(v);
    return s === 'okay' || s === 'ok';
  }

  /** base.c: of_node_name_eq(): the node name up to `@` equals `name`. */
  nameEq(name: string): boolean {
    const at = this.name.indexOf('@');
    return (at < 0 ? this.name : this.name.slice(0, at)) === name;
  }

  /** base.c: __of_node_is_type(): the `device_type` string equals `type`. */
  isType(type: string): boolean {
    const v = this.getProperty('device_type');
    return v !== undefined && cString(v) === type;
  }

  /**
   * property.c: of_fwnode_get_reference_args(): entry `index` of `prop` with
   * its arguments counted by the target's `cellsName` property, or exactly
   * `nargs` when `cellsName` is null; the kernel's phandle-iterator errors
   * (-ENOENT past the end or for an empty entry, -EINVAL for a bad entry).
   * At most 8 arguments are returned (NR_FWNODE_REFERENCE_ARGS). A fixed-args
   * entry whose phandle resolves to no node gives -ENOENT here (Linux returns
   * success with a NULL fwnode).
   */
  getReferenceArgs(prop: string, cellsName: string | null, nargs: number, index: number): FwnodeReferenceResult {
    const r = cellsName !== null
      ? ofParsePhandleWithArgs(this, prop, cellsName, -1, index)
      : ofParsePhandleWithArgs(this, prop, null, nargs, index);
    if (r.errno !== 0) return { ok: false, errno: r.errno };
    if (r.node === null) return { ok: false, errno: -Errno.ENOENT };
    return { ok: true, fwnode: r.node, args: r.args.slice(0, 8) };
  }

  /** base.c: of_find_node_by_phandle() in this node's tree. */
  resolveReference(handle: number): OfNode | null {
    return this.tree.findNodeByPhandle(handle);
  }

  /**
   * property.c: parse_interrupts(): the interrupt controller that interrupt
   * `index` translates to through the interrupt tree (of_irq_parse_one()),
   * as the profile's kernel walks it; null when that fails. fw_devlink's
   * `interrupts` binding calls this (core `FwnodeIrqWalks`); the result
   * carries what irq.c logs on the way (pr_debug() lines only with `debug`).
   */
  ofIrqSupplier(index: number, profile: KernelProfile, debug = false): OfIrqSupplierResult {
    const b = ofIrqBehaviour(profile);
    if (debug) return ofIrqSupplier(this, index, b, true);
    const walks = this.#walks(this.#irqSuppliers ??= new Map<OfIrqBehaviour, OfIrqSupplierResult[]>(), b);
    return walks[index] ??= ofIrqSupplier(this, index, b, false);
  }

  /**
   * property.c: parse_interrupt_map(): the parent named by entry `index` of
   * this nexus's `interrupt-map`, or null, with what the walk logged.
   */
  ofInterruptMapParent(index: number, profile: KernelProfile, debug = false): OfIrqSupplierResult {
    const b = ofIrqBehaviour(profile);
    if (debug) return ofInterruptMapParent(this, index, b, true);
    const walks = this.#walks(this.#imapParents ??= new Map<OfIrqBehaviour, OfIrqSupplierResult[]>(), b);
    return walks[index] ??= ofInterruptMapParent(this, index, b, false);
  }

  // The interrupt-tree walks made from this node, by the kernel behaviour they followed and
  // by index. The tree is read-only and a walk depends on nothing else, so every kernel that
  // boots the tree gets the same result, log lines included (the callers print them): an
  // exploration boots it thousands of times, and parse_interrupt_map() walks the map from its
  // first entry for every index. Walks with pr_debug() lines are not kept.
  #irqSuppliers: Map<OfIrqBehaviour, OfIrqSupplierResult[]> | undefined;
  #imapParents: Map<OfIrqBehaviour, OfIrqSupplierResult[]> | undefined;

  #walks(byBehaviour: Map<OfIrqBehaviour, OfIrqSupplierResult[]>, b: OfIrqBehaviour): OfIrqSupplierResult[] {
    return cached(byBehaviour, b, noWalks);
  }

  /** The child with exactly this name (incl. unit address), or null. */
  child(name: string): OfNode | null {
    return this.children.find((c) => c.name === name) ?? null;
  }
}

/**
 * The unflattened tree of one {@link DeviceTree} (fdt.c:
 * __unflatten_device_tree() and of_core_init()).
 */
export class OfTree {
  /** The root node. */
  readonly root: OfNode;
  /** The tree it was made from. */
  readonly deviceTree: DeviceTree;
  readonly #all: OfNode[] = [];
  readonly #byPhandle = new Map<number, OfNode>();

  /** Builds the live tree. */
  constructor(dt: DeviceTree) {
    this.deviceTree = dt;
    this.root = new OfNode(this, dt.root, null);
    const stack: OfNode[] = [this.root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      this.#all.push(n);
      // the first node in pre-order keeps a duplicated phandle
      if (n.phandle !== 0 && !this.#byPhandle.has(n.phandle)) this.#byPhandle.set(n.phandle, n);
      for (const c of n.source.children) n.adoptChild(new OfNode(this, c, n));
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
    }
  }

  /** for_each_of_allnodes(): every node in depth-first pre-order. */
  allNodes(): readonly OfNode[] {
    return this.#all;
  }

  /** base.c: of_find_node_by_phandle(): 0 never resolves; duplicates resolve to the first node in pre-order. */
  findNodeByPhandle(handle: number): OfNode | null {
    if (handle === 0) return null;
    return this.#byPhandle.get(handle >>> 0) ?? null;
  }

  /** base.c: of_find_node_by_path() for a full path (no aliases): exact node names, `/` for the root. */
  findNodeByPath(path: string): OfNode | null {
    if (!path.startsWith('/')) return null;
    let n: OfNode | null = this.root;
    for (const part of path.split('/')) {
      if (part === '' || n === null) continue;
      n = n.child(part);
    }
    return n;
  }
}

function freeze(v: string[] | undefined): readonly string[] | undefined {
  return v === undefined ? undefined : Object.freeze(v);
}

// The empty list of a behaviour's walks of a node (a named function: an arrow here would be made again on every call).
function noWalks(): OfIrqSupplierResult[] {
  return [];
}
