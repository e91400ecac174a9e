import type { Device } from '../base/device.js';
import { Errno } from '../errno.js';
import { fwnodeIsAncestorOf, type Fwnode } from '../fwnode/fwnode.js';
import type { Kernel } from '../kernel.js';
import { LogLevel } from '../klog/levels.js';
import type { FwDevlinkMode } from '../profile/profile.js';
import type { ThreadBody } from '../time/scheduler.js';
import { AddLinks } from './add-links.js';
import { Cycles } from './cycles.js';
import type { DeviceLink } from './device-link.js';
import type { DeviceLinks } from './device-links.js';
import {
  DL_FLAG, FW_DEVLINK_FLAGS_ON, FW_DEVLINK_FLAGS_PERMISSIVE, FW_DEVLINK_FLAGS_RPM, FWLINK_FLAG, FWNODE_FLAG, formatFlags,
  isSyncStateOnly,
} from './flags.js';
import type { FwnodeLink, FwnodeLinks } from './fwnode-links.js';
import type { FwDevlinkPolicy } from './policy.js';

const CORE = 'drivers/base/core.c';
const EAGAIN = -Errno.EAGAIN;
const EINVAL = -Errno.EINVAL;

/**
 * fw_devlink (drivers/base/core.c, spec §7): fwnode links parsed from
 * firmware when a device is added, converted to device links once both ends
 * have devices (fw_devlink_link_device(), fw_devlink_create_devlink()),
 * cycle handling per kernel era, relaxation when drivers are done, and
 * best-effort probing. All per-fwnode state lives in this kernel.
 */
export class FwDevlink {
  /** fw_devlink= mode. */
  readonly mode: FwDevlinkMode;
  /** fw_devlink_flags: the device-link flags of an inferred link. */
  readonly flags: number;
  /** fw_devlink_is_strict() */
  readonly strict: boolean;
  /** fwnode links block probing (mode `on` or `rpm`). */
  readonly enforcesFwnodeLinks: boolean;
  /** fwnode-link flags that make a link stop blocking (CYCLE, IGNORE; v6.3+). */
  readonly blockingMask: number;
  /** fw_devlink_best_effort: set only inside wait_for_init_devices_probe(). */
  bestEffort = false;
  /** fw_devlink_drv_reg_done: fw_devlink_drivers_done() ran. */
  driversDoneRan = false;
  /** The fwnode `add_links` ops. */
  readonly addLinks: AddLinks;
  readonly #cycles: Cycles;
  readonly #fwnodes: FwnodeLinks;

  /** Creates fw_devlink for kernel `k`, whose device links are `links`. */
  constructor(readonly k: Kernel, readonly links: DeviceLinks, readonly policy: FwDevlinkPolicy) {
    this.mode = policy.mode();
    this.flags = this.mode === 'rpm' ? FW_DEVLINK_FLAGS_RPM : this.mode === 'on' ? FW_DEVLINK_FLAGS_ON
      : this.mode === 'permissive' ? FW_DEVLINK_FLAGS_PERMISSIVE : 0;
    this.strict = policy.strict() && this.mode !== 'permissive';
    this.enforcesFwnodeLinks = this.mode === 'on' || this.mode === 'rpm';
    this.blockingMask = k.profile.fwDevlinkFullPaths ? FWLINK_FLAG.CYCLE | FWLINK_FLAG.IGNORE : 0;
    this.#fwnodes = links.fwnodes;
    this.addLinks = new AddLinks(k, links.fwnodes, policy.supplierBindings(), this.strict);
    this.#cycles = new Cycles(this);
  }

  /** The kernel's fwnode links. */
  get fwnodes(): FwnodeLinks {
    return this.#fwnodes;
  }

  /** core.c: fw_devlink_get_flags() — links on a cycle are sync-state-only. */
  getFlags(fwlinkFlags: number): number {
    if ((fwlinkFlags & FWLINK_FLAG.CYCLE) !== 0) return FW_DEVLINK_FLAGS_PERMISSIVE | DL_FLAG.CYCLE;
    return this.flags;
  }

