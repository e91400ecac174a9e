import type { Device, DlDevState } from '../base/device.js';
import { Errno } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { LogLevel } from '../klog/levels.js';
import { DeviceLink, type SupplierCheck } from './device-link.js';
import {
  DL_ADD_VALID_FLAGS, DL_FLAG, DL_MANAGED_LINK_FLAGS, type DeviceLinkState, isSyncStateOnly,
} from './flags.js';
import { FwDevlink } from './fw-devlink.js';
import { FwnodeLinks } from './fwnode-links.js';
import type { FwDevlinkPolicy } from './policy.js';
import { SyncState } from './sync-state.js';

const CORE = 'drivers/base/core.c';
const EPROBE_DEFER = Errno.EPROBE_DEFER;
// Supplier lists up to this long are searched rather than indexed.
const PAIR_INDEX_MIN = 16;
const OK: SupplierCheck = Object.freeze({ ret: 0 });
const DEFER: SupplierCheck = Object.freeze({ ret: -EPROBE_DEFER });

/**
 * Device links (drivers/base/core.c, spec §6): device_link_add() with the
 * kernel's flag rules, the link state machine driven by the probe and unbind
 * paths, and removal. fw_devlink ({@link FwDevlink}) and sync_state()
 * ({@link SyncState}) hang off it. One instance per kernel, bound in its
 * container as the `DeviceLinks` token and read once into `k.links`.
 */
export class DeviceLinks {
  /** The kernel's fwnode links and per-fwnode flags. */
  readonly fwnodes: FwnodeLinks;
  /** fw_devlink: firmware-inferred links. */
  readonly fw: FwDevlink;
  /** sync_state() delivery. */
  readonly syncState: SyncState;
  /** The devlink class devices, in registration order (class_for_each_device()). */
  readonly #all = new Set<DeviceLink>();
  #seq = 0;

