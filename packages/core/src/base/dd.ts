import { Errno } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { LogLevel } from '../klog/levels.js';
import type { ThreadBody } from '../time/scheduler.js';
import { BusNotify, type BusType } from './bus.js';
import type { Device } from './device.js';
import type { Driver } from './driver.js';

const DD = 'drivers/base/dd.c';
const EPROBE_DEFER = Errno.EPROBE_DEFER;

/** dd.c: struct device_attach_data */
interface AttachData {
  readonly dev: Device;
  readonly checkAsync: boolean;
  readonly wantAsync: boolean;
  haveAsync: boolean;
}

/**
 * The probe path of drivers/base/dd.c: matching a device against drivers and
 * drivers against devices, driver_probe_device() with the trigger-count race
 * check, really_probe() with its steps in order, driver_bound(), and unbinding.
 */
export class Dd {
  /** Creates the probe path of kernel `k`. */
  constructor(readonly k: Kernel) {}

  /** dd.c: driver_allows_async_probing() */
  driverAllowsAsyncProbing(drv: Driver): boolean {
    const type = drv.spec.probeType ?? 'default';
    if (type === 'prefer-async') return true;
    if (type === 'force-sync') return false;
    return this.k.cmdlineRequestsAsync(drv.name) || drv.ownerAsync;
  }

  /** dd.c: __device_attach() — a device looks for a driver. Returns 1 if bound, 0, or a negative errno. */
  deviceAttach(dev: Device, allowAsync: boolean): number {
    if (dev.dead) return 0;
    if (dev.driver !== null) return dev.bound ? 1 : 0;
    const bus = dev.bus;
    if (bus === null) return 0;
    const data: AttachData = { dev, checkAsync: allowAsync, wantAsync: false, haveAsync: false };
    const ret = this.#forEachDriver(bus, data);
    if (ret === 0 && allowAsync && data.haveAsync) {
      if (this.k.dbg.dd) this.k.devDbg(dev, DD, 'scheduling asynchronous probe');
      this.#deviceAttachAsync(dev);
    }
    return ret;
  }

  // The async jobs take their device as an argument: one function each per kernel, not a
  // closure per job.
  #deviceAttachAsync(dev: Device): void {
    this.k.asyncSchedule(dev, null, this.#deviceAttachAsyncHelper);
  }