  /** core.c: dev_is_best_effort() */
  isBestEffort(dev: Device): boolean {
    return (this.bestEffort && dev.canMatch) || (dev.fwnode !== null && this.#fwnodes.test(dev.fwnode, FWNODE_FLAG.BEST_EFFORT));
  }

  // ---------------------------------------------------------------- device_add()

  /** device_add(): the `waiting_for_supplier` file exists with fw_devlink on/rpm and a fwnode. */
  deviceAdded(dev: Device): void {
    if (this.enforcesFwnodeLinks && dev.fwnode !== null) dev.waitingForSupplierFile = true;
  }

  /** True while `dev` has a `waiting_for_supplier` file. */
  hasWaitingForSupplierFile(dev: Device): boolean {
    return dev.waitingForSupplierFile;
  }

  /** device_del(): the device's files go. */
  deviceDel(dev: Device): void {
    dev.waitingForSupplierFile = false;
  }

  /** core.c: fw_devlink_link_device() — parse, then link to consumers, then to suppliers. */
  linkDevice(dev: Device): void {
    const fw = dev.fwnode;
    if (fw === null || this.flags === 0) return;
    this.parseFwtree(fw);
    this.linkToConsumers(dev);
    this.linkToSuppliers(dev, fw, 0);
  }

  /** core.c: fw_devlink_parse_fwtree() — the node and every available descendant, each once. */
  parseFwtree(fw: Fwnode): void {
    this.#parseFwnode(fw);
    const children = fw.children;
    for (let i = 0; i < children.length; i++) {
      const c = children[i]!;
      if (c.isAvailable()) this.parseFwtree(c);
    }
  }

  // core.c: fw_devlink_parse_fwnode()
  #parseFwnode(fw: Fwnode): void {
    const st = this.#fwnodes.state(fw);
    if ((st.flags & FWNODE_FLAG.LINKS_ADDED) !== 0) return;
    this.addLinks.addLinks(fw, this.policy.addLinksMode(fw));
    st.flags |= FWNODE_FLAG.LINKS_ADDED;
  }

  /**
   * core.c: __fw_devlink_link_to_consumers() — convert the consumer links of
   * `dev`'s fwnode. A consumer without a device is represented by its nearest
   * ancestor device through a sync-state-only proxy link, and its fwnode
   * link is kept.
   */
  linkToConsumers(dev: Device): void {
    const fw = dev.fwnode!;
    const st = this.#fwnodes.peek(fw);
    if (st === undefined) return;
    // list_for_each_entry_safe(): links dropped on the way are skipped.
    for (let link = st.consumers; link !== null; link = link.nextCon) {
      if (!link.live) continue;
      let con: Device | null = this.k.deviceOfFwnode(link.consumer) ?? null;
      let own = true;
      if (con === null) {
        con = this.nextParentDev(link.consumer);
        // The consumer's ancestor is also the supplier's: a parent cannot depend on its child.
        if (con !== null && con.fwnode !== null && fwnodeIsAncestorOf(con.fwnode, fw)) con = null;
        else own = false;
      }
      if (con === null) continue;
      const ret = this.createDevlink(con, fw, link);
      if (!own || ret === EAGAIN) continue;
      this.#fwnodes.del(link);
    }
  }

  /**
   * core.c: __fw_devlink_link_to_suppliers() — convert the supplier links of
   * `fw` (the device's own node), then of every available descendant as
   * sync-state-only proxies from `dev`, keeping the descendants' fwnode links.
   */
  linkToSuppliers(dev: Device, fw: Fwnode, depth: number): void {
    const own = dev.fwnode === fw;
    const st = this.#fwnodes.peek(fw);
    if (st !== undefined && st.suppliers !== null) {
      const oldEra = !this.k.profile.fwDevlinkFullPaths;
      for (let link: FwnodeLink | null = st.suppliers; link !== null; link = link.nextSup) {
        if (!link.live) continue;
        const sup = link.supplier;
        const ret = this.createDevlink(dev, sup, link);
        if (!own || ret === EAGAIN) continue;
        this.#fwnodes.del(link);
        // Before v6.3: link the new supplier to its own suppliers too, to find false dependencies.
        if (oldEra && ret === 0 && depth < 64) {
          const supDev = this.k.deviceOfFwnode(sup);
          if (supDev?.fwnode != null) this.linkToSuppliers(supDev, supDev.fwnode, depth + 1);
        }
      }
    }
    const children = fw.children;
    for (let i = 0; i < children.length; i++) {
      const c = children[i]!;
      if (c.isAvailable()) this.linkToSuppliers(dev, c, depth);
    }
  }