  /** Creates the device links of kernel `k` under `policy`. */
  constructor(readonly k: Kernel, readonly policy: FwDevlinkPolicy) {
    this.fwnodes = new FwnodeLinks(k);
    this.syncState = new SyncState(k, policy.syncStateMode(), () => this.#all);
    this.fw = new FwDevlink(k, this, policy);
  }

  /** Every device link, oldest first (`ls /sys/class/devlink` in creation order). */
  all(): DeviceLink[] {
    return [...this.#all];
  }

  /**
   * Every device link, oldest first, without a copy: a walk sees links
   * deleted on the way disappear and links added on the way at the end.
   */
  live(): ReadonlySet<DeviceLink> {
    return this.#all;
  }

  // ---------------------------------------------------------------- creation and deletion

  /**
   * core.c: device_link_add(). Returns the new or merged link, or null when
   * the flags are invalid, the supplier is not registered, the link would
   * close a loop (device_is_dependent()), or a sync-state-only link is asked
   * for a consumer that already probed.
   */
  add(consumer: Device, supplier: Device, flags: number): DeviceLink | null {
    if (consumer === supplier || (flags & ~DL_ADD_VALID_FLAGS) !== 0
      || ((flags & DL_FLAG.STATELESS) !== 0 && (flags & DL_MANAGED_LINK_FLAGS) !== 0)
      || ((flags & DL_FLAG.AUTOPROBE_CONSUMER) !== 0 && (flags & (DL_FLAG.AUTOREMOVE_CONSUMER | DL_FLAG.AUTOREMOVE_SUPPLIER)) !== 0)) {
      return null;
    }
    if ((flags & DL_FLAG.STATELESS) === 0) flags |= DL_FLAG.MANAGED;
    if ((flags & DL_FLAG.SYNC_STATE_ONLY) !== 0 && !isSyncStateOnly(flags)) return null;
    const sso = (flags & DL_FLAG.SYNC_STATE_ONLY) !== 0;
    // A supplier must be registered; a reverse (non sync-state-only) dependency would be a loop.
    if (!supplier.registered || (!sso && this.isDependent(consumer, supplier))) return null;
    // Sync-state-only links are useless once the consumer probed.
    if (sso && consumer.links.status !== 'NO_DRIVER' && consumer.links.status !== 'PROBING') return null;
    // AUTOREMOVE_SUPPLIER outlives AUTOREMOVE_CONSUMER: prefer it.
    if ((flags & DL_FLAG.AUTOREMOVE_SUPPLIER) !== 0) flags &= ~DL_FLAG.AUTOREMOVE_CONSUMER;

    const existing = this.#find(consumer, supplier);
    if (existing !== undefined) return this.#merge(existing, flags);

    const link = new DeviceLink(supplier, consumer, flags, this.#seq++);
    // device_register(&link->link_dev): the devlink class device.
    if (this.k.dbg.core) this.k.prDebug(CORE, `device: '${link.name}': device_add`);
    link.status = (flags & DL_FLAG.STATELESS) !== 0 ? 'NONE' : initStatus(consumer.links.status, supplier.links.status);
    supplier.links.consumers.push(link);
    consumer.links.suppliers.push(link);
    this.#byPair.get(consumer)?.set(supplier, link);
    this.#all.add(link);
    if (this.k.tracing) this.k.emit({ type: 'devlink_add', supplier: supplier.name, consumer: consumer.name, flags });
    if (sso) {
      if (this.k.dbg.core) this.k.devDbg(consumer, CORE, `Linked as a sync state only consumer to ${supplier.name}`);
      return link;
    }
    this.#reorder(consumer, supplier);
    return link;
  }

  // The link between the pair, if any. It is on both lists: a short one is searched; a
  // device with many suppliers (a bus holding sync-state-only proxies for all its
  // descendants) gets a supplier → link index, kept by add and delete.
  #find(consumer: Device, supplier: Device): DeviceLink | undefined {
    const sups = consumer.links.suppliers;
    const cons = supplier.links.consumers;
    if (sups.length <= PAIR_INDEX_MIN || cons.length <= PAIR_INDEX_MIN) {
      if (cons.length < sups.length) {
        for (let i = 0; i < cons.length; i++) if (cons[i]!.consumer === consumer) return cons[i];
      } else {
        for (let i = 0; i < sups.length; i++) if (sups[i]!.supplier === supplier) return sups[i];
      }
      return undefined;
    }
    let index = this.#byPair.get(consumer);
    if (index === undefined) {
      index = new Map();
      for (let i = 0; i < sups.length; i++) index.set(sups[i]!.supplier, sups[i]!);
      this.#byPair.set(consumer, index);
    }
    return index.get(supplier);
  }

  readonly #byPair = new WeakMap<Device, Map<Device, DeviceLink>>();

  // device_link_add(): a link between the pair exists; merge the request into it.
  #merge(link: DeviceLink, flags: number): DeviceLink {
    if (link.has(DL_FLAG.INFERRED) && (flags & DL_FLAG.INFERRED) === 0) link.flags &= ~DL_FLAG.INFERRED;
    if ((flags & DL_FLAG.PM_RUNTIME) !== 0) link.flags |= DL_FLAG.PM_RUNTIME;
    if ((flags & DL_FLAG.STATELESS) !== 0) {
      link.refcount++;
      const reorder = link.has(DL_FLAG.SYNC_STATE_ONLY) && !link.has(DL_FLAG.STATELESS);
      link.flags |= DL_FLAG.STATELESS;
      if (reorder) this.#reorder(link.consumer, link.supplier);
      return link;
    }
    // The longer managed lifetime wins: supplier unbind > consumer unbind > never.
    if ((flags & DL_FLAG.AUTOREMOVE_SUPPLIER) !== 0) {
      if (link.has(DL_FLAG.AUTOREMOVE_CONSUMER)) {
        link.flags &= ~DL_FLAG.AUTOREMOVE_CONSUMER;
        link.flags |= DL_FLAG.AUTOREMOVE_SUPPLIER;
      }
    } else if ((flags & DL_FLAG.AUTOREMOVE_CONSUMER) === 0) {
      link.flags &= ~(DL_FLAG.AUTOREMOVE_CONSUMER | DL_FLAG.AUTOREMOVE_SUPPLIER);
    }
    if (!link.managed) {
      link.refcount++;
      link.flags |= DL_FLAG.MANAGED;
      link.status = initStatus(link.consumer.links.status, link.supplier.links.status);
    }
    if (link.has(DL_FLAG.SYNC_STATE_ONLY) && (flags & DL_FLAG.SYNC_STATE_ONLY) === 0) {
      link.flags &= ~DL_FLAG.SYNC_STATE_ONLY;
      this.#reorder(link.consumer, link.supplier);
    }
    return link;
  }

  // device_reorder_to_tail() of the consumer, then the dev_dbg().
  #reorder(consumer: Device, supplier: Device): void {
    this.k.devicesMoveToTail(consumer);
    if (this.k.dbg.core) this.k.devDbg(consumer, CORE, `Linked as a consumer to ${supplier.name}`);
  }