  // dd.c: __device_attach_driver(); `bus` is the device's, whose drivers are walked.
  #deviceAttachDriver(bus: BusType, drv: Driver, data: AttachData): number {
    const dev = data.dev;
    // dd.c: driver_match_device()
    const m = bus.match(dev, drv);
    if (m === 0) return 0;
    if (m === -EPROBE_DEFER) {
      if (this.k.dbg.dd) this.k.devDbg(dev, DD, 'Device match requests probe deferral');
      dev.canMatch = true;
      this.k.deferred.add(dev);
      return m;
    }
    if (m < 0) {
      if (this.k.dbg.dd) this.k.devDbg(dev, DD, `Bus failed to match device: ${m}`);
      return m;
    }
    const asyncAllowed = this.driverAllowsAsyncProbing(drv);
    if (asyncAllowed) data.haveAsync = true;
    if (data.checkAsync && asyncAllowed !== data.wantAsync) return 0;
    // "Ignore errors returned by ->probe so that the next driver can try its luck."
    const ret = this.driverProbeDevice(drv, dev);
    if (ret < 0) return ret;
    return ret === 0 ? 1 : 0;
  }

  // dd.c: __device_attach_async_helper()
  readonly #deviceAttachAsyncHelper = (dev: Device): void => {
    const bus = dev.bus;
    if (dev.dead || dev.driver !== null || bus === null) return;
    const data: AttachData = { dev, checkAsync: true, wantAsync: true, haveAsync: false };
    this.#forEachDriver(bus, data);
    if (this.k.dbg.dd) this.k.devDbg(dev, DD, 'async probe completed');
  };

  // bus.c: bus_for_each_drv() with __device_attach_driver(), asking only the drivers that
  // can match (MatchIndex); stops at the first non-zero answer and returns it.
  #forEachDriver(bus: BusType, data: AttachData): number {
    const drivers = bus.drivers;
    const index = bus.matchIndex;
    let from = index.nextDriverSeq;
    let list = index.driversFor(data.dev) ?? drivers.slice();
    for (;;) {
      for (let i = 0; i < list.length; i++) {
        const drv = list[i]!;
        // A klist iteration skips what left the list and reaches what joined it at its end.
        if (!drv.registered || drv.busSeq >= from) continue;
        const ret = this.#deviceAttachDriver(bus, drv, data);
        if (ret !== 0) return ret;
      }
      if (index.nextDriverSeq === from) return 0;
      list = drivers.slice(firstAddedSince(drivers, from));
      from = index.nextDriverSeq;
    }
  }

  /** dd.c: driver_attach() — a newly registered driver walks the bus's devices. */
  driverAttach(drv: Driver): void {
    const bus = drv.bus;
    const devices = bus.devices;
    const index = bus.matchIndex;
    // bus_for_each_dev(), asking only the devices that can match (MatchIndex).
    let from = index.nextDeviceSeq;
    let list = index.devicesFor(drv) ?? devices.slice();
    for (;;) {
      for (let i = 0; i < list.length; i++) {
        const dev = list[i]!;
        // A klist iteration skips what left the list and reaches what joined it at its end.
        if (!dev.dead && dev.busSeq < from) this.#driverAttachOne(bus, dev, drv);
      }
      if (index.nextDeviceSeq === from) return;
      list = devices.slice(firstAddedSince(devices, from));
      from = index.nextDeviceSeq;
    }
  }

  // dd.c: __driver_attach()
  #driverAttachOne(bus: BusType, dev: Device, drv: Driver): void {
    // dd.c: driver_match_device()
    const m = bus.match(dev, drv);
    if (m === 0) return;
    if (m === -EPROBE_DEFER) {
      if (this.k.dbg.dd) this.k.devDbg(dev, DD, 'Device match requests probe deferral');
      dev.canMatch = true;
      this.k.deferred.add(dev);
      return;
    }
    if (m < 0) {
      if (this.k.dbg.dd) this.k.devDbg(dev, DD, `Bus failed to match device: ${m}`);
      return;
    }
    if (this.driverAllowsAsyncProbing(drv)) {
      if (dev.driver === null && dev.asyncDriver === null) this.#driverAttachAsync(dev, drv);
      return;
    }
    this.driverProbeDevice(drv, dev);
  }

  #driverAttachAsync(dev: Device, drv: Driver): void {
    dev.asyncDriver = drv;
    this.k.asyncSchedule(dev, drv, this.#driverAttachAsyncJob);
  }

  // dd.c: __driver_attach_async_helper()
  readonly #driverAttachAsyncJob = (dev: Device): void => {
    const d = dev.asyncDriver;
    dev.asyncDriver = null;
    if (d === null) return;
    const ret = this.driverProbeDevice(d, dev);
    if (this.k.dbg.dd) this.k.devDbg(dev, DD, `driver ${d.name} async attach completed: ${ret}`);
  };

  /** dd.c: driver_probe_device() — probe, and on deferral queue the device and re-check the trigger count. */
  driverProbeDevice(drv: Driver, dev: Device): number {
    const k = this.k;
    const deferred = k.deferred;
    const triggerCount = deferred.triggerCount;
    k.probeCount++;
    const ret = this.#driverProbeDeviceLocked(drv, dev);
    if (ret === -EPROBE_DEFER || ret === EPROBE_DEFER) {
      deferred.add(dev);
      // drivercore: deferral race condition fix (58b116bce136): a bind happened while we probed.
      if (triggerCount !== deferred.triggerCount && !deferred.deferAllProbes && !this.#livelocked(dev)) deferred.trigger();
    } else if (ret === 0) dev.selfRetriggers = 0;
    k.probeCount--;
    return ret;
  }

  // A probe that binds a child and then defers re-triggers itself at once, forever
  // (§5.3, §14.4). The kernel loops; the simulator stops after a cap and says why.
  #livelocked(dev: Device): boolean {
    const k = this.k;
    if (++dev.selfRetriggers <= k.maxRetriesPerDevice) return false;
    if (dev.selfRetriggers === k.maxRetriesPerDevice + 1) {
      k.printk(LogLevel.ERR, `kdsim: ${dev.name}: re-triggered itself ${k.maxRetriesPerDevice} times (a bind happened during each of its probes, which then deferred); stopping the loop — see driver.rst: no -EPROBE_DEFER after registering child devices`);
      if (k.tracing) k.emit({ type: 'livelock', device: dev.name, attempts: dev.selfRetriggers - 1 });
      k.livelocks.push(dev.name);
    }
    return true;
  }

  // dd.c: __driver_probe_device()
  #driverProbeDeviceLocked(drv: Driver, dev: Device): number {
    if (dev.dead || !dev.registered) return -Errno.ENODEV;
    if (dev.driver !== null) return -Errno.EBUSY;
    dev.canMatch = true;
    dev.probeAttempts++;
    if (this.k.dbg.dd) this.#probeDbg(dev, `bus: '${drv.bus.name}': __driver_probe_device: matched device`, ` with driver ${drv.name}`);
    return this.reallyProbe(dev, drv);
  }

  /**
   * dd.c: really_probe(). Returns 0 when bound, a negative errno for a
   * core-level failure (the link check, DMA configuration), or the driver's
   * own error as a positive number.
   */
  reallyProbe(dev: Device, drv: Driver): number {
    const k = this.k;
    k.stats.probeAttempts++;
    if (k.tracing) k.emit({ type: 'probe_start', device: dev.name, driver: drv.name });
    if (k.deferred.deferAllProbes) {
      if (k.dbg.dd) k.devDbg(dev, DD, `Driver ${drv.name} force probe deferral`);
      this.#traceDefer(dev, drv, 'force', 'defer_all_probes');
      return -EPROBE_DEFER;
    }
    // really_probe(): links are checked before the driver is involved, so a link
    // deferral never reaches probe(), sends no notifier and sets no driver pointer.
    // The link code logs the reason itself (dev_err_probe(), or dev_dbg() before v5.16).
    const link = k.links.checkSuppliers(dev);
    if (link.ret === -EPROBE_DEFER) {
      this.#traceDefer(dev, drv, 'links', link.reason ?? '');
      return -EPROBE_DEFER;
    }
    if (k.dbg.dd) this.#probeDbg(dev, `bus: '${drv.bus.name}': really_probe: probing driver ${drv.name} with device`, '');
    k.clock.advance(k.costs.reallyProbe);
    dev.driver = drv;
    // bus->dma_configure(): the IOMMU deferral surfaces here.
    let ret = drv.bus.dmaConfigure(dev);
    if (ret !== 0) {
      this.#dmaConfigureFailed = true;
      if (ret === -EPROBE_DEFER) this.#traceDefer(dev, drv, 'dma', dev.deferredReason ?? 'dma_configure');
      else if (k.tracing) k.emit({ type: 'probe_fail', device: dev.name, driver: drv.name, errno: ret });
      this.#unbindCleanup(dev);
      return ret;
    }
    // driver_sysfs_add() sends BUS_NOTIFY_BIND_DRIVER first.
    k.busNotify(dev, BusNotify.BIND_DRIVER);
    ret = this.#callDriverProbe(dev, drv);
    if (ret !== 0) {
      if (link.ret === -Errno.EAGAIN) ret = -EPROBE_DEFER;
      k.busNotify(dev, BusNotify.DRIVER_NOT_BOUND);
      drv.bus.dmaCleanup(dev);
      this.#unbindCleanup(dev);
      // "Return probe errors as positive values so that the callers can distinguish them."
      return -ret;
    }
    this.driverBound(dev);
    if (k.dbg.dd) this.#probeDbg(dev, `bus: '${drv.bus.name}': really_probe: bound device`, ` to driver ${drv.name}`);
    return 0;
  }

  #traceDefer(dev: Device, drv: Driver, where: 'links' | 'dma' | 'driver' | 'force', reason: string): void {
    if (this.k.tracing) this.k.emit({ type: 'probe_defer', device: dev.name, driver: drv.name, reason, where });
  }

  // A probe-path debug line `head` + the device + `tail`: from v6.9 the device is the line's
  // prefix (dev_dbg()) and not in the text; before, a pr_debug() named it as `named`
  // (default: the device's name) between the two halves.
  #probeDbg(dev: Device, head: string, tail: string, named = dev.name): void {
    if (this.k.profile.probeFailDevPrefix) this.k.devDbg(dev, DD, head + tail);
    else this.k.prDebug(DD, `${head} ${named}${tail}`);
  }

  // pinctrl_bind_failed: device_links_no_driver() + device_unbind_cleanup()
  #unbindCleanup(dev: Device): void {
    this.k.links.noDriver(dev);
    dev.driver = null;
    dev.driverData = null;
  }

  // dd.c: call_driver_probe()
  #callDriverProbe(dev: Device, drv: Driver): number {
    const k = this.k;
    k.clock.advance(drv.spec.probeCost ?? k.costs.driverProbe);
    const ret = drv.probeDisabled ? -Errno.ENXIO : (drv.bus.probe(dev) | 0);
    if (ret === 0) return 0;
    if (ret === -EPROBE_DEFER) {
      if (k.dbg.dd) k.devDbg(dev, DD, `Driver ${drv.name} requests probe deferral`);
      this.#traceDefer(dev, drv, 'driver', dev.deferredReason ?? '');
    } else if (ret === -Errno.ENODEV || ret === -Errno.ENXIO) {
      if (k.dbg.dd) {
        if (k.profile.probeFailDevPrefix) k.devDbg(dev, DD, `probe with driver ${drv.name} rejects match ${ret}`);
        else k.prDebug(DD, `${drv.name}: probe of ${dev.name} rejects match ${ret}`);
      }
      if (k.tracing) k.emit({ type: 'probe_reject', device: dev.name, driver: drv.name, errno: ret });
    } else {
      if (k.profile.probeFailDevPrefix) k.devPrintk(dev, LogLevel.ERR, `probe with driver ${drv.name} failed with error ${ret}`);
      else k.printk(LogLevel.WARNING, `${drv.name}: probe of ${dev.name} failed with error ${ret}`);
      if (k.tracing) k.emit({ type: 'probe_fail', device: dev.name, driver: drv.name, errno: ret });
    }
    return ret;
  }

  /** dd.c: device_bind_driver() — bind without probing; the supplier-link gate is skipped. */
  deviceBindDriver(dev: Device, drv: Driver): number {
    if (dev.driver !== null && dev.driver !== drv) return -Errno.EBUSY;
    dev.driver = drv; // device_set_driver() by the caller in the kernel
    if (this.k.profile.linksForceBind) this.k.links.forceBind(dev);
    this.driverBound(dev);
    return 0;
  }

  /** dd.c: driver_bound() */
  driverBound(dev: Device): void {
    const k = this.k;
    if (dev.bound) {
      if (k.profile.probeFailDevPrefix) k.devPrintk(dev, LogLevel.WARNING, 'driver_bound: device already bound');
      else k.printk(LogLevel.WARNING, `driver_bound: device ${dev.name} already bound`);
      return;
    }
    const drv = dev.driver!;
    if (k.dbg.dd) this.#probeDbg(dev, `driver: '${drv.name}': driver_bound: bound to device`, '', `'${dev.name}'`);
    drv.devices.push(dev);
    dev.bound = true;
    k.stats.binds++;
    k.bindOrder.push(dev);
    k.links.driverBound(dev);
    k.deferred.del(dev);
    if (k.tracing) k.emit({ type: 'bound', device: dev.name, driver: drv.name });
    k.deferred.trigger();
    k.busNotify(dev, BusNotify.BOUND_DRIVER);
  }

  // Set when really_probe() fails in bus->dma_configure() (before v5.14 that failure went to
  // probe_failed, which ignored it like a probe error); device_driver_attach() clears it. A
  // probe nested in the driver's own probe cannot set it first: DMA configuration comes before.
  #dmaConfigureFailed = false;

  /**
   * dd.c: device_driver_attach() — bind `dev` to `drv` now (sysfs `bind`,
   * `driver_override` + bind). A deferral is reported as -EAGAIN and the
   * device is not queued for retry. Before v5.14 (ef6dcbdd8eb2, 45ddcb42949f)
   * really_probe() returned 0 for a failed probe or DMA configuration, so that
   * the next driver could try, and bind_store() answered -ENODEV ("driver didn't
   * accept device"); a deferral of the supplier-link check came back as
   * -EPROBE_DEFER itself.
   */
  deviceDriverAttach(drv: Driver, dev: Device): number {
    this.#dmaConfigureFailed = false;
    let ret = this.#driverProbeDeviceLocked(drv, dev);
    if (!this.k.profile.atLeast(5, 14)) return ret > 0 || (ret < 0 && this.#dmaConfigureFailed) ? -Errno.ENODEV : ret;
    if (ret > 0) ret = -ret;
    if (ret === -EPROBE_DEFER) return -Errno.EAGAIN;
    return ret;
  }

  /** dd.c: __device_release_driver() — unbind `dev`, its bound consumers first. */
  releaseDriver(dev: Device): void {
    const k = this.k;
    const drv = dev.driver;
    if (drv === null || !dev.bound) return;
    // Consumers are unbound before their supplier (device_links_unbind_consumers()).
    for (let i = 0; i < 16 && k.links.busy(dev); i++) {
      k.links.unbindConsumers(dev);
      if (dev.driver !== drv) return;
    }
    dev.links.status = 'UNBINDING';
    k.busNotify(dev, BusNotify.UNBIND_DRIVER);
    drv.bus.remove(dev);
    drv.bus.dmaCleanup(dev);
    k.links.driverCleanup(dev);
    dev.driver = null;
    dev.driverData = null;
    dev.bound = false;
    const i = drv.devices.indexOf(dev);
    if (i >= 0) drv.devices.splice(i, 1);
    if (k.tracing) k.emit({ type: 'unbind', device: dev.name, driver: drv.name });
    k.busNotify(dev, BusNotify.UNBOUND_DRIVER);
  }

  /** dd.c: driver_detach() — release every device of `drv`, last bound first. */
  driverDetach(drv: Driver): void {
    for (let i = drv.devices.length - 1; i >= 0; i--) {
      const dev = drv.devices[i];
      if (dev !== undefined) this.releaseDriver(dev);
    }
  }

  /** dd.c: wait_for_device_probe() — deferred work drained, nothing probing, async done. */
  *waitForDeviceProbe(): ThreadBody {
    const k = this.k;
    yield* k.deferred.flush();
    if (k.profile.waitForDeviceProbeWaitsTimeout && k.deferred.timeoutAt !== null) {
      yield { until: () => k.deferred.timeoutAt === null, what: 'deferred probe timeout' };
    }
    yield { until: () => k.probeCount === 0 && k.asyncPending === 0 && !k.deferred.busy, what: 'wait_for_device_probe()' };
  }
}

// The index in `list` (a bus's devices or drivers, in klist order) of the first entry
// added at or after klist place `seq`; the list's length when there is none.
function firstAddedSince(list: readonly { readonly busSeq: number }[], seq: number): number {
  let i = list.length;
  while (i > 0 && list[i - 1]!.busSeq >= seq) i--;
  return i;
}
