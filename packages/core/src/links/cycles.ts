import type { Device } from '../base/device.js';
import type { Fwnode } from '../fwnode/fwnode.js';
import { DL_FLAG, FWLINK_FLAG, FWNODE_FLAG, isSyncStateOnly } from './flags.js';
import type { FwDevlink } from './fw-devlink.js';
import { type FwnodeLink, newestFirst } from './fwnode-links.js';

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

  /** Creates the cycle handling of `fw`. */
  constructor(readonly fw: FwDevlink) {
    // The cycle trace lines exist from v6.9 (≈).
    this.#dbg = fw.k.dbg.core && fw.k.profile.atLeast(6, 9);
  }

  /** pr_debug() of the cycle search (v6.9+). */
  dbg(text: string): void {
    if (this.#dbg) this.fw.k.prDebug(CORE, text);
  }

  /** core.c: __fwnode_link_cycle() — the fwnode link is part of a cycle. */
  markLink(link: FwnodeLink): void {
    this.dbg(`${link.consumer.path}: cycle: depends on ${link.supplier.path}`);
    link.flags |= FWLINK_FLAG.CYCLE;
  }

  /**
   * core.c: __fw_devlink_relax_cycles() — does `sup` (through its fwnode
   * links, its parent, or its device links) depend on the consumer? v6.13+
   * passes the consumer fwnode `conFw`; v6.3–v6.12 the consumer device
   * `conDev`. Every link on a found cycle is marked and relaxed.
   */
  relax(conDev: Device | null, conFw: Fwnode | null, sup: Fwnode | null): boolean {
    if (sup === null) return false;
    const fw = this.fw;
    const fwn = fw.fwnodes;
    const k = fw.k;
    // Only cycles through the consumer are looked for.
    if (fwn.test(sup, FWNODE_FLAG.VISITED)) return false;
    fwn.set(sup, FWNODE_FLAG.VISITED);
    let ret = false;
    try {
      const supDev = k.deviceOfFwnode(sup) ?? null;
      if (conFw !== null ? sup === conFw : supDev !== null && supDev === conDev) {
        this.dbg('----- cycle: start -----');
        return true;
      }
      const con = conFw !== null ? k.deviceOfFwnode(conFw) ?? null : conDev;
      // A bound supplier cannot be waiting for a consumer that has not started binding.
      if (supDev !== null && supDev.links.status === 'DRIVER_BOUND' && con !== null && con.links.status === 'NO_DRIVER') return false;
      const st = fwn.peek(sup);
      if (st !== undefined && st.suppliers.size > 0) {
        const ignore = k.profile.fwDevlinkPostInitProviders;
        for (const link of newestFirst(st.suppliers)) {
          if (ignore && (link.flags & FWLINK_FLAG.IGNORE) !== 0) continue;
          if (this.relax(conDev, conFw, link.supplier)) {
            this.markLink(link);
            ret = true;
          }
        }
      }
      // The device parent comes before the fwnode parent: quirks in fwnode-to-device mapping.
      const par = supDev !== null ? supDev.parent : fw.nextParentDev(sup);
      if (par !== null && this.relax(conDev, conFw, par.fwnode)) {
        this.dbg(`${sup.path}: cycle: child of ${par.fwnode?.path ?? ''}`);
        ret = true;
      }
      if (supDev !== null) {
        for (const dl of [...supDev.links.suppliers]) {
          // Skip a sync-state-only link unless a cycle made it one.
          if (isSyncStateOnly(dl.flags) && !dl.has(DL_FLAG.CYCLE)) continue;
          if (this.relax(conDev, conFw, dl.supplier.fwnode)) {
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
    }
  }

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