  /**
   * core.c: device_is_dependent(dev, target) — `target` is `dev`, a
   * descendant of it, or reachable from it through children and non
   * sync-state-only consumer links.
   */
  isDependent(dev: Device, target: Device): boolean {
    // "The ancestors check is needed to catch a target not yet on its parent's child list."
    for (let p = target.parent; p !== null; p = p.parent) if (p === dev) return true;
    if (dev === target) return true;
    // A device nothing depends on yet (the usual new consumer) reaches nothing.
    if (dev.children.length === 0 && dev.links.consumers.length === 0) return false;
    return reaches(dev, target, ++this.#dependStamp);
  }

  // Each device_is_dependent() walk marks the devices it visited with a new stamp.
  #dependStamp = 0;

  /**
   * core.c: device_link_del() — drop one reference of a stateless link. A
   * managed link is only deleted here when its consumer is gone.
   */
  del(link: DeviceLink): void {
    if (link.has(DL_FLAG.STATELESS)) {
      if (--link.refcount <= 0) this.#delete(link);
    } else if (!link.consumer.registered) {
      this.#delete(link);
    } else {
      this.k.printk(LogLevel.WARNING, 'Unable to drop a managed device link reference');
    }
  }

  /** core.c: device_link_remove() — device_link_del() of the link between the pair. */
  remove(consumer: Device, supplier: Device): void {
    if (consumer === supplier) return;
    const link = supplier.links.consumers.find((l) => l.consumer === consumer);
    if (link !== undefined) this.del(link);
  }

  /** core.c: device_link_drop_managed() */
  dropManaged(link: DeviceLink): void {
    link.flags &= ~DL_FLAG.MANAGED;
    link.status = 'NONE';
    if (--link.refcount <= 0) this.#delete(link);
  }

  // core.c: __device_link_del()
  #delete(link: DeviceLink): void {
    const k = this.k;
    if (!this.#all.delete(link)) return;
    if (k.dbg.core) k.devDbg(link.consumer, CORE, `Dropping the link to ${link.supplier.name}`);
    removeFrom(link.supplier.links.consumers, link);
    removeFrom(link.consumer.links.suppliers, link);
    this.#byPair.get(link.consumer)?.delete(link.supplier);
    if (k.dbg.core) k.prDebug(CORE, `device: '${link.name}': device_unregister`);
    if (k.tracing) k.emit({ type: 'devlink_del', supplier: link.supplier.name, consumer: link.consumer.name });
  }

  // ---------------------------------------------------------------- the probe path

  /**
   * core.c: device_links_check_suppliers() — the gate before really_probe()
   * calls anything. fwnode links first (`wait for supplier`), then managed
   * device links (`supplier X not ready`); only the first blocker is reported.
   * A best-effort device gets -EAGAIN instead of deferring on suppliers that
   * have no driver.
   */
  checkSuppliers(dev: Device): SupplierCheck {
    const fw = this.fw;
    let fwRet = 0;
    if (dev.fwnode !== null && fw.enforcesFwnodeLinks) {
      const sup = this.fwnodes.firstBlockingSupplier(dev.fwnode, fw.blockingMask);
      if (sup !== null) {
        if (fw.isBestEffort(dev)) fwRet = -Errno.EAGAIN;
        else return this.#defer(dev, 'wait for supplier ', this.fwnodes.fwName(sup));
      }
    }
    let ret = 0;
    let reason: string | undefined;
    const suppliers = dev.links.suppliers;
    for (let i = 0; i < suppliers.length; i++) {
      const link = suppliers[i]!;
      if (!link.managed) continue;
      if (link.status !== 'AVAILABLE' && !link.has(DL_FLAG.SYNC_STATE_ONLY)) {
        if (link.has(DL_FLAG.INFERRED) && !link.supplier.canMatch && fw.isBestEffort(dev)) {
          ret = -Errno.EAGAIN;
          continue;
        }
        missingSupplier(dev);
        const r = this.#defer(dev, 'supplier ', link.supplier.name, ' not ready');
        ret = r.ret;
        reason = r.reason;
        break;
      }
      link.status = 'CONSUMER_PROBE';
    }
    dev.links.status = 'PROBING';
    if (ret !== 0) return reason === undefined ? { ret } : { ret, reason };
    return fwRet === 0 ? OK : { ret: fwRet };
  }

  // dev_err_probe() (v5.16+) records the reason; before, only a dev_dbg() line. The
  // reason is only built when something keeps or prints it, and returned for the trace.
  #defer(dev: Device, before: string, name: string, after = ''): SupplierCheck {
    const k = this.k;
    if (!k.profile.linkDeferralReason && !k.dbg.core && !k.tracing) return DEFER;
    const reason = before + name + after;
    if (k.profile.linkDeferralReason) k.devErrProbe(dev, -EPROBE_DEFER, reason);
    else if (k.dbg.core) k.devDbg(dev, CORE, `probe deferral - ${reason}`);
    return k.tracing ? { ret: -EPROBE_DEFER, reason } : DEFER;
  }