  /** core.c: fwnode_get_next_parent_dev() — the device of the nearest ancestor that has one. */
  nextParentDev(fw: Fwnode): Device | null {
    for (let p = fw.parent; p !== null; p = p.parent) {
      const d = this.k.deviceOfFwnode(p);
      if (d !== undefined) return d;
    }
    return null;
  }

  /** fwnodes marked INITIALIZED so far: with none, the init-without-driver walks cannot succeed. */
  #initialized = 0;

  // core.c: fwnode_init_without_drv()
  #initWithoutDrv(fw: Fwnode): boolean {
    if (this.#initialized === 0) return false;
    if (!this.#fwnodes.test(fw, FWNODE_FLAG.INITIALIZED)) return false;
    const dev = this.k.deviceOfFwnode(fw);
    return dev === undefined || dev.links.status === 'NO_DRIVER';
  }

  // core.c: fwnode_ancestor_init_without_drv()
  #ancestorInitWithoutDrv(fw: Fwnode): boolean {
    if (this.#initialized === 0) return false;
    for (let p = fw.parent; p !== null; p = p.parent) if (this.#initWithoutDrv(p)) return true;
    return false;
  }

  /**
   * core.c: fw_devlink_create_devlink() — turn one fwnode link into a device
   * link from `con`. Returns 0 (done), -EINVAL (never: drop the fwnode link)
   * or -EAGAIN (the supplier has no device yet: keep it).
   */
  createDevlink(con: Device, sup: Fwnode, link: FwnodeLink): number {
    return this.k.profile.fwDevlinkFullPaths ? this.#createDevlink(con, sup, link) : this.#createDevlinkOld(con, sup, link);
  }

  // v6.3+: fwnode-level cycle marking.
  #createDevlink(con: Device, sup: Fwnode, link: FwnodeLink): number {
    const k = this.k;
    const fwn = this.#fwnodes;
    if (k.profile.fwDevlinkPostInitProviders && (link.flags & FWLINK_FLAG.IGNORE) !== 0) return 0;
    const always = k.profile.fwDevlinkCycles === 'fwnode-always';
    const own = con.fwnode === link.consumer;
    let flags = own ? this.getFlags(link.flags) : FW_DEVLINK_FLAGS_PERMISSIVE;
    const supState = fwn.peek(sup);
    const supFlags = supState?.flags ?? 0;
    // A parent that must see its children bound on add cannot supply them.
    if ((supFlags & FWNODE_FLAG.NEEDS_CHILD_BOUND_ON_ADD) !== 0 && con.fwnode !== null && fwnodeIsAncestorOf(sup, con.fwnode)) return EINVAL;
    if (always) {
      // v6.13: always look for cycles, from the consumer fwnode, proxies included.
      if (this.#cycles.relax(null, link.consumer, sup)) {
        this.#cycles.markLink(link);
        this.#cycles.dbg('----- cycle: end -----');
        k.printk(LogLevel.INFO, `${link.consumer.path}: Fixed dependency cycle(s) with ${sup.path}`);
      }
      flags = own ? this.getFlags(link.flags) : FW_DEVLINK_FLAGS_PERMISSIVE;
    } else if (k.profile.fwDevlinkCycleOverlaps ? !isSyncStateOnly(flags) || (flags & DL_FLAG.CYCLE) !== 0 : (flags & DL_FLAG.SYNC_STATE_ONLY) === 0) {
      if (this.#cycles.relax(con, null, sup)) {
        this.#cycles.markLink(link);
        flags = this.getFlags(link.flags);
        this.#cycles.dbg('----- cycle: end -----');
        k.devPrintk(con, LogLevel.INFO, `Fixed dependency cycle(s) with ${sup.path}`);
      }
    }
    const supDev = (supFlags & FWNODE_FLAG.NOT_DEVICE) !== 0 ? this.nextParentDev(sup) : supState?.device ?? null;
    if (supDev !== null) {
      // A provider that never binds through the driver core (clk, irqdomain, genpd): don't wait for it.
      if (supDev.links.status === 'NO_DRIVER' && (supFlags & FWNODE_FLAG.INITIALIZED) !== 0) {
        if (k.dbg.core) k.devDbg(con, CORE, `Not linking ${sup.path} - dev might never probe`);
        return EINVAL;
      }
      if (con !== supDev && this.links.add(con, supDev, flags) === null) {
        const msg = always
          ? `Failed to create device link (${formatFlags(flags)}) with supplier ${supDev.name} for ${link.consumer.path}`
          : `Failed to create device link (${formatFlags(flags)}) with ${supDev.name}`;
        k.devPrintk(con, LogLevel.ERR, msg);
        return EINVAL;
      }
      return 0;
    }
    // The supplier (or an ancestor) was initialised without a device or a driver.
    if (this.#initWithoutDrv(sup) || this.#ancestorInitWithoutDrv(sup)) {
      if (k.dbg.core) k.devDbg(con, CORE, `Not linking ${sup.path} - might never become dev`);
      return EINVAL;
    }
    return EAGAIN;
  }

  // Before v6.3: cycles are found when device_link_add() refuses a link.
  #createDevlinkOld(con: Device, sup: Fwnode, link: FwnodeLink): number {
    const k = this.k;
    const p = k.profile;
    const fwn = this.#fwnodes;
    const flags = con.fwnode === link.consumer ? this.flags : FW_DEVLINK_FLAGS_PERMISSIVE;
    if (p.fwDevlinkNeedsChildBound && fwn.test(sup, FWNODE_FLAG.NEEDS_CHILD_BOUND_ON_ADD) && con.fwnode !== null
      && fwnodeIsAncestorOf(sup, con.fwnode)) return EINVAL;
    let supDev: Device | null = k.deviceOfFwnode(sup) ?? null;
    if (supDev !== null) {
      if (p.fwnodeInitializedFlag && supDev.links.status === 'NO_DRIVER' && fwn.test(sup, FWNODE_FLAG.INITIALIZED)) return EINVAL;
      if (this.links.add(con, supDev, flags) === null) {
        if (p.fwDevlinkCycles === 'refuse') return EINVAL;
        if ((flags & DL_FLAG.SYNC_STATE_ONLY) !== 0) return 0;
        // "If this fails, it is due to cycles in device links."
        k.devPrintk(con, LogLevel.INFO, `Fixing up cyclic dependency with ${supDev.name}`);
        this.#cycles.relaxOld(con, supDev);
        this.links.add(con, supDev, FW_DEVLINK_FLAGS_PERMISSIVE);
        return EINVAL;
      }
      return 0;
    }
    if (p.fwnodeInitializedFlag) {
      if (p.fwDevlinkBestEffort) {
        if (this.#initWithoutDrv(sup) || this.#ancestorInitWithoutDrv(sup)) {
          if (k.dbg.core) k.devDbg(con, CORE, `Not linking ${sup.name} - Might never probe`);
          return EINVAL;
        }
      } else if (fwn.test(sup, FWNODE_FLAG.INITIALIZED)) {
        return EINVAL;
      }
    }
    if ((flags & DL_FLAG.SYNC_STATE_ONLY) !== 0) return EAGAIN;
    // No supplier device: maybe a cycle through the supplier's parent.
    supDev = this.nextParentDev(sup);
    if (supDev !== null && this.links.isDependent(con, supDev)) {
      if (p.fwDevlinkCycles === 'relax-devlink' && p.fwDevlinkCycleParentRelax) {
        k.devPrintk(con, LogLevel.INFO, `Fixing up cyclic dependency with ${sup.name} (${supDev.name})`);
        this.#cycles.relaxOld(con, supDev);
      } else if (k.dbg.core) {
        k.devDbg(con, CORE, `Not linking to ${sup.name} - False link`);
      }
      return EINVAL;
    }
    return EAGAIN;
  }

