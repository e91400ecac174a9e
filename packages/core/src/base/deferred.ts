import { Errno } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { LogLevel } from '../klog/levels.js';
import { NSEC_PER_SEC } from '../time/clock.js';
import type { ThreadBody } from '../time/scheduler.js';
import type { Device } from './device.js';
import { LinkedList } from './list.js';

const DD = 'drivers/base/dd.c';

/**
 * Deferred probe (drivers/base/dd.c). A device whose probe returns
 * -EPROBE_DEFER waits on `pending`; every successful bind moves all of
 * `pending` to `active` and queues the retry work, which retries the active
 * devices first-in first-out (driver_deferred_probe_trigger(),
 * deferred_probe_work_func()). Triggers do nothing before late_initcall.
 */
export class DeferredProbe {
  /** deferred_probe_pending_list */
  readonly pending = new LinkedList<Device>();
  /** deferred_probe_active_list */
  readonly active = new LinkedList<Device>();
  /** deferred_trigger_count */
  triggerCount = 0;
  /** driver_deferred_probe_enable: false until late_initcall. */
  enabled = false;
  /** initcalls_done */
  initcallsDone = false;
  /** driver_deferred_probe_timeout (seconds; 0 = expired or none, < 0 = never). */
  timeout: number;
  /** defer_all_probes (suspend/shutdown). */
  deferAllProbes = false;
  /** The timeout has fired. */
  timedOut = false;

  #workQueued = false;
  readonly #queued = { until: () => this.#workQueued, what: 'deferred work queued' };
  #workRunning = false;
  #timer: { cancelled: boolean; at: number } | null = null;

  /** Creates the lists for kernel `k` and starts its deferred-probe worker. */
  constructor(readonly k: Kernel, initialTimeout: number) {
    this.timeout = initialTimeout;
    k.scheduler.spawn('deferred_probe_work', 'deferred', this.#worker(), { daemon: true, waitFor: this.#queued });
  }

  /** True while the retry work is queued or running (flush_work() waits for false). */
  get busy(): boolean {
    return this.#workQueued || this.#workRunning;
  }

  /** dd.c: driver_deferred_probe_add() — no-op if already queued or (v5.13+) never matched. */
  add(dev: Device): void {
    if (this.k.profile.canMatchGatesDeferredList && !dev.canMatch) return;
    if (dev.deferredNode.list !== null) return;
    if (this.k.dbg.dd) this.k.devDbg(dev, DD, 'Added to deferred list');
    this.pending.pushBack(dev.deferredNode);
    dev.deferCount++;
    if (this.k.tracing) this.k.emit({ type: 'deferred_add', device: dev.name });
  }

  /** dd.c: driver_deferred_probe_del() — from driver_bound() and device_del(). */
  del(dev: Device): void {
    const list = dev.deferredNode.list;
    if (list !== null) {
      if (this.k.dbg.dd) this.k.devDbg(dev, DD, 'Removed from deferred list');
      list.remove(dev.deferredNode);
    }
    dev.deferredReason = null;
  }

  /** dd.c: driver_deferred_probe_trigger() */
  trigger(): void {
    if (!this.enabled) return;
    this.triggerCount++;
    this.active.spliceTailFrom(this.pending);
    this.#workQueued = true;
    if (this.k.tracing) this.k.emit({ type: 'deferred_trigger', count: this.triggerCount });
  }

  /** Waits until the retry work is idle (flush_work(&deferred_probe_work)). */
  *flush(): ThreadBody {
    if (this.busy) yield { until: () => !this.busy, what: 'flush_work(deferred_probe_work)' };
  }

  // dd.c: deferred_probe_work_func(), as a worker that sleeps while nothing is queued.
  *#worker(): ThreadBody {
    const k = this.k;
    for (;;) {
      if (!this.#workQueued) yield this.#queued;
      this.#workQueued = false;
      this.#workRunning = true;
      let dev: Device | undefined;
      while ((dev = this.active.popFront()) !== undefined) {
        dev.deferredReason = null;
        k.devicesMoveToTail(dev);
        if (k.dbg.dd) k.devDbg(dev, DD, 'Retrying from deferred list');
        if (k.tracing) k.emit({ type: 'deferred_retry', device: dev.name });
        k.clock.advance(k.costs.deferredRetry);
        k.busProbeDevice(dev);
        if (k.scheduler.contended()) yield;
      }
      this.#workRunning = false;
    }
  }

  /** dd.c: deferred_probe_initcall() — late_initcall. */
  *initcall(): ThreadBody {
    const k = this.k;
    this.enabled = true;
    this.trigger();
    yield* this.flush();
    this.initcallsDone = true;
    if (!k.config.modules) k.links.driversDone();
    // "Trigger deferred probe again, this time we won't defer anything that is optional."
    this.trigger();
    yield* this.flush();
    if (this.timeout > 0) this.#armTimeout(this.timeout);
    if (!k.config.modules) k.links.probingDone();
  }

  /** dd.c: deferred_probe_extend_timeout() — a driver registered; re-arm a pending timer. */
  extendTimeout(): void {
    const t = this.#timer;
    if (t === null || t.cancelled) return;
    t.cancelled = true;
    this.#armTimeout(this.timeout);
    if (this.k.dbg.dd) this.k.prDebug(DD, `Extended deferred probe timeout by ${this.timeout} secs`);
    if (this.k.tracing) this.k.emit({ type: 'timeout_extend', seconds: this.timeout });
  }

  /** The virtual time the timeout will fire at, or null if it is not armed. */
  get timeoutAt(): number | null {
    return this.#timer !== null && !this.#timer.cancelled ? this.#timer.at : null;
  }

  #armTimeout(seconds: number): void {
    const at = this.k.clock.now + seconds * NSEC_PER_SEC;
    const timer = { cancelled: false, at };
    this.#timer = timer;
    this.k.scheduler.spawn('deferred_probe_timeout', 'timer', this.#timerBody(timer), { daemon: true, at });
  }

  *#timerBody(timer: { cancelled: boolean; at: number }): ThreadBody {
    if (timer.cancelled) return;
    this.#timer = null;
    yield* this.#timeoutWork();
  }