  /**
   * core.c: device_links_force_bind() — before device_bind_driver() binds
   * without a probe: links to available suppliers move on to consumer
   * probing, the others are dropped (a consumer bound past them cannot wait).
   */
  forceBind(dev: Device): void {
    const suppliers = dev.links.suppliers;
    for (let i = 0; i < suppliers.length;) {
      const link = suppliers[i]!;
      if (link.managed) {
        if (link.status !== 'AVAILABLE') this.dropManaged(link);
        else link.status = 'CONSUMER_PROBE';
      }
      if (suppliers[i] === link) i++;
    }
    dev.links.status = 'PROBING';
  }

  /** core.c: device_links_driver_bound() — called from driver_bound(). */
  driverBound(dev: Device): void {
    const k = this.k;
    this.fw.driverBound(dev);
    const sync = this.syncState;
    const list: Device[] = [];
    const consumers = dev.links.consumers;
    for (let i = 0; i < consumers.length; i++) {
      const link = consumers[i]!;
      if (!link.managed) continue;
      // Links created while the supplier was probing may already be further along.
      if (link.status === 'CONSUMER_PROBE' || link.status === 'ACTIVE') continue;
      link.status = 'AVAILABLE';
      if (link.has(DL_FLAG.AUTOPROBE_CONSUMER)) k.deferred.add(link.consumer);
    }
    if (k.profile.syncState) sync.evaluate(dev, list);
    const suppliers = dev.links.suppliers;
    // Sync-state-only and best-effort links are dropped on the way: only step past a link still in place.
    for (let i = 0; i < suppliers.length;) {
      const link = suppliers[i]!;
      if (link.managed) {
        const supplier = link.supplier;
        if (link.has(DL_FLAG.SYNC_STATE_ONLY)) {
          this.dropManaged(link);
        } else if (link.has(DL_FLAG.INFERRED) && link.status !== 'CONSUMER_PROBE' && !supplier.canMatch && this.fw.isBestEffort(dev)) {
          // A best-effort device probed without this driverless supplier: the link means nothing now.
          this.dropManaged(link);
        } else {
          // WARN_ON(link->status != DL_STATE_CONSUMER_PROBE): a bind that skipped the supplier check (device_bind_driver() before v5.13).
          if (link.status !== 'CONSUMER_PROBE') k.warnOn('drivers/base/core.c', 'device_links_driver_bound');
          link.status = 'ACTIVE';
        }
        // Even a dropped link may have been the last one holding the supplier's sync_state() back.
        if (k.profile.syncState) sync.evaluate(supplier, list);
      }
      if (suppliers[i] === link) i++;
    }
    dev.links.status = 'DRIVER_BOUND';
    sync.flush(list);
  }

