import type { Device } from '../base/device.js';
import type { Fwnode } from '../fwnode/fwnode.js';
import type { Kernel } from '../kernel.js';

const CORE = 'drivers/base/core.c';

/** struct fwnode_link: the firmware says `supplier` provides something to `consumer`. */
export class FwnodeLink {
  /** Creates a link; {@link FwnodeLinks.add} manages it. */
  constructor(
    readonly supplier: Fwnode,
    readonly consumer: Fwnode,
    /** FWLINK_FLAG_* bits. */
    public flags: number,
  ) {}
}

/**
 * What one kernel attaches to one firmware node: its flags and its fwnode-link
 * lists. It lives in the kernel instance, never on the {@link Fwnode}, so one
 * firmware tree can be booted by many kernels.
 */
export class FwnodeState {
  /** FWNODE_FLAG_* bits. */
  flags = 0;
  /** fwnode->dev: the first device added from this node, while it is registered. */
  device: Device | undefined = undefined;
  /**
   * fwnode->suppliers (links where this node is the consumer). The kernel adds
   * at the head (list_add()), so list order is newest first; a Set keeps
   * insertion order with O(1) removal and {@link newestFirst} reverses it.
   */
  readonly suppliers = new Set<FwnodeLink>();
  /** fwnode->consumers (links where this node is the supplier); newest first, as {@link FwnodeState.suppliers}. */
  readonly consumers = new Set<FwnodeLink>();
}

/** The links of a set in kernel list order (newest first, as list_add() leaves them). */
export function newestFirst(set: ReadonlySet<FwnodeLink>): FwnodeLink[] {
  const out = [...set];
  out.reverse();
  return out;
}

/**
 * The fwnode links of one kernel (drivers/base/core.c: __fwnode_link_add(),
 * __fwnode_link_del(), fwnode_links_purge*(), __fwnode_links_move_consumers()).
 */
export class FwnodeLinks {
  readonly #state = new Map<Fwnode, FwnodeState>();

  /** Creates the store of kernel `k`. */
  constructor(readonly k: Kernel) {}

  /** The state of `fw`, created on first use. */
  state(fw: Fwnode): FwnodeState {
    let s = this.#state.get(fw);
    if (s === undefined) this.#state.set(fw, (s = new FwnodeState()));
    return s;
  }

  /** The state of `fw` if it has any. */
  peek(fw: Fwnode): FwnodeState | undefined {
    return this.#state.get(fw);
  }

  /** fwnode_test_flag() */
  test(fw: Fwnode, flag: number): boolean {
    const s = this.#state.get(fw);
    return s !== undefined && (s.flags & flag) !== 0;
  }

  /** fwnode_set_flag() */
  set(fw: Fwnode, flag: number): void {
    this.state(fw).flags |= flag;
  }

  /** fwnode_clear_flag() */
  clear(fw: Fwnode, flag: number): void {
    const s = this.#state.get(fw);
    if (s !== undefined) s.flags &= ~flag;
  }

  /** How `%pfwf` (v6.3+) or `%pfwP` (before) prints a node in fwnode-link lines. */
  fwName(fw: Fwnode): string {
    return this.k.profile.fwDevlinkFullPaths ? fw.path : fw.name;
  }

  /** core.c: __fwnode_link_add() — a duplicate only ORs in the flags. */
  add(con: Fwnode, sup: Fwnode, flags: number): void {
    // The pair's link is on both lists: look on the consumer's, which is short.
    const cs = this.state(con).suppliers;
    for (const l of cs) {
      if (l.supplier === sup) {
        l.flags |= flags;
        return;
      }
    }
    const link = new FwnodeLink(sup, con, flags);
    this.state(sup).consumers.add(link);
    cs.add(link);
    if (this.k.dbg.core) this.k.prDebug(CORE, `${this.fwName(con)} Linked as a fwnode consumer to ${this.fwName(sup)}`);
  }

  /** core.c: __fwnode_link_del() */
  del(link: FwnodeLink): void {
    if (this.k.dbg.core) this.k.prDebug(CORE, `${this.fwName(link.consumer)} Dropping the fwnode link to ${this.fwName(link.supplier)}`);
    this.#state.get(link.supplier)?.consumers.delete(link);
    this.#state.get(link.consumer)?.suppliers.delete(link);
  }

  /** core.c: fwnode_links_purge_suppliers() */
  purgeSuppliers(fw: Fwnode): void {
    const s = this.#state.get(fw);
    if (s === undefined || s.suppliers.size === 0) return;
    for (const l of newestFirst(s.suppliers)) this.del(l);
  }

  /** core.c: fwnode_links_purge_consumers() */
  purgeConsumers(fw: Fwnode): void {
    const s = this.#state.get(fw);
    if (s === undefined || s.consumers.size === 0) return;
    for (const l of newestFirst(s.consumers)) this.del(l);
  }

  /** core.c: __fwnode_links_move_consumers() — re-point every consumer of `from` to `to`. */
  moveConsumers(from: Fwnode, to: Fwnode): void {
    const s = this.#state.get(from);
    if (s === undefined || s.consumers.size === 0) return;
    for (const l of newestFirst(s.consumers)) {
      this.add(l.consumer, to, l.flags);
      this.del(l);
    }
  }

  /**
   * core.c: fwnode_links_check_suppliers() — the first supplier link (kernel
   * list order) that still blocks: not CYCLE or IGNORE (v6.3+); any link before.
   */
  firstBlockingSupplier(fw: Fwnode, mask: number): Fwnode | null {
    const s = this.#state.get(fw);
    if (s === undefined || s.suppliers.size === 0) return null;
    let found: Fwnode | null = null;
    // Insertion order is oldest first; the kernel's list head is the newest.
    for (const l of s.suppliers) if ((l.flags & mask) === 0) found = l.supplier;
    return found;
  }
}
