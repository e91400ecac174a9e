import type { Device } from '../base/device.js';
import type { Fwnode, FwnodeKernelRecord } from '../fwnode/fwnode.js';
import type { Kernel } from '../kernel.js';

const CORE = 'drivers/base/core.c';

/**
 * struct fwnode_link: the firmware says `supplier` provides something to
 * `consumer`. Like the kernel's, a link sits on two intrusive lists at once:
 * the consumer node's supplier list and the supplier node's consumer list.
 */
export class FwnodeLink {
  /** On both lists; false once {@link FwnodeLinks.del} dropped it. */
  live = true;
  /** The next (older) link on the consumer's supplier list. @internal */
  nextSup: FwnodeLink | null = null;
  /** The previous (newer) link on the consumer's supplier list. @internal */
  prevSup: FwnodeLink | null = null;
  /** The next (older) link on the supplier's consumer list. @internal */
  nextCon: FwnodeLink | null = null;
  /** The previous (newer) link on the supplier's consumer list. @internal */
  prevCon: FwnodeLink | null = null;

  /** Creates a link; {@link FwnodeLinks.add} manages it. */
  constructor(
    readonly supplier: Fwnode,
    readonly consumer: Fwnode,
    /** FWLINK_FLAG_* bits. */
    public flags: number,
  ) {}
}

/**
 * What one kernel attaches to one firmware node: its flags, its device and its
 * fwnode-link lists. It belongs to the kernel instance (the {@link Fwnode}
 * only caches a pointer to the record of the kernel that last looked it up),
 * so one firmware tree can be booted by many kernels.
 *
 * The lists are the kernel's: the newest link at the head (list_add()). A
 * walk may drop links on the way, as list_for_each_entry_safe() allows: a
 * dropped link keeps its `next` pointers, so a walk standing on it, or holding
 * it as the next step, still reaches every link that is left, in order. Walks
 * skip links that are not {@link FwnodeLink.live}.
 */
export class FwnodeState implements FwnodeKernelRecord {
  /** Creates the record of `node` in store `owner`. */
  constructor(readonly owner: FwnodeLinks, readonly node: Fwnode) {}

  /** FWNODE_FLAG_* bits. */
  flags = 0;
  /** fwnode->dev: the first device added from this node, while it is registered. */
  device: Device | undefined = undefined;
  /** Head (newest) of fwnode->suppliers: links where this node is the consumer. */
  suppliers: FwnodeLink | null = null;
  /** Head (newest) of fwnode->consumers: links where this node is the supplier. */
  consumers: FwnodeLink | null = null;
  /** Search epochs of the cycle pre-check (kdsim bookkeeping). @internal */
  upMark = 0;
  /** See {@link FwnodeState.upMark}. @internal */
  downMark = 0;

  /** fwnode->suppliers in list order (newest first). */
  supplierLinks(): FwnodeLink[] {
    const out: FwnodeLink[] = [];
    for (let l = this.suppliers; l !== null; l = l.nextSup) out.push(l);
    return out;
  }

  /** fwnode->consumers in list order (newest first). */
  consumerLinks(): FwnodeLink[] {
    const out: FwnodeLink[] = [];
    for (let l = this.consumers; l !== null; l = l.nextCon) out.push(l);
    return out;
  }
}

/**
 * The fwnode links of one kernel (drivers/base/core.c: __fwnode_link_add(),
 * __fwnode_link_del(), fwnode_links_purge*(), __fwnode_links_move_consumers()).
 */
export class FwnodeLinks {
  // Each node caches the record of the kernel that last looked it up. While no other
  // kernel has taken a cache slot from this one, the caches are the whole truth. Once one
  // has, this store's next miss indexes its records by node (two kernels booting one tree
  // in turn); an exploration boots one kernel after another and never needs the index.
  readonly #records: FwnodeState[] = [];
  #evicted = false;
  #byNode: Map<Fwnode, FwnodeState> | null = null;

  /** Creates the store of kernel `k`. */
  constructor(readonly k: Kernel) {}

  /** The state of `fw`, created on first use. */
  state(fw: Fwnode): FwnodeState {
    const r = fw.kernelRecord;
    if (r != null && r.owner === this) return r as FwnodeState;
    let s = this.#index()?.get(fw);
    if (s === undefined) {
      s = new FwnodeState(this, fw);
      this.#records.push(s);
      this.#byNode?.set(fw, s);
    }
    this.#cache(fw, s);
    return s;
  }

  /** The state of `fw` if it has any. */
  peek(fw: Fwnode): FwnodeState | undefined {
    const r = fw.kernelRecord;
    if (r != null && r.owner === this) return r as FwnodeState;
    const s = this.#index()?.get(fw);
    if (s !== undefined) this.#cache(fw, s);
    return s;
  }