  /** core.c: fw_devlink_relax_link() — an inferred link becomes sync-state-only. */
  relaxLink(link: DeviceLink): void {
    if (!link.has(DL_FLAG.INFERRED) || isSyncStateOnly(link.flags)) return;
    link.flags = DL_FLAG.MANAGED | FW_DEVLINK_FLAGS_PERMISSIVE;
    if (this.k.dbg.core) this.k.devDbg(link.consumer, CORE, `Relaxing link with ${link.supplier.name}`);
  }

  // ---------------------------------------------------------------- bind, drivers done, best effort

  /**
   * device_links_driver_bound(), fwnode part: the bound device's supplier
   * fwnode links are moot; its device-less available children never become
   * devices — v6.3+ their consumers move to this fwnode and are converted,
   * v5.12–v6.2 they are simply dropped (which unblocks the consumers).
   */
  driverBound(dev: Device): void {
    dev.waitingForSupplierFile = false;
    const fw = dev.fwnode;
    if (fw === null || this.k.deviceOfFwnode(fw) !== dev) return;
    const p = this.k.profile;
    this.#fwnodes.purgeSuppliers(fw);
    if (p.fwDevlinkPickupDangling) {
      for (const child of fw.children) if (child.isAvailable()) this.#pickupDangling(child, fw);
      this.linkToConsumers(dev);
    } else if (p.fwnodeInitializedFlag) {
      for (const child of fw.children) if (child.isAvailable()) this.purgeAbsentSuppliers(child);
    }
  }

