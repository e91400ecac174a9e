import type { Device } from '../base/device.js';
import type { Fwnode } from '../fwnode/fwnode.js';
import { DL_FLAG, FWLINK_FLAG, FWNODE_FLAG, isSyncStateOnly } from './flags.js';
import type { FwDevlink } from './fw-devlink.js';
import type { FwnodeLink } from './fwnode-links.js';

const CORE = 'drivers/base/core.c';

/**
 * fw_devlink's dependency-cycle handling (drivers/base/core.c, spec §7.7),
 * in its two shapes: the device-link walk of v5.12–v6.2
 * (fw_devlink_relax_cycle()) and the fwnode-level search of v6.3+
 * (__fw_devlink_relax_cycles()). Found cycles are relaxed to
 * sync-state-only: fw_devlink does not guess which edge is real.
 */
export class Cycles {
  readonly #dbg: boolean;
  // Per top-level search: nodes known not to lead back to the consumer whatever the path.
  #noCycle = new Set<Fwnode>();
  #blocked = 0;
  #depth = 0;

  /** Creates the cycle handling of `fw`. */
  constructor(readonly fw: FwDevlink) {
    // The cycle trace lines exist from v6.8 ("driver core: fw_devlink: Improve logs for cycle detection", 6.8-rc5).
    this.#dbg = fw.k.dbg.core && fw.k.profile.atLeast(6, 8);
    // Before, __fwnode_link_cycle() was the only line: `Relaxing link with` (v6.3–v6.7).
    this.#relaxDbg = fw.k.dbg.core && !this.#dbg;
  }

  readonly #relaxDbg: boolean;