  /** core.c: device_links_no_driver() — a probe failed after the link check. */
  noDriver(dev: Device): void {
    for (const link of dev.links.consumers) {
      if (!link.managed) continue;
      // Added by a consumer while this device was still probing: valid, but not meaningful now.
      if (link.status === 'CONSUMER_PROBE' || link.status === 'ACTIVE') link.status = 'DORMANT';
    }
    this.#noDriver(dev);
  }

  // core.c: __device_links_no_driver()
  #noDriver(dev: Device): void {
    const suppliers = [...dev.links.suppliers].reverse();
    for (const link of suppliers) {
      if (!link.managed) continue;
      if (link.has(DL_FLAG.AUTOREMOVE_CONSUMER)) {
        this.dropManaged(link);
        continue;
      }
      if (link.status !== 'CONSUMER_PROBE' && link.status !== 'ACTIVE') continue;
      link.status = link.supplier.links.status === 'DRIVER_BOUND' ? 'AVAILABLE' : 'DORMANT';
    }
    dev.links.status = 'NO_DRIVER';
  }

  /**
   * core.c: device_links_busy() — true if a consumer is probing or bound;
   * other consumer links go to SUPPLIER_UNBIND. The device is UNBINDING either way.
   */
  busy(dev: Device): boolean {
    let ret = false;
    for (const link of dev.links.consumers) {
      if (!link.managed) continue;
      if (link.status === 'CONSUMER_PROBE' || link.status === 'ACTIVE') {
        ret = true;
        break;
      }
      link.status = 'SUPPLIER_UNBIND';
    }
    dev.links.status = 'UNBINDING';
    return ret;
  }

  /**
   * core.c: device_links_unbind_consumers() — unbind every bound consumer
   * (recursively: their consumers go first), then start over. A consumer in
   * the middle of its probe cannot be waited for inside one simulated step;
   * its link is left as it is.
   */
  unbindConsumers(dev: Device): void {
    for (let guard = 0; guard < 100_000; guard++) {
      let again = false;
      for (const link of dev.links.consumers) {
        if (!link.managed || link.has(DL_FLAG.SYNC_STATE_ONLY)) continue;
        const status = link.status;
        if (status === 'CONSUMER_PROBE') continue;
        link.status = 'SUPPLIER_UNBIND';
        if (status === 'ACTIVE') {
          this.k.dd.releaseDriver(link.consumer);
          again = true;
          break;
        }
      }
      if (!again) return;
    }
  }

  /** core.c: device_links_driver_cleanup() — after the driver's remove(). */
  driverCleanup(dev: Device): void {
    for (const link of [...dev.links.consumers]) {
      if (!link.managed) continue;
      // Autoremove the links whose consumers were unbound for this supplier.
      if (link.status === 'SUPPLIER_UNBIND' && link.has(DL_FLAG.AUTOREMOVE_SUPPLIER)) this.dropManaged(link);
      link.status = 'DORMANT';
    }
    this.syncState.remove(dev);
    this.#noDriver(dev);
  }

  /** core.c: device_links_purge() — device_del(): every link of the device goes. */
  purge(dev: Device): void {
    for (const link of [...dev.links.suppliers].reverse()) this.#delete(link);
    for (const link of [...dev.links.consumers].reverse()) this.#delete(link);
    this.syncState.remove(dev);
    this.fw.deviceDel(dev);
  }

  // ---------------------------------------------------------------- fw_devlink hooks

  /** core.c: fw_devlink_link_device() — called from device_add() for the first device of a fwnode. */
  linkDevice(dev: Device): void {
    this.fw.linkDevice(dev);
  }

  /** core.c: fw_devlink_unblock_consumers() — device_add() after drivers-done found no driver. */
  unblockConsumers(dev: Device): void {
    this.fw.unblockConsumersOnAdd(dev);
  }

  /** core.c: fw_devlink_drivers_done() — at the deferred-probe timeout (or late_initcall without modules). */
  driversDone(): void {
    this.fw.driversDone();
  }

  /** core.c: fw_devlink_probing_done() — sync_state give-up (v6.4+). */
  probingDone(): void {
    this.syncState.probingDone();
  }

  /** Consumers to move to the kset tail with `dev` (non sync-state-only links), for device_reorder_to_tail(). */
  consumersForReorder(dev: Device): readonly Device[] {
    const out: Device[] = [];
    for (const l of dev.links.consumers) if (!isSyncStateOnly(l.flags)) out.push(l.consumer);
    return out;
  }

  /** True if some fwnode link still blocks `dev` (the `waiting_for_supplier` value). */
  waitingForSupplier(dev: Device): boolean {
    const fw = dev.fwnode;
    return fw !== null && this.fw.enforcesFwnodeLinks && this.fwnodes.firstBlockingSupplier(fw, this.fw.blockingMask) !== null;
  }
}