  // dd.c: deferred_probe_timeout_work_func()
  *#timeoutWork(): ThreadBody {
    const k = this.k;
    if (k.tracing) k.emit({ type: 'timeout' });
    k.links.driversDone();
    this.timeout = 0;
    this.timedOut = true;
    this.trigger();
    yield* this.flush();
    for (const dev of this.pending) {
      const style = k.profile.deferredPendingStyle;
      if (style === 'plain') k.devPrintk(dev, LogLevel.INFO, 'deferred probe pending');
      else k.devPrintk(dev, style === 'reason-warn' ? LogLevel.WARNING : LogLevel.INFO, `deferred probe pending: ${dev.deferredReason ?? '(reason unknown)'}`);
    }
    k.links.probingDone();
  }

  /**
   * dd.c: driver_deferred_probe_check_state() — what an opt-in subsystem (the
   * OF IOMMU glue, genpd) answers when its supplier is missing.
   */
  checkState(dev: Device): number {
    const k = this.k;
    if ((!k.config.modules || k.profile.checkStateEnodevWithModules) && this.initcallsDone) {
      k.devPrintk(dev, LogLevel.WARNING, 'ignoring dependency for device, assuming no driver');
      return -Errno.ENODEV;
    }
    if (this.timeout === 0 && this.initcallsDone) {
      k.devPrintk(dev, LogLevel.WARNING, 'deferred probe timeout, ignoring dependency');
      return -Errno.ETIMEDOUT;
    }
    return -Errno.EPROBE_DEFER;
  }

  /** debugfs `devices_deferred` (dd.c: deferred_devs_show()): pending devices with their reasons. */
  devicesDeferred(): string {
    let out = '';
    for (const dev of this.pending) out += `${dev.name}\t${dev.deferredReason ?? ''}\n`;
    return out;
  }
}