  /** pr_debug() of the cycle search (v6.8+). */
  dbg(text: string): void {
    if (this.#dbg) this.fw.k.prDebug(CORE, text);
  }

  /** core.c: __fwnode_link_cycle() — the fwnode link is part of a cycle. */
  markLink(link: FwnodeLink): void {
    if (this.#dbg) this.dbg(`${link.consumer.path}: cycle: depends on ${link.supplier.path}`);
    else if (this.#relaxDbg) this.fw.k.prDebug(CORE, `${link.consumer.path}: Relaxing link with ${link.supplier.path}`);
    link.flags |= FWLINK_FLAG.CYCLE;
  }

  /**
   * core.c: __fw_devlink_relax_cycles() — does `sup` (through its fwnode
   * links, its parent, or its device links) depend on the consumer? v6.13+
   * passes the consumer fwnode `conFw`; v6.3–v6.12 the consumer device
   * `conDev`. Every link on a found cycle is marked and relaxed.
   */
  relax(conDev: Device | null, conFw: Fwnode | null, sup: Fwnode | null): boolean {
    if (this.#depth === 0) {
      // Almost every search finds nothing: decide that first, cheaply, then search as the kernel does.
      if (sup === null || !this.#reachable(conDev, conFw, sup)) return false;
      this.#noCycle = new Set();
      this.#blocked = 0;
    }
    this.#depth++;
    try {
      return this.#relax(conDev, conFw, sup);
    } finally {
      this.#depth--;
    }
  }

  // The kernel's search marks nodes VISITED only along the current path, so on a
  // DAG it walks every path: exponential. A node whose search failed without
  // running into the current path (no VISITED hit below it) fails from any path
  // and had no side effects, so kdsim remembers it for the rest of this search.
  // The result, the marks and the messages are the kernel's.
  #relax(conDev: Device | null, conFw: Fwnode | null, sup: Fwnode | null): boolean {
    if (sup === null) return false;
    const fw = this.fw;
    const fwn = fw.fwnodes;
    const k = fw.k;
    if (this.#noCycle.has(sup)) return false;
    // Only cycles through the consumer are looked for.
    if (fwn.test(sup, FWNODE_FLAG.VISITED)) {
      this.#blocked++;
      return false;
    }
    fwn.set(sup, FWNODE_FLAG.VISITED);
    const blockedBefore = this.#blocked;
    let ret = false;
    try {
      const supDev = k.deviceOfFwnode(sup) ?? null;
      if (conFw !== null ? sup === conFw : supDev !== null && supDev === conDev) {
        this.dbg('----- cycle: start -----');
        ret = true;
        return true;
      }
      const con = conFw !== null ? k.deviceOfFwnode(conFw) ?? null : conDev;
      // A bound supplier cannot be waiting for a consumer that has not started binding.
      if (supDev !== null && supDev.links.status === 'DRIVER_BOUND' && con !== null && con.links.status === 'NO_DRIVER') return false;
      const st = fwn.peek(sup);
      if (st !== undefined && st.suppliers !== null) {
        const ignore = k.profile.fwDevlinkPostInitProviders;
        for (let link: FwnodeLink | null = st.suppliers; link !== null; link = link.nextSup) {
          if (!link.live) continue;
          if (ignore && (link.flags & FWLINK_FLAG.IGNORE) !== 0) continue;
          if (this.#relax(conDev, conFw, link.supplier)) {
            this.markLink(link);
            ret = true;
          }
        }
      }
      // The device parent comes before the fwnode parent: quirks in fwnode-to-device mapping.
      const par = supDev !== null ? supDev.parent : fw.nextParentDev(sup);
      if (par !== null && this.#relax(conDev, conFw, par.fwnode)) {
        this.dbg(`${sup.path}: cycle: child of ${par.fwnode?.path ?? ''}`);
        ret = true;
      }
      if (supDev !== null) {
        for (const dl of [...supDev.links.suppliers]) {
          // Skip a sync-state-only link unless a cycle made it one.
          if (isSyncStateOnly(dl.flags) && !dl.has(DL_FLAG.CYCLE)) continue;
          if (this.#relax(conDev, conFw, dl.supplier.fwnode)) {
            this.dbg(`${sup.path}: cycle: depends on ${dl.supplier.fwnode?.path ?? ''}`);
            fw.relaxLink(dl);
            dl.flags |= DL_FLAG.CYCLE;
            ret = true;
          }
        }
      }
      return ret;
    } finally {
      fwn.clear(sup, FWNODE_FLAG.VISITED);
      if (!ret && this.#blocked === blockedBefore) this.#noCycle.add(sup);
    }
  }

  // The search's targets: the consumer fwnode (v6.13+), or any fwnode whose device is the consumer device.
  #target(conDev: Device | null, conFw: Fwnode | null): Fwnode | null {
    if (conFw !== null) return conFw;
    const fw = conDev?.fwnode ?? null;
    return fw !== null && this.fw.k.deviceOfFwnode(fw) === conDev ? fw : null;
  }

  // Where the kernel's search can go from `sup` (its fwnode suppliers, its parent, its device's
  // suppliers), with the same pruning; `visit` returns true to stop.
  #upstream(sup: Fwnode, con: Device | null, visit: (f: Fwnode) => boolean): boolean {
    const fw = this.fw;
    const k = fw.k;
    const supDev = k.deviceOfFwnode(sup) ?? null;
    if (supDev !== null && supDev.links.status === 'DRIVER_BOUND' && con !== null && con.links.status === 'NO_DRIVER') return false;
    const st = fw.fwnodes.peek(sup);
    if (st !== undefined) {
      const ignore = k.profile.fwDevlinkPostInitProviders;
      for (let l = st.suppliers; l !== null; l = l.nextSup) if (!(ignore && (l.flags & FWLINK_FLAG.IGNORE) !== 0) && visit(l.supplier)) return true;
    }
    const par = supDev !== null ? supDev.parent : fw.nextParentDev(sup);
    if (par?.fwnode != null && visit(par.fwnode)) return true;
    if (supDev !== null) {
      const suppliers = supDev.links.suppliers;
      for (let i = 0; i < suppliers.length; i++) {
        const dl = suppliers[i]!;
        if (isSyncStateOnly(dl.flags) && !dl.has(DL_FLAG.CYCLE)) continue;
        if (dl.supplier.fwnode !== null && visit(dl.supplier.fwnode)) return true;
      }
    }
    return false;
  }

  // The reverse of #upstream, without pruning (a superset: only used to rule cycles out).
  #downstream(t: Fwnode, visit: (f: Fwnode) => boolean): boolean {
    const fw = this.fw;
    const k = fw.k;
    const st = fw.fwnodes.peek(t);
    if (st === undefined) return false;
    for (let l = st.consumers; l !== null; l = l.nextCon) if (visit(l.consumer)) return true;
    const dev = st.device;
    if (dev === undefined) return false;
    const devChildren = dev.children;
    for (let i = 0; i < devChildren.length; i++) {
      const childFw = devChildren[i]!.fwnode;
      if (childFw !== null && visit(childFw)) return true;
    }
    const consumers = dev.links.consumers;
    for (let i = 0; i < consumers.length; i++) {
      const cl = consumers[i]!;
      if (isSyncStateOnly(cl.flags) && !cl.has(DL_FLAG.CYCLE)) continue;
      if (cl.consumer.fwnode !== null && visit(cl.consumer.fwnode)) return true;
    }
    // Device-less descendants have this device as their nearest parent device.
    const children = t.children;
    for (let i = children.length - 1; i >= 0; i--) {
      const c = children[i]!;
      if (k.deviceOfFwnode(c) === undefined && this.#deviceLess(c, visit)) return true;
    }
    return false;
  }

  // `n` (without a device) and its device-less descendants, depth first as a stack would pop them.
  #deviceLess(n: Fwnode, visit: (f: Fwnode) => boolean): boolean {
    if (visit(n)) return true;
    const children = n.children;
    for (let i = children.length - 1; i >= 0; i--) {
      const c = children[i]!;
      if (this.fw.k.deviceOfFwnode(c) === undefined && this.#deviceLess(c, visit)) return true;
    }
    return false;
  }

  // Cheap test that #downstream(t) would visit nothing.
  #hasDownstream(t: Fwnode): boolean {
    const st = this.fw.fwnodes.peek(t);
    if (st === undefined) return false;
    if (st.consumers !== null) return true;
    const dev = st.device;
    if (dev === undefined) return false;
    if (dev.children.length > 0 || t.children.length > 0) return true;
    const consumers = dev.links.consumers;
    for (let i = 0; i < consumers.length; i++) {
      const cl = consumers[i]!;
      if (!isSyncStateOnly(cl.flags) || cl.has(DL_FLAG.CYCLE)) return true;
    }
    return false;
  }

  /**
   * Can the kernel's search from `sup` reach the consumer at all? A
   * bidirectional breadth-first search, upstream from `sup` and downstream
   * from the consumer, one step at a time each; when either side is exhausted
   * the answer is a membership test. Exact, and linear in the smaller side.
   */
  #reachable(conDev: Device | null, conFw: Fwnode | null, sup: Fwnode): boolean {
    const target = this.#target(conDev, conFw);
    if (target === null) return false;
    if (sup === target) return true;
    // Nothing leads to the consumer at all (a new leaf device): no cycle.
    if (!this.#hasDownstream(target)) return false;
    const con = conFw !== null ? this.fw.k.deviceOfFwnode(conFw) ?? null : conDev;
    // A new search epoch: the side marks of every earlier search are stale at once, so
    // nothing is cleared (clearing a Set allocates a new table, and this runs per link).
    const epoch = ++this.#epoch;
    const fwn = this.fw.fwnodes;
    // The queues keep their storage between searches (truncating an array frees it): only the counts reset.
    const upQ = this.#upQ;
    const downQ = this.#downQ;
    const supState = fwn.state(sup);
    const targetState = fwn.state(target);
    supState.upMark = epoch;
    upQ[0] = sup;
    this.#upN = 1;
    targetState.downMark = epoch;
    downQ[0] = target;
    this.#downN = 1;
    let ui = 0;
    let di = 0;
    // The consumer side is usually the small one (a new device has few dependants): it goes first.
    for (;;) {
      if (di >= this.#downN) return supState.downMark === epoch;
      if (this.#downstream(downQ[di++]!, this.#downVisit)) return true;
      if (ui >= this.#upN) return targetState.upMark === epoch;
      if (this.#upstream(upQ[ui++]!, con, this.#upVisit)) return true;
    }
  }

  // The epoch of the last search whose upstream (downstream) side reached a node is kept
  // in its FwnodeState (upMark, downMark): a new epoch makes every old mark stale at once.
  #epoch = 0;
  readonly #upQ: Fwnode[] = [];
  readonly #downQ: Fwnode[] = [];
  #upN = 0;
  #downN = 0;
  readonly #upVisit = (f: Fwnode): boolean => {
    const epoch = this.#epoch;
    const s = this.fw.fwnodes.state(f);
    if (s.downMark === epoch) return true;
    if (s.upMark !== epoch) {
      s.upMark = epoch;
      this.#upQ[this.#upN++] = f;
    }
    return false;
  };
  readonly #downVisit = (f: Fwnode): boolean => {
    const epoch = this.#epoch;
    const s = this.fw.fwnodes.state(f);
    if (s.upMark === epoch) return true;
    if (s.downMark !== epoch) {
      s.downMark = epoch;
      this.#downQ[this.#downN++] = f;
    }
    return false;
  };

  /**
   * core.c: fw_devlink_relax_cycle() (v5.12–v6.2) — if `sup` is reachable
   * from `con` through children and consumer links, relax the inferred links
   * on the way. Results are memoised per device: reachability does not
   * depend on the path, and every link on every path to `sup` is still relaxed.
   */
  relaxOld(con: Device, sup: Device, memo = new Map<Device, boolean>()): boolean {
    if (con === sup) return true;
    const known = memo.get(con);
    if (known !== undefined) return known;
    memo.set(con, false);
    for (const child of con.children) {
      if (this.relaxOld(child, sup, memo)) {
        memo.set(con, true);
        return true;
      }
    }
    let ret = false;
    for (const link of con.links.consumers) {
      if (isSyncStateOnly(link.flags) && !link.has(DL_FLAG.CYCLE)) continue;
      if (!this.relaxOld(link.consumer, sup, memo)) continue;
      ret = true;
      this.fw.relaxLink(link);
    }
    memo.set(con, ret);
    return ret;
  }
}