/** core.c: device_link_init_status() — the state table of spec §6.2. */
export function initStatus(consumer: DlDevState, supplier: DlDevState): DeviceLinkState {
  switch (supplier) {
    case 'PROBING':
      return consumer === 'PROBING' ? 'CONSUMER_PROBE' : 'DORMANT';
    case 'DRIVER_BOUND':
      return consumer === 'PROBING' ? 'CONSUMER_PROBE' : consumer === 'DRIVER_BOUND' ? 'ACTIVE' : 'AVAILABLE';
    case 'UNBINDING':
      return 'SUPPLIER_UNBIND';
    default:
      return 'DORMANT';
  }
}

// core.c: device_links_missing_supplier() — undo the CONSUMER_PROBE marks of this check.
function missingSupplier(dev: Device): void {
  for (const link of dev.links.suppliers) {
    if (link.status !== 'CONSUMER_PROBE') continue;
    link.status = link.supplier.links.status === 'DRIVER_BOUND' ? 'AVAILABLE' : 'DORMANT';
  }
}

// device_is_dependent() without the ancestors check, memoised: reachability does not
// depend on the path, and real link graphs are DAGs with many shared paths.
function reaches(dev: Device, target: Device, stamp: number): boolean {
  if (dev === target) return true;
  if (dev.dependStamp === stamp) return false;
  dev.dependStamp = stamp;
  const children = dev.children;
  for (let i = 0; i < children.length; i++) if (reaches(children[i]!, target, stamp)) return true;
  const consumers = dev.links.consumers;
  for (let i = 0; i < consumers.length; i++) {
    const link = consumers[i]!;
    if (isSyncStateOnly(link.flags)) continue;
    if (reaches(link.consumer, target, stamp)) return true;
  }
  return false;
}

// Removes the last `x` from `arr`, keeping the order, without splice()'s array of removed elements.
function removeFrom<T>(arr: T[], x: T): void {
  const i = arr.lastIndexOf(x);
  if (i < 0) return;
  const last = arr.length - 1;
  for (let j = i; j < last; j++) arr[j] = arr[j + 1]!;
  arr.pop();
}