  // core.c: __fw_devlink_pickup_dangling_consumers()
  #pickupDangling(fw: Fwnode, newSup: Fwnode): void {
    const dev = this.k.deviceOfFwnode(fw);
    if (dev !== undefined && dev.bus !== null) return;
    this.#fwnodes.set(fw, FWNODE_FLAG.NOT_DEVICE);
    this.#fwnodes.moveConsumers(fw, newSup);
    for (const child of fw.children) if (child.isAvailable()) this.#pickupDangling(child, newSup);
  }

  /**
   * core.c: fw_devlink_purge_absent_suppliers() — `fw` and its descendants
   * will never be devices: mark them NOT_DEVICE and drop their consumer links.
   */
  purgeAbsentSuppliers(fw: Fwnode): void {
    if (this.k.deviceOfFwnode(fw) !== undefined) return;
    this.#fwnodes.set(fw, FWNODE_FLAG.NOT_DEVICE);
    this.#fwnodes.purgeConsumers(fw);
    for (const child of fw.children) if (child.isAvailable()) this.purgeAbsentSuppliers(child);
  }

  /**
   * fwnode_dev_initialized() (v5.12+): a framework registered a provider for
   * `fw` without a device (of_clk_add_provider(), irqdomain, genpd).
   */
  devInitialized(fw: Fwnode, initialized = true): void {
    if (!this.k.profile.fwnodeInitializedFlag) return;
    if (initialized) {
      this.#fwnodes.set(fw, FWNODE_FLAG.INITIALIZED);
      this.#initialized++;
    } else {
      this.#fwnodes.clear(fw, FWNODE_FLAG.INITIALIZED);
    }
  }

  /** FWNODE_FLAG_BEST_EFFORT (v6.0+), set on the `stdout-path` console node by of_alias_scan(). */
  setBestEffort(fw: Fwnode): void {
    if (this.k.profile.fwDevlinkBestEffort) this.#fwnodes.set(fw, FWNODE_FLAG.BEST_EFFORT);
  }

  /**
   * core.c: fw_devlink_drivers_done() (v5.13+) — no more drivers will come:
   * relax every inferred link whose supplier never matched a driver.
   * Suppliers that matched but keep deferring still block.
   */
  driversDone(): void {
    if (!this.k.profile.fwDevlinkDriversDone) return;
    this.driversDoneRan = true;
    for (const link of this.links.live()) if (!link.supplier.canMatch) this.relaxLink(link);
  }

  /** device_add() → fw_devlink_unblock_consumers(): a device added after drivers-done that matched nothing. */
  unblockConsumersOnAdd(dev: Device): void {
    if (dev.fwnode === null || !this.driversDoneRan || dev.canMatch) return;
    if (!this.enforcesFwnodeLinks) return;
    for (const link of dev.links.consumers) this.relaxLink(link);
  }

  /**
   * core.c: wait_for_init_devices_probe() (v6.0+) — with fw_devlink on/rpm:
   * wait for probing, then retry everything best-effort (suppliers without a
   * driver stop blocking), wait again and go back to normal enforcement.
   */
  *waitForInitDevicesProbe(): ThreadBody {
    const k = this.k;
    if (!k.profile.fwDevlinkBestEffort || !this.enforcesFwnodeLinks) return;
    yield* k.dd.waitForDeviceProbe();
    k.printk(LogLevel.INFO, 'Trying to probe devices needed for running init ...');
    this.bestEffort = true;
    k.deferred.trigger();
    yield* k.dd.waitForDeviceProbe();
    this.bestEffort = false;
  }
}
