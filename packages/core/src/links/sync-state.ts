import type { Device } from '../base/device.js';
import { Errno } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { LogLevel } from '../klog/levels.js';
import type { DeviceLink } from './device-link.js';
import type { SyncStateMode } from './policy.js';

/**
 * sync_state() delivery (drivers/base/core.c, spec §8): a bound supplier
 * whose every managed consumer link is ACTIVE gets one `sync_state()` call.
 * While `defer_sync_state_count` is above zero (it starts at 1) candidates
 * are parked on the deferred-sync list instead.
 */
export class SyncState {
  /** defer_sync_state_count */
  count = 1;
  /** deferred_sync: suppliers parked while paused, in order. */
  readonly #deferred: Device[] = [];
  #pausedForDt = false;

  /** Creates the sync_state machinery of kernel `k`. */
  constructor(readonly k: Kernel, readonly mode: SyncStateMode, readonly allLinks: () => Iterable<DeviceLink>) {}

  /** True once {@link SyncState.pauseForDevicetree} paused (of_platform_sync_state_init() resumes at late_initcall_sync). */
  get pausedForDevicetree(): boolean {
    return this.#pausedForDt;
  }

  /** base.h: dev_has_sync_state() — the driver or the bus has a callback. */
  hasSyncState(dev: Device): boolean {
    return (dev.driver !== null && dev.driver.spec.syncState !== undefined) || dev.bus?.syncState !== undefined;
  }

  /** core.c: device_links_supplier_sync_state_pause() */
  pause(): void {
    this.count++;
  }

  /**
   * drivers/of/platform.c: of_platform_default_populate_init() pauses when
   * the devicetree is populated (arch_initcall_sync), and
   * of_platform_sync_state_init() resumes at late_initcall_sync. The platform
   * bus calls this when it populates from a devicetree.
   */
  pauseForDevicetree(): void {
    if (this.#pausedForDt) return;
    this.#pausedForDt = true;
    this.pause();
  }

  /** core.c: device_links_supplier_sync_state_resume() — at zero, parked suppliers are re-evaluated and called. */
  resume(): void {
    if (this.count === 0) {
      this.k.printk(LogLevel.WARNING, 'Unmatched sync_state pause/resume!');
      return;
    }
    this.count--;
    if (this.count > 0) return;
    const list: Device[] = [];
    const parked = this.#deferred.splice(0);
    for (const dev of parked) {
      dev.links.deferSync = false;
      this.queue(dev, list);
    }
    this.flush(list);
  }

  /** core.c: __device_links_supplier_defer_sync() */
  deferSync(sup: Device): void {
    if (!sup.links.deferSync && this.hasSyncState(sup)) {
      sup.links.deferSync = true;
      this.#deferred.push(sup);
    }
  }

  /** Takes `dev` off the deferred-sync list (list_del_init(&dev->links.defer_sync)). */
  remove(dev: Device): void {
    if (!dev.links.deferSync) return;
    dev.links.deferSync = false;
    const i = this.#deferred.indexOf(dev);
    if (i >= 0) this.#deferred.splice(i, 1);
  }

  /** driver_bound() and consumer binds: park (while paused) or queue. */
  evaluate(dev: Device, list: Device[]): void {
    if (this.count > 0) this.deferSync(dev);
    else this.queue(dev, list);
  }

  /** core.c: __device_links_queue_sync_state() — every managed consumer link ACTIVE. */
  queue(dev: Device, list: Device[]): void {
    if (!this.hasSyncState(dev) || dev.stateSynced) return;
    const consumers = dev.links.consumers;
    for (let i = 0; i < consumers.length; i++) {
      const l = consumers[i]!;
      if (l.managed && l.status !== 'ACTIVE') return;
    }
    dev.stateSynced = true;
    if (dev.links.deferSync) return;
    list.push(dev);
  }

  /** core.c: device_links_flush_sync_list() */
  flush(list: readonly Device[]): void {
    for (const dev of list) this.call(dev);
  }

  /** core.c: dev_sync_state() — the bus callback wins over the driver's. */
  call(dev: Device): void {
    const k = this.k;
    if (k.tracing) k.emit({ type: 'sync_state', device: dev.name });
    const bus = dev.bus;
    if (bus?.syncState !== undefined) bus.syncState(dev);
    else dev.driver?.spec.syncState?.(dev);
  }

  /**
   * core.c: fw_devlink_probing_done() (v6.4+) — after the deferred-probe
   * timeout: for each managed link that is not ACTIVE and whose supplier still
   * waits for sync_state(), `strict` says why, `timeout` forces the call.
   */
  probingDone(): void {
    const k = this.k;
    if (!k.profile.fwDevlinkSyncStateParam) return;
    const list: Device[] = [];
    for (const link of this.allLinks()) {
      const sup = link.supplier;
      if (!link.managed || link.status === 'ACTIVE' || sup.stateSynced || !this.hasSyncState(sup)) continue;
      if (this.mode === 'strict') {
        const level = k.profile.syncStatePendingLevel === 'info' ? LogLevel.INFO : LogLevel.WARNING;
        k.devPrintk(sup, level, `sync_state() pending due to ${link.consumer.name}`);
        continue;
      }
      if (sup.links.deferSync) continue;
      k.devPrintk(sup, LogLevel.WARNING, 'Timed out. Forcing sync_state()');
      sup.stateSynced = true;
      sup.links.deferSync = true;
      list.push(sup);
    }
    for (const dev of list) dev.links.deferSync = false;
    this.flush(list);
  }

  /**
   * Writing the `state_synced` sysfs file (core.c: state_synced_store(),
   * v6.4+): `1` forces sync_state() once. The file exists only on a bound
   * device with a callback. Returns 0, -EINVAL, or -ENOENT (no such file).
   */
  writeStateSynced(dev: Device, value: string): number {
    if (!dev.bound || !this.hasSyncState(dev)) return -Errno.ENOENT;
    if (!this.k.profile.fwDevlinkSyncStateParam) return -Errno.EACCES;
    if (value.trim() !== '1') return -Errno.EINVAL;
    if (dev.stateSynced) return -Errno.EINVAL;
    dev.stateSynced = true;
    this.call(dev);
    return 0;
  }
}