  // Caches `s` in its node, telling the store whose record was there that it lost the slot.
  #cache(fw: Fwnode, s: FwnodeState): void {
    const prev = fw.kernelRecord?.owner;
    if (prev instanceof FwnodeLinks && prev !== this) prev.#evicted = true;
    fw.kernelRecord = s;
  }

  // The records by node, made once another store took a slot: null while the caches suffice.
  #index(): Map<Fwnode, FwnodeState> | null {
    if (this.#evicted && this.#byNode === null) this.#byNode = new Map(this.#records.map((s) => [s.node, s]));
    return this.#byNode;
  }

  /** fwnode_test_flag() */
  test(fw: Fwnode, flag: number): boolean {
    const s = this.peek(fw);
    return s !== undefined && (s.flags & flag) !== 0;
  }

  /** fwnode_set_flag() */
  set(fw: Fwnode, flag: number): void {
    this.state(fw).flags |= flag;
  }

  /** fwnode_clear_flag() */
  clear(fw: Fwnode, flag: number): void {
    const s = this.peek(fw);
    if (s !== undefined) s.flags &= ~flag;
  }

  /** How `%pfwf` (v6.3+) or `%pfwP` (before) prints a node in fwnode-link lines. */
  fwName(fw: Fwnode): string {
    return this.k.profile.fwDevlinkFullPaths ? fw.path : fw.name;
  }

  /** core.c: __fwnode_link_add() — a duplicate only ORs in the flags. */
  add(con: Fwnode, sup: Fwnode, flags: number): void {
    // The pair's link is on both lists: look on the consumer's, which is short.
    const cs = this.state(con);
    for (let l = cs.suppliers; l !== null; l = l.nextSup) {
      if (l.supplier === sup) {
        l.flags |= flags;
        return;
      }
    }
    const link = new FwnodeLink(sup, con, flags);
    const ss = this.state(sup);
    // list_add(): at the head of both lists.
    link.nextSup = cs.suppliers;
    if (cs.suppliers !== null) cs.suppliers.prevSup = link;
    cs.suppliers = link;
    link.nextCon = ss.consumers;
    if (ss.consumers !== null) ss.consumers.prevCon = link;
    ss.consumers = link;
    if (this.k.dbg.core) this.k.prDebug(CORE, `${this.fwName(con)} Linked as a fwnode consumer to ${this.fwName(sup)}`);
  }

  /** core.c: __fwnode_link_del() */
  del(link: FwnodeLink): void {
    if (this.k.dbg.core) this.k.prDebug(CORE, `${this.fwName(link.consumer)} Dropping the fwnode link to ${this.fwName(link.supplier)}`);
    if (!link.live) return;
    link.live = false;
    // Unlink from both lists; the link's own next pointers stay (see FwnodeState).
    if (link.prevSup !== null) link.prevSup.nextSup = link.nextSup;
    else this.state(link.consumer).suppliers = link.nextSup;
    if (link.nextSup !== null) link.nextSup.prevSup = link.prevSup;
    if (link.prevCon !== null) link.prevCon.nextCon = link.nextCon;
    else this.state(link.supplier).consumers = link.nextCon;
    if (link.nextCon !== null) link.nextCon.prevCon = link.prevCon;
  }

  /** core.c: fwnode_links_purge_suppliers() */
  purgeSuppliers(fw: Fwnode): void {
    const s = this.peek(fw);
    if (s === undefined) return;
    for (let l = s.suppliers; l !== null; l = l.nextSup) if (l.live) this.del(l);
  }

  /** core.c: fwnode_links_purge_consumers() */
  purgeConsumers(fw: Fwnode): void {
    const s = this.peek(fw);
    if (s === undefined) return;
    for (let l = s.consumers; l !== null; l = l.nextCon) if (l.live) this.del(l);
  }

  /** core.c: __fwnode_links_move_consumers() — re-point every consumer of `from` to `to`. */
  moveConsumers(from: Fwnode, to: Fwnode): void {
    const s = this.peek(from);
    if (s === undefined) return;
    for (let l = s.consumers; l !== null; l = l.nextCon) {
      if (!l.live) continue;
      this.add(l.consumer, to, l.flags);
      this.del(l);
    }
  }

  /**
   * core.c: fwnode_links_check_suppliers() — the first supplier link (kernel
   * list order) that still blocks: not CYCLE or IGNORE (v6.3+); any link before.
   */
  firstBlockingSupplier(fw: Fwnode, mask: number): Fwnode | null {
    const s = this.peek(fw);
    if (s === undefined) return null;
    for (let l = s.suppliers; l !== null; l = l.nextSup) if ((l.flags & mask) === 0) return l.supplier;
    return null;
  }
}
