import { Container } from 'inversify';
import { Subject } from 'rxjs';
import { BusNotify, type BusNotifyEvent, type BusType } from './base/bus.js';
import { Dd } from './base/dd.js';
import { DeferredProbe } from './base/deferred.js';
import { DmaConfigure, NoDmaConfigure } from './base/dma.js';
import { Device, type DeviceInit } from './base/device.js';
import { Driver, type DriverSpec } from './base/driver.js';
import { DeviceLinks } from './base/links.js';
import type { DeviceLink } from './links/device-link.js';
import { isSyncStateOnly } from './links/flags.js';
import { DefaultFwDevlinkPolicy, FwDevlinkPolicy } from './links/policy.js';
import type { Fwnode } from './fwnode/fwnode.js';
import { LinkedList } from './base/list.js';
import { Errno, formatErrno } from './errno.js';
import { INITCALL_LEVELS, isThreadBody, type Initcall, type InitcallLevel } from './init/initcalls.js';
import type { KernelModule } from './init/module.js';
import type { UserspaceStep } from './init/userspace.js';
import { DynamicDebug, normaliseModule } from './klog/dyndbg.js';
import { Klog } from './klog/klog.js';
import { LogLevel, type LogLevelValue } from './klog/levels.js';
import type { PrintkReport, PrintkSink } from './klog/printk-report.js';
import type { TraceEvent } from './klog/trace.js';
import { KernelOops } from './oops.js';
import { KernelCmdline } from './profile/cmdline.js';
import { DEFAULT_PROFILE, KernelProfile, kernelProfile } from './profile/profile.js';
import { NSEC_PER_MSEC, NSEC_PER_USEC, VirtualClock } from './time/clock.js';
import { type RunResult, Scheduler, type ThreadBody } from './time/scheduler.js';
import { InOrderStrategy, ScheduleStrategy } from './time/strategy.js';

const NO_DMA_CONFIGURE = new NoDmaConfigure();
const NO_INITCALLS: readonly Initcall[] = [];

/** Kernel build configuration that changes driver-core behaviour. */
export interface KernelConfig {
  /** CONFIG_MODULES */
  readonly modules: boolean;
  /** Architecture (`arm64` has CONFIG_ACPI_CCA_REQUIRED and non-coherent DMA by default). */
  readonly arch: 'x86_64' | 'arm64' | 'arm' | 'riscv64';
}

/** Virtual time each kind of work costs (ns). Only the order of events is calibrated, not these values. */
export interface ProbeCosts {
  /** device_add() */
  readonly deviceAdd: number;
  /** driver_register() */
  readonly driverRegister: number;
  /** really_probe() overhead before the driver's probe. */
  readonly reallyProbe: number;
  /** A driver's probe() unless the driver says otherwise. */
  readonly driverProbe: number;
  /** One device taken off the active list by the deferred work. */
  readonly deferredRetry: number;
  /** One initcall. */
  readonly initcall: number;
  /** insmod of one module (reading, relocating, module_init excluded); other threads run meanwhile. */
  readonly moduleLoad: number;
  /** From the end of initcalls to `/init` running. */
  readonly initStart: number;
}

// Shared by every kernel that sets no costs of its own, hence frozen.
const DEFAULT_COSTS: ProbeCosts = Object.freeze({
  deviceAdd: 20 * NSEC_PER_USEC,
  driverRegister: 20 * NSEC_PER_USEC,
  reallyProbe: 10 * NSEC_PER_USEC,
  driverProbe: 100 * NSEC_PER_USEC,
  deferredRetry: 5 * NSEC_PER_USEC,
  initcall: 1 * NSEC_PER_USEC,
  moduleLoad: 20 * NSEC_PER_MSEC,
  initStart: 400 * NSEC_PER_MSEC,
});

/** Everything one simulated boot is made of (an option left out or `undefined` takes its default). */
export interface KernelOptions {
  /** Kernel profile name (`linux-6.12`) or object. */
  readonly profile?: string | KernelProfile | undefined;
  /** The kernel command line. */
  readonly cmdline?: string | undefined;
  /** Build configuration. */
  readonly config?: Partial<KernelConfig> | undefined;
  /** Decides every timing-dependent choice (default: in order). */
  readonly strategy?: ScheduleStrategy | undefined;
  /** Built-in modules, in link order. */
  readonly builtin?: readonly KernelModule[] | undefined;
  /** Loadable modules userspace can insmod. */
  readonly modules?: readonly KernelModule[] | undefined;
  /** What userspace does once init runs. */
  readonly userspace?: readonly UserspaceStep[] | undefined;
  /** Records kept in the klog ring. */
  readonly klogCapacity?: number | undefined;
  /** Work costs. */
  readonly costs?: Partial<ProbeCosts> | undefined;
  /** Keep every trace event in {@link Kernel.traceLog}. */
  readonly recordTrace?: boolean | undefined;
  /** Cap on deferred-list retries of one device before the simulator calls it a livelock. */
  readonly maxRetriesPerDevice?: number | undefined;
  /**
   * Rebinds services before the kernel resolves them: the way to prototype a
   * policy (`c => c.rebind(DeferredProbePolicy).toConstantValue(...)`).
   */
  readonly configure?: ((container: Container) => void) | undefined;
  /**
   * Binds the machine's own services (firmware, hardware models) when the
   * container is made, before `configure`. Unlike `configure` it must not
   * rebind the kernel's policies (`FwDevlinkPolicy`, `DeviceLinks`,
   * `DeferredProbePolicy`), so a kernel whose modules bind no services never
   * makes a container at all.
   */
  readonly services?: ((container: Container) => void) | undefined;
}

/** A state snapshot taken by a userspace `snap` step. */
export interface Snapshot {
  /** Label of the step. */
  readonly label: string;
  /** Virtual time (ns). */
  readonly time: number;
  /** Bound driver per device (`bus:name` → driver or null). */
  readonly drivers: Readonly<Record<string, string | null>>;
  /** devices_deferred at that moment. */
  readonly devicesDeferred: string;
}

/** Debug-site switches of the driver-core files, read once (dyndbg does not change during a boot). @internal */
export interface CoreDebug {
  /** drivers/base/dd.c */
  readonly dd: boolean;
  /** drivers/base/core.c */
  readonly core: boolean;
  /** drivers/base/bus.c */
  readonly bus: boolean;
}

/**
 * One simulated boot: its own inversify container, virtual clock, scheduler,
 * klog and driver-core state. Create it, then {@link Kernel.boot}.
 */
export class Kernel {
  #container: Container | null = null;
  #dmaConfigure: DmaConfigure | null = null;
  readonly #configure: ((container: Container) => void) | undefined;
  readonly #services: ((container: Container) => void) | undefined;
  // Set when the constructor built the default links and policy without the container.
  #linksBuilt = false;
  #deferredPolicy: DeferredProbePolicy | null = null;
  #printkSink: PrintkSink | null = null;
  /** The virtual clock. */
  readonly clock = new VirtualClock();
  /** The scheduler of execution contexts. */
  readonly scheduler: Scheduler;
  /** The kernel log. */
  readonly klog: Klog;
  /** Dynamic debug control. */
  readonly dyndbg = new DynamicDebug();
  /** The profile. */
  readonly profile: KernelProfile;
  /** The parsed command line. */
  readonly cmdline: KernelCmdline;
  /** Build configuration. */
  readonly config: KernelConfig;
  /** Work costs. */
  readonly costs: ProbeCosts;
  /** Typed trace events, as they happen. */
  get trace$(): Subject<TraceEvent> {
    return this.#trace$ ??= new Subject<TraceEvent>();
  }

  // Made when first asked for: most boots are never observed.
  #trace$: Subject<TraceEvent> | null = null;
  /** Every trace event, when `recordTrace` was set. */
  readonly traceLog: TraceEvent[] = [];
  /** Deferred probe. */
  readonly deferred: DeferredProbe;
  /** The dd.c probe path. */
  readonly dd: Dd;
  /** Device-link hooks (fw_devlink plugs in here). */
  links: DeviceLinks;
  /** Registered buses by name. */
  readonly buses = new Map<string, BusType>();
  /**
   * State that code outside the core keeps per kernel (a scenario run's build
   * context, the VFIO steps' user process), under a key that code owns. It
   * dies with the kernel. A module-level WeakMap keyed by kernels would do the
   * same, but its entries' values usually reach their kernel again, and such
   * entries in an old-generation table keep every kernel alive through
   * young-generation collections (they are promoted, then collected only by a
   * full collection: 20 % of an exploration's time).
   */
  readonly locals = new Map<object | symbol, unknown>();
  /** Every device ever added, in order. */
  readonly devices: Device[] = [];
  // The first registered device of each name, in `devices` order: what device(name) answers
  // (a scenario's probes and expectations look devices up by name on every explored boot).
  // Made on the first lookup, then kept up to date: a boot that never asks pays nothing.
  #byName: Map<string, Device> | null = null;
  /** devices_kset: shutdown order is its reverse. */
  readonly devicesKset = new LinkedList<Device>();
  /** Devices in the order they bound. */
  readonly bindOrder: Device[] = [];
  /** Devices the livelock cap stopped retrying. */
  readonly livelocks: string[] = [];
  /** Snapshots taken by `snap` steps. */
  readonly snapshots: Snapshot[] = [];
  /** Counters. */
  readonly stats = { probeAttempts: 0, binds: 0, devicesAdded: 0, driversRegistered: 0 };
  /** probe_count: probes in flight. @internal */
  probeCount = 0;
  /** Async probe jobs not finished (the only jobs the kernel runs). @internal */
  get asyncPending(): number {
    return this.scheduler.unfinishedJobs;
  }
  /** Debug switches. @internal */
  readonly dbg: CoreDebug;
  /** @internal */
  readonly maxRetriesPerDevice: number;

  readonly #builtin: readonly KernelModule[];
  readonly #modules = new Map<string, KernelModule>();
  readonly #loaded = new Set<string>();
  readonly #userspace: readonly UserspaceStep[];
  readonly #recordTrace: boolean;
  readonly #asyncStar: boolean;
  readonly #asyncNames: ReadonlySet<string>;
  #booted = false;
  #initDone = false;
  #runResult: RunResult | null = null;

  /** Creates a kernel; nothing runs until {@link Kernel.boot}. */
  constructor(options: KernelOptions = {}) {
    const profile = typeof options.profile === 'object' ? options.profile : kernelProfile(options.profile ?? DEFAULT_PROFILE);
    if (profile === undefined) throw new Error(`unknown kernel profile '${typeof options.profile === 'string' ? options.profile : ''}'`);
    this.profile = profile;
    this.cmdline = KernelCmdline.parse(options.cmdline ?? '');
    // Plain reads, not object spreads: a kernel is made per explored ordering, and spreads cost.
    this.config = { modules: options.config?.modules ?? true, arch: options.config?.arch ?? 'arm64' };
    this.costs = options.costs === undefined ? DEFAULT_COSTS : { ...DEFAULT_COSTS, ...options.costs };
    this.klog = new Klog(this.clock, options.klogCapacity);
    this.scheduler = new Scheduler(this.clock, options.strategy ?? new InOrderStrategy());
    this.maxRetriesPerDevice = options.maxRetriesPerDevice ?? 1000;
    this.#recordTrace = options.recordTrace ?? false;
    this.#builtin = options.builtin ?? [];
    for (const m of options.modules ?? []) this.#modules.set(normaliseModule(m.name), m);
    this.#userspace = options.userspace ?? [];

    for (const q of this.cmdline.dyndbg) this.dyndbg.apply(q);
    for (const m of this.cmdline.dyndbgModules) this.dyndbg.enableModule(m);
    this.dbg = {
      dd: this.dyndbg.enabled('drivers/base/dd.c'),
      core: this.dyndbg.enabled('drivers/base/core.c'),
      bus: this.dyndbg.enabled('drivers/base/bus.c'),
    };
    const names = this.cmdline.driverAsyncProbe;
    this.#asyncStar = profile.asyncProbeStar && names.includes('*');
    this.#asyncNames = new Set(names);

    this.#configure = options.configure;
    this.#services = options.services;
    // Without module services or a configure hook the container would only hold the
    // defaults: build them directly and the container on first use (most explorer boots never use it).
    if (options.configure === undefined && !this.#builtin.some((m) => m.hasServices)) {
      this.links = new DeviceLinks(this, new DefaultFwDevlinkPolicy(profile, this.cmdline, { arch: this.config.arch }));
      this.#linksBuilt = true;
      this.#deferredPolicy = new DefaultDeferredProbePolicy(profile, this.cmdline, this.config);
      this.deferred = new DeferredProbe(this, this.#deferredPolicy.initialTimeout());
    } else {
      this.links = this.container.get(DeviceLinks);
      this.deferred = new DeferredProbe(this, this.container.get(DeferredProbePolicy).initialTimeout());
    }
    this.dd = new Dd(this);
  }

  /**
   * The bound {@link DmaConfigure} service — what every bus's dma_configure()
   * calls before a probe — resolved once, not per probe. Without a container
   * nothing can have rebound it, so none is made for it. A module load may
   * rebind it and drops the cached one.
   */
  get dmaConfigure(): DmaConfigure {
    return this.#dmaConfigure ??= this.#container === null ? NO_DMA_CONFIGURE : this.#container.get(DmaConfigure);
  }

  /**
   * True once the container exists. Without one no module has bound a
   * service, so a view can answer "none" without making a container to ask.
   */
  get hasContainer(): boolean {
    return this.#container !== null;
  }

  /** The DI container: policies, services and loaded modules' bindings (created on first use). */
  get container(): Container {
    return this.#container ??= this.#createContainer();
  }

  // The kernel's bindings. A container made after construction binds the default
  // policies and links the kernel already built, so every consumer sees the same instances.
  #createContainer(): Container {
    const c = new Container();
    this.#container = c;
    const profile = this.profile;
    c.bind(Kernel).toConstantValue(this);
    c.bind(KernelProfile).toConstantValue(profile);
    c.bind(KernelCmdline).toConstantValue(this.cmdline);
    c.bind(ScheduleStrategy).toConstantValue(this.scheduler.strategy);
    if (this.#linksBuilt) {
      c.bind(FwDevlinkPolicy).toConstantValue(this.links.policy);
      c.bind(DeviceLinks).toConstantValue(this.links);
    } else {
      c.bind(FwDevlinkPolicy)
        .toResolvedValue((p: KernelProfile, cl: KernelCmdline) => new DefaultFwDevlinkPolicy(p, cl, { arch: this.config.arch }), [KernelProfile, KernelCmdline])
        .inSingletonScope();
      c.bind(DeviceLinks)
        .toResolvedValue((policy: FwDevlinkPolicy) => new DeviceLinks(this, policy), [FwDevlinkPolicy])
        .inSingletonScope();
    }
    c.bind(DeferredProbePolicy).toConstantValue(this.#deferredPolicy ?? new DefaultDeferredProbePolicy(profile, this.cmdline, this.config));
    c.bind(DmaConfigure).toConstantValue(NO_DMA_CONFIGURE);
    // A module without services binds nothing: loading its (empty) container module only costs.
    for (const m of this.#builtin) if (m.hasServices) c.load(m.containerModule);
    this.#services?.(c);
    this.#configure?.(c);
    return c;
  }

  // ---------------------------------------------------------------- printk

  /**
   * WARN_ON() firing: the cut-here banner and the WARNING line naming the
   * file and function (source line and offsets are not modelled), then the
   * end-of-trace marker. The kernel carries on.
   */
  warnOn(file: string, fn: string): void {
    this.warn(file, fn, null);
  }

  /** WARN(1, fmt): like {@link warnOn}, with the message printed (no pr_fmt prefix) after the cut-here banner. */
  warn(file: string, fn: string, text: string | null): void {
    this.printk(LogLevel.WARNING, '------------[ cut here ]------------');
    if (text !== null) this.printk(LogLevel.WARNING, text);
    this.printk(LogLevel.WARNING, `WARNING: CPU: 0 PID: 1 at ${file} ${fn}`);
    this.printk(LogLevel.WARNING, '---[ end trace 0000000000000000 ]---');
  }

  /** Prints log lines returned by code that has no kernel (a firmware walk); see {@link PrintkSink}. */
  printReports(reports: readonly PrintkReport[]): void {
    for (const r of reports) {
      if (r.kind === 'debug') {
        if (this.dyndbg.enabled(r.file)) this.prDebug(r.file, r.text);
      } else {
        this.warn(r.file, r.fn, r.kind === 'warn' ? r.text : null);
      }
    }
  }

  /** This kernel as the {@link PrintkSink} of code that cannot print itself. */
  get printkSink(): PrintkSink {
    return (this.#printkSink ??= {
      debugEnabled: (file) => this.dyndbg.enabled(file),
      emit: (reports) => this.printReports(reports),
    });
  }

  /** printk() at `level` with no device prefix. */
  printk(level: LogLevelValue, text: string, file?: string): void {
    this.klog.printk(level, text, file);
  }

  /** Oopses so far (the `#n` of the next one, less one). */
  oopses = 0;

  /**
   * BUG() at `file`:`line` (lib/bug.c: report_bug(), then die()): logs the oops as the
   * architecture prints it and throws a {@link KernelOops}, which ends the running context.
   */
  bug(file: string, line: number): never {
    this.oopses++;
    this.printk(LogLevel.WARNING, '------------[ cut here ]------------');
    this.printk(LogLevel.CRIT, `kernel BUG at ${file}:${line}!`);
    // arm64: die() with the ESR of a BRK from BUG(); x86: the ud2 of BUG() traps as invalid opcode.
    this.printk(LogLevel.EMERG, this.config.arch === 'x86_64' ? `invalid opcode: 0000 [#${this.oopses}] SMP NOPTI` : `Internal error: Oops - BUG: 00000000f2000800 [#${this.oopses}] SMP`);
    this.printk(LogLevel.WARNING, '---[ end trace 0000000000000000 ]---');
    // kernel/exit.c: do_exit() of the init task (initcalls run in it) panics.
    if (this.scheduler.current?.kind === 'init') {
      this.printk(LogLevel.EMERG, 'Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b');
      this.scheduler.panic();
    }
    throw new KernelOops(file, line);
  }

  /** dev_printk(): `<driver-or-bus> <device>: text`. */
  devPrintk(dev: Device, level: LogLevelValue, text: string): void {
    this.klog.printk(level, dev.printkPrefix() + text);
  }

  /** dev_dbg() from `file`; callers check the file's switch first so a disabled site costs nothing. */
  devDbg(dev: Device, file: string, text: string): void {
    this.klog.printk(LogLevel.DEBUG, dev.printkPrefix() + text, file);
  }

  /** pr_debug() from `file`. */
  prDebug(file: string, text: string): void {
    this.klog.printk(LogLevel.DEBUG, text, file);
  }

  /** dev_dbg() for any file: prints only if dynamic debug enabled `file` (or `module`). */
  devDbgIf(dev: Device, file: string, text: string, module?: string): void {
    if (this.dyndbg.enabled(file, module)) this.devDbg(dev, file, text);
  }

  /**
   * core.c: dev_err_probe() — for -EPROBE_DEFER records the deferral reason
   * (`<who>: <msg>`, shown by devices_deferred) and prints only a debug line;
   * any other error prints at error level. Returns `err`.
   */
  devErrProbe(dev: Device, err: number, msg: string): number {
    if (err === -Errno.EPROBE_DEFER) {
      dev.deferredReason = `${dev.driverString()}: ${msg}`;
      if (this.dbg.core) this.devDbg(dev, 'drivers/base/core.c', `error ${formatErrno(err)}: ${msg}`);
    } else if (err !== -Errno.ENOMEM) {
      this.devPrintk(dev, LogLevel.ERR, `error ${formatErrno(err)}: ${msg}`);
    }
    return err;
  }

  // ---------------------------------------------------------------- trace

  /** Emits a trace event stamped with the current time and context. */
  emit(event: DistributiveOmit<TraceEvent, 'time' | 'ctx'>): void {
    const e = { ...event, time: this.clock.now, ctx: this.scheduler.current?.name ?? 'kernel' } as TraceEvent;
    if (this.#recordTrace) this.traceLog.push(e);
    this.#trace$?.next(e);
  }

  /** True when trace events are observed or recorded: the hot path builds no event otherwise. */
  get tracing(): boolean {
    return this.#recordTrace || this.#trace$?.observed === true;
  }

  // ---------------------------------------------------------------- buses, devices, drivers

  /** bus_register() */
  busRegister(bus: BusType): number {
    if (this.buses.has(bus.name)) return -Errno.EBUSY;
    this.buses.set(bus.name, bus);
    if (this.dbg.bus) this.prDebug('drivers/base/bus.c', `bus: '${bus.name}': registered`);
    return 0;
  }

  /** Creates a {@link Device} (device_initialize()); add it with {@link Kernel.deviceAdd}. */
  deviceCreate(init: DeviceInit): Device {
    return new Device(init);
  }

  /** core.c: device_add() — register `dev`, link it, then try to probe it. */
  deviceAdd(dev: Device): number {
    if (dev.registered) return -Errno.EEXIST;
    if (dev.parent?.dead === true) return -Errno.ENODEV;
    this.clock.advance(this.costs.deviceAdd);
    if (this.dbg.core) this.prDebug('drivers/base/core.c', `device: '${dev.name}': device_add`);
    dev.registered = true;
    this.devices.push(dev);
    const byName = this.#byName;
    if (byName !== null && !byName.has(dev.name)) byName.set(dev.name, dev);
    this.stats.devicesAdded++;
    dev.parent?.children.push(dev);
    this.devicesKset.pushBack(dev.ksetNode);
    const bus = dev.bus;
    if (bus !== null) {
      if (this.dbg.bus) this.prDebug('drivers/base/bus.c', `bus: '${bus.name}': add device ${dev.name}`);
      bus.devices.push(dev);
      bus.matchIndex.deviceAdded(dev);
    }
    if (this.tracing) this.emit({ type: 'device_add', device: dev.name, bus: dev.devBusName });
    if (bus !== null) this.busNotify(dev, BusNotify.ADD_DEVICE);
    this.links.fw.deviceAdded(dev);
    // Links are created before the first probe attempt, so a consumer is gated at once.
    const fwState = dev.fwnode !== null ? this.links.fwnodes.state(dev.fwnode) : undefined;
    if (fwState !== undefined && fwState.device === undefined) {
      fwState.device = dev;
      this.links.linkDevice(dev);
    }
    this.busProbeDevice(dev);
    this.links.unblockConsumers(dev);
    return 0;
  }

  /** The first device created from `fwnode` (fwnode->dev), or undefined. */
  deviceOfFwnode(fwnode: object): Device | undefined {
    // One record per fwnode holds its device and its link state.
    return this.links.fwnodes.peek(fwnode as Fwnode)?.device;
  }

  /** Creates and adds a device in one call (device_register()). Returns the device, or the errno. */
  deviceRegister(init: DeviceInit): Device {
    const dev = this.deviceCreate(init);
    this.deviceAdd(dev);
    return dev;
  }

  /** core.c: device_del() — unbind, unlink and forget `dev` (children first). */
  deviceDel(dev: Device): void {
    if (!dev.registered || dev.dead) return;
    for (const child of [...dev.children].reverse()) this.deviceDel(child);
    dev.dead = true;
    const bus = dev.bus;
    if (bus !== null) this.busNotify(dev, BusNotify.DEL_DEVICE);
    if (dev.bound) this.dd.releaseDriver(dev);
    if (bus !== null) {
      const i = bus.devices.indexOf(dev);
      if (i >= 0) bus.devices.splice(i, 1);
      bus.matchIndex.deviceRemoved(dev);
    }
    this.devicesKset.remove(dev.ksetNode);
    this.deferred.del(dev);
    this.links.purge(dev);
    const fwState = dev.fwnode !== null ? this.links.fwnodes.peek(dev.fwnode) : undefined;
    if (fwState?.device === dev) fwState.device = undefined;
    if (dev.parent !== null) {
      const i = dev.parent.children.indexOf(dev);
      if (i >= 0) dev.parent.children.splice(i, 1);
    }
    dev.registered = false;
    // Another device of that name may be next in line: the index is made again when next asked.
    if (this.#byName?.get(dev.name) === dev) this.#byName = null;
    if (this.tracing) this.emit({ type: 'device_del', device: dev.name });
    if (bus !== null) this.busNotify(dev, BusNotify.REMOVED_DEVICE);
  }

  // The index of device(): every registered device's name, the first of each name.
  #indexNames(): Map<string, Device> {
    const byName = new Map<string, Device>();
    const devices = this.devices;
    for (let i = 0; i < devices.length; i++) {
      const d = devices[i]!;
      if (d.registered && !byName.has(d.name)) byName.set(d.name, d);
    }
    return byName;
  }

  /** Sends a bus notifier event to the device's bus chain. */
  busNotify(dev: Device, event: BusNotifyEvent): void {
    const chain = dev.bus?.notifiers;
    if (chain === undefined) return;
    for (let i = 0; i < chain.length; i++) chain[i]!(event, dev);
  }

  /** bus.c: bus_probe_device() — the initial (or retried) probe of a device. */
  busProbeDevice(dev: Device): void {
    if (dev.bus?.driversAutoprobe === true) this.dd.deviceAttach(dev, true);
  }

  /**
   * core.c: device_reorder_to_tail() — move `dev`, its children and its
   * consumers to the end of devices_kset (and the PM list), as the deferred work
   * does before each retry (device_pm_move_to_tail()).
   *
   * The kernel walks every path of the children/consumers graph and moves a
   * device each time it reaches it, so a device ends up where its last visit
   * puts it. kdsim computes that final order directly: the last visits of a
   * pre-order walk are the first visits of a post-order walk of the mirrored
   * graph, read backwards, and a post-order walk may skip devices it already
   * finished. Each device is moved (and logged) once.
   */
  devicesMoveToTail(dev: Device): void {
    // A leaf (the usual new consumer, or a retried device nothing depends on) moves alone.
    if (dev.children.length === 0 && dev.links.consumers.length === 0) {
      this.#moveToTail(dev);
      return;
    }
    // One scratch array with its own fill count (truncating an array frees its storage).
    const start = this.#reorderCount;
    this.#mirroredPostorder(dev, ++this.#reorderStamp);
    const firstFinish = this.#reorderScratch;
    for (let i = this.#reorderCount - 1; i >= start; i--) this.#moveToTail(firstFinish[i]!);
    this.#reorderCount = start;
  }

  #moveToTail(d: Device): void {
    if (d.ksetNode.list === null) return;
    if (this.dbg.core) this.prDebug('drivers/base/core.c', `devices_kset: Moving ${d.name} to end of list`);
    this.devicesKset.moveToTail(d.ksetNode);
  }

  #reorderStamp = 0;
  readonly #reorderScratch: Device[] = [];
  #reorderCount = 0;

  #mirroredPostorder(dev: Device, stamp: number): void {
    if (dev.reorderStamp === stamp) return;
    dev.reorderStamp = stamp;
    // Mirrored: consumers (visited last by the kernel) first, in reverse, then children in reverse.
    const consumers = dev.links.consumers;
    for (let i = consumers.length - 1; i >= 0; i--) {
      const l = consumers[i]!;
      if (!isSyncStateOnly(l.flags)) this.#mirroredPostorder(l.consumer, stamp);
    }
    const children = dev.children;
    for (let i = children.length - 1; i >= 0; i--) this.#mirroredPostorder(children[i]!, stamp);
    this.#reorderScratch[this.#reorderCount++] = dev;
  }

  /** Devices in the order device_shutdown() shut them down. */
  readonly shutdownOrder: Device[] = [];

  /**
   * core.c: device_shutdown() — wait for probing, block further probing
   * (device_block_probing()), then take devices off the tail of devices_kset
   * one by one and call the bus shutdown, else the bound driver's. Link
   * creation and deferred retries moved consumers behind their suppliers and
   * children come after their parents, so consumers and children go first.
   */
  *deviceShutdown(): ThreadBody {
    yield* this.dd.waitForDeviceProbe();
    // dd.c: device_block_probing()
    this.deferred.deferAllProbes = true;
    yield* this.dd.waitForDeviceProbe();
    for (let node = this.devicesKset.tail; node !== null; node = this.devicesKset.tail) {
      const dev = node.value;
      this.devicesKset.remove(node);
      const bus = dev.bus;
      const drv = dev.bound ? dev.driver : null;
      if (bus?.shutdown !== undefined) bus.shutdown(dev);
      else drv?.spec.shutdown?.(dev);
      this.shutdownOrder.push(dev);
    }
  }

  /** driver.c: driver_register() — returns 0 or a negative errno. */
  driverRegister(spec: DriverSpec | Driver): number {
    const drv = spec instanceof Driver ? spec : new Driver(spec);
    const bus = drv.bus;
    // The bus must be registered (undefined when it is not).
    if (this.buses.get(bus.name) !== bus) return -Errno.EINVAL;
    // driver_find()
    if (this.findDriver(bus, drv.name) !== undefined) {
      this.printk(LogLevel.ERR, `Error: Driver '${drv.name}' is already registered, aborting...`);
      return -Errno.EBUSY;
    }
    if (drv.owner === null && this.#loadingModule !== null) {
      drv.owner = this.#loadingModule;
      drv.ownerAsync = this.#loadingModuleAsync;
    }
    this.clock.advance(this.costs.driverRegister);
    // bus.c: bus_add_driver()
    if (this.dbg.bus) this.prDebug('drivers/base/bus.c', `bus: '${bus.name}': add driver ${drv.name}`);
    bus.drivers.push(drv);
    bus.driversByName.set(drv.name, drv);
    bus.matchIndex.driverAdded(drv);
    drv.registered = true;
    this.stats.driversRegistered++;
    if (this.tracing) this.emit({ type: 'driver_register', driver: drv.name, bus: bus.name });
    if (bus.driversAutoprobe) this.dd.driverAttach(drv);
    if (this.deferred.timeout > 0 && this.profile.extendTimeoutOnRegister) this.deferred.extendTimeout();
    return 0;
  }

  /** The registered driver called `name` on `bus`, if any. */
  findDriver(bus: BusType, name: string): Driver | undefined {
    return bus.driversByName.get(name);
  }

  /** driver.c: driver_unregister() — unbind its devices (last bound first) and remove it. */
  driverUnregister(drv: Driver): void {
    if (!drv.registered) return;
    if (this.dbg.bus) this.prDebug('drivers/base/bus.c', `bus: '${drv.bus.name}': remove driver ${drv.name}`);
    this.dd.driverDetach(drv);
    const i = drv.bus.drivers.indexOf(drv);
    if (i >= 0) drv.bus.drivers.splice(i, 1);
    drv.bus.driversByName.delete(drv.name);
    drv.bus.matchIndex.driverRemoved(drv);
    drv.registered = false;
    if (this.tracing) this.emit({ type: 'driver_unregister', driver: drv.name, bus: drv.bus.name });
  }

  /** dd.c: device_driver_attach() (sysfs `bind`): -EAGAIN for a deferral, which is not queued. */
  deviceDriverAttach(drv: Driver, dev: Device): number {
    if (drv.bus !== dev.bus || drv.bus.match(dev, drv) <= 0) return -Errno.ENODEV;
    return this.dd.deviceDriverAttach(drv, dev);
  }

  /** dd.c: device_release_driver() (sysfs `unbind`). */
  deviceReleaseDriver(dev: Device): void {
    this.dd.releaseDriver(dev);
  }

  /** dd.c: device_attach() — an explicit attach (rescan): synchronous, returns 1 if bound. */
  deviceAttach(dev: Device): number {
    return this.dd.deviceAttach(dev, false);
  }

  /**
   * dd.c: device_bind_driver() — a driver binds `dev` to `drv` without a
   * probe (as drivers do for child devices they manage). 0 or a negative errno.
   */
  deviceBindDriver(dev: Device, drv: Driver): number {
    return this.dd.deviceBindDriver(dev, drv);
  }

  /** dd.c: cmdline_requested_async_probing() — with `*` (v5.19+) named drivers are the exceptions. */
  cmdlineRequestsAsync(name: string): boolean {
    return this.#asyncStar !== this.#asyncNames.has(name);
  }

  /**
   * async_schedule_dev(): run `fn(dev)` on an async worker (thread `async:<dev>`);
   * `asyncPending` counts it until it ends. One `fn` can serve every device.
   */
  asyncSchedule(dev: Device, drv: Driver | null, fn: (dev: Device) => void): void {
    if (this.tracing) this.emit(drv ? { type: 'async_schedule', device: dev.name, driver: drv.name } : { type: 'async_schedule', device: dev.name });
    // One async job runs to completion in one step: completion order is what the strategy picks.
    this.scheduler.spawnJob('async:', dev, 'async', fn);
  }

  // ---------------------------------------------------------------- modules

  #loadingModule: string | null = null;
  #loadingModuleAsync = false;

  /** Modules loaded so far, in load order. */
  get loadedModules(): readonly string[] {
    return [...this.#loaded];
  }

  /**
   * insmod: binds the module's services, runs its initcalls as module_init()
   * and, unless it asked for async probing, waits for async probes
   * (kernel/module/main.c: do_init_module()).
   */
  *insmod(name: string, params: Readonly<Record<string, string>> = {}): ThreadBody {
    const key = normaliseModule(name);
    const mod = this.#modules.get(key);
    if (this.#builtin.some((m) => normaliseModule(m.name) === key)) return;
    if (mod === undefined) {
      this.printk(LogLevel.ERR, `insmod: ${name}: module not found`);
      return;
    }
    if (this.#loaded.has(key)) return;
    // Reading and relocating the module takes time in which other contexts run: a kworker
    // woken before (deferred probe work, an async probe) preempts the loading process, or
    // runs on another CPU, before module_init() registers anything.
    yield { at: this.clock.now + this.costs.moduleLoad };
    if (this.tracing) this.emit({ type: 'module_load', module: key });
    // Only a module that binds services changes the container (and may rebind DmaConfigure).
    if (mod.hasServices) {
      this.container.load(mod.containerModule);
      this.#dmaConfigure = null;
    }
    this.#loaded.add(key);
    const asyncParam = params['async_probe'] ?? this.cmdline.moduleParams.get(key)?.get('async_probe');
    const asyncRequested = asyncParam !== undefined && asyncParam !== '0' && asyncParam !== 'n';
    this.#loadingModule = key;
    this.#loadingModuleAsync = asyncRequested;
    try {
      for (const ic of mod.initcalls) {
        const r = ic.fn(this);
        if (isThreadBody(r)) yield* r;
      }
    } catch (e) {
      // An oops in module_init() kills the insmod process, not userspace: the module stays
      // in its COMING state and the next step goes on.
      if (e instanceof KernelOops) return;
      throw e;
    } finally {
      this.#loadingModule = null;
      this.#loadingModuleAsync = false;
    }
    if (!asyncRequested && this.asyncPending > 0) yield { until: () => this.asyncPending === 0, what: `async_synchronize_full() in insmod ${key}` };
    if (this.tracing) this.emit({ type: 'module_loaded', module: key });
  }

  // ---------------------------------------------------------------- boot

  /** True once every initcall ran and init started. */
  get initDone(): boolean {
    return this.#initDone;
  }

  /** How the last run ended. */
  get runResult(): RunResult | null {
    return this.#runResult;
  }

  /**
   * Boots: initcalls on the init thread, deferred probe, then userspace steps;
   * runs until nothing is left to do (timers included) or virtual time `until`.
   */
  boot(until = Infinity): this {
    if (!this.#booted) {
      this.#booted = true;
      this.printk(LogLevel.NOTICE, `Linux version ${this.profile.versionString}.0-kdsim (kdsim) #1 SMP`);
      this.printk(LogLevel.NOTICE, `Kernel command line: ${this.cmdline.raw}`);
      for (const d of this.cmdline.diagnostics) this.printk(d.level, d.message);
      this.scheduler.spawn('init', 'init', this.#initThread());
    }
    this.#runResult = this.scheduler.run(until);
    return this;
  }

  /** Runs the simulation further, up to virtual time `until` (or to the end). */
  runUntil(until = Infinity): RunResult {
    this.#runResult = this.scheduler.run(until);
    return this.#runResult;
  }

  // The driver core's own initcalls of `level`, decided when the level starts.
  #coreInitcallsFor(level: InitcallLevel): readonly Initcall[] {
    if (level !== 'late' && level !== 'late_sync') return NO_INITCALLS;
    const out: Initcall[] = [];
    // core.o links before dd.o: sync_state_resume_initcall() runs first at late_initcall.
    if (level === 'late' && this.profile.syncState) out.push({ level, name: 'sync_state_resume_initcall', fn: (k) => k.links.syncState.resume() });
    if (level === 'late') out.push({ level, name: 'deferred_probe_initcall', fn: (k) => k.deferred.initcall() });
    if (level === 'late_sync' && this.links.syncState.pausedForDevicetree) {
      out.push({ level, name: 'of_platform_sync_state_init', fn: (k) => k.links.syncState.resume() });
    }
    return out;
  }

  // The built-in initcalls grouped by level, each group in link order (module order, then
  // each module's own order); the init thread takes them out as it runs them.
  #builtinInitcalls(): Map<InitcallLevel, Initcall[]> {
    const byLevel = new Map<InitcallLevel, Initcall[]>();
    for (const m of this.#builtin) {
      for (const ic of m.initcalls) {
        const list = byLevel.get(ic.level);
        if (list === undefined) byLevel.set(ic.level, [ic]);
        else list.push(ic);
      }
    }
    return byLevel;
  }

  // init/main.c: do_initcall_level() runs a level in link order. The driver core's own
  // initcalls keep their place (core.o and dd.o link first); the built-in ones of the
  // level are a link order the build could change, so each next one is a choice
  // (option 0 keeps the given order).
  *#initThread(): ThreadBody {
    const builtin = this.#builtinInitcalls();
    for (const level of INITCALL_LEVELS) {
      for (const ic of this.#coreInitcallsFor(level)) {
        const body = this.#doInitcall(level, ic);
        if (body !== null) yield* body;
        yield;
      }
      const rest = builtin.get(level);
      while (rest !== undefined && rest.length > 0) {
        const pick = this.scheduler.chooseNamed('initcall', rest, rest.length);
        const body = this.#doInitcall(level, rest.splice(pick, 1)[0]!);
        if (body !== null) yield* body;
        yield;
      }
    }
    // init/do_mounts.c: prepare_namespace() waits for probing before mounting root.
    yield* this.dd.waitForDeviceProbe();
    this.clock.advance(this.costs.initStart);
    this.printk(LogLevel.INFO, 'Run /init as init process');
    this.#initDone = true;
    if (this.#userspace.length > 0) this.scheduler.spawn('userspace', 'userspace', this.#userspaceThread());
  }

  // init/main.c: do_one_initcall(); an initcall that waits hands back its thread body.
  #doInitcall(level: InitcallLevel, ic: Initcall): ThreadBody | null {
    if (this.tracing) this.emit({ type: 'initcall', level, name: ic.name });
    this.clock.advance(this.costs.initcall);
    const r = ic.fn(this);
    if (isThreadBody(r)) return r;
    if (typeof r === 'number' && r < 0 && r !== -Errno.ENODEV) this.printk(LogLevel.WARNING, `initcall ${ic.name} returned ${r}`);
    return null;
  }

  // A step lands when userspace gets there, which real timing decides: before each
  // step that acts on the kernel, the strategy may let the next pending event of
  // another context (a timer, deferred work, an async probe) happen first.
  *#landing(step: UserspaceStep): ThreadBody {
    const label = describeStep(step);
    for (let i = 0; i < MAX_LANDING_DELAYS; i++) {
      const next = this.scheduler.nextEvent();
      if (next === null) return;
      if (this.scheduler.choose('landing', [label, `after ${next.name}`]) === 0) return;
      // Ready just after that event: it runs first, then this step is decided again.
      yield { at: Math.max(next.readyAt, this.clock.now) + 1 };
    }
  }

  *#userspaceThread(): ThreadBody {
    const steps = [...this.#userspace];
    for (let i = 0; i < steps.length; i++) {
      // udev coldplug: a run of consecutive module loads has no fixed order.
      if (steps[i]!.kind === 'insmod') {
        let end = i + 1;
        while (end < steps.length && steps[end]!.kind === 'insmod') end++;
        if (end - i > 1) {
          const run = steps.slice(i, end);
          const pick = this.scheduler.choose('module-order', run.map(describeStep));
          if (pick > 0) steps.splice(i, 0, ...steps.splice(i + pick, 1));
        }
      }
      const step = steps[i]!;
      if (step.kind !== 'sleep' && step.kind !== 'wait') yield* this.#landing(step);
      if (this.tracing) this.emit({ type: 'userspace', step: describeStep(step) });
      switch (step.kind) {
        case 'insmod':
          yield* this.insmod(step.module, step.params);
          break;
        case 'rmmod':
          this.rmmod(step.module);
          break;
        case 'sleep':
          yield { at: this.clock.now + step.ns };
          break;
        case 'snap':
          this.snapshots.push(this.snapshot(step.label));
          break;
        case 'wait':
          yield { until: () => step.until(this), what: step.what };
          break;
        case 'run': {
          const r = step.fn(this);
          if (isThreadBody(r)) yield* r;
          break;
        }
      }
      yield;
    }
  }

  /** rmmod: unregister the drivers the module registered. */
  rmmod(name: string): void {
    const key = normaliseModule(name);
    if (!this.#loaded.delete(key)) return;
    for (const bus of this.buses.values()) for (const drv of [...bus.drivers]) if (drv.owner === key) this.driverUnregister(drv);
  }

  /** A snapshot of who is bound and what is deferred now. */
  snapshot(label: string): Snapshot {
    const drivers: Record<string, string | null> = {};
    for (const d of this.devices) if (d.registered) drivers[d.busName] = d.driver !== null && d.bound ? d.driver.name : null;
    return { label, time: this.clock.now, drivers, devicesDeferred: this.deferred.devicesDeferred() };
  }

  // ---------------------------------------------------------------- views

  // ---------------------------------------------------------------- links

  /** core.c: device_link_add() — see {@link DeviceLinks.add}. */
  deviceLinkAdd(consumer: Device, supplier: Device, flags: number): DeviceLink | null {
    return this.links.add(consumer, supplier, flags);
  }

  /** core.c: device_link_del() */
  deviceLinkDel(link: DeviceLink): void {
    this.links.del(link);
  }

  /**
   * fwnode_dev_initialized() (v5.12+): a framework registered a provider for
   * `fwnode` without a struct device (of_clk_add_provider(), irqdomain,
   * genpd). fw_devlink then does not make consumers wait for a device.
   */
  fwnodeDevInitialized(fwnode: Fwnode, initialized = true): void {
    this.links.fw.devInitialized(fwnode, initialized);
  }

  /** FWNODE_FLAG_BEST_EFFORT (v6.0+): drivers/of/base.c sets it on the `stdout-path` console node. */
  fwnodeSetBestEffort(fwnode: Fwnode): void {
    this.links.fw.setBestEffort(fwnode);
  }

  /** core.c: wait_for_init_devices_probe() (v6.0+) — best-effort probing of what init needs (network root). */
  *waitForInitDevicesProbe(): ThreadBody {
    yield* this.links.fw.waitForInitDevicesProbe();
  }

  /** Writes the device's `state_synced` sysfs file (v6.4+): `1` forces sync_state(). 0 or a negative errno. */
  writeStateSynced(dev: Device, value: string): number {
    return this.links.syncState.writeStateSynced(dev, value);
  }

  /** Finds a registered device by name, or by `bus:name` (the first registered that matches). */
  device(name: string): Device | undefined {
    // A `bus:name` always holds a colon, and a bus or class name never does, so the first
    // colon ends it. Comparing the two halves spares building every device's busName.
    // A name without a colon can only be a dev_name().
    const colon = name.indexOf(':');
    if (colon < 0) return (this.#byName ??= this.#indexNames()).get(name);
    const prefix = name.slice(0, colon);
    const rest = name.slice(colon + 1);
    const devices = this.devices;
    for (let i = 0; i < devices.length; i++) {
      const d = devices[i]!;
      if (!d.registered) continue;
      if (d.name === name) return d;
      if (d.name === rest && d.devBusName === prefix) return d;
    }
    return undefined;
  }

  /** debugfs `devices_deferred`. */
  devicesDeferred(): string {
    return this.deferred.devicesDeferred();
  }

  /** The log as `dmesg` prints it. */
  dmesg(options?: Parameters<Klog['dmesg']>[0]): string {
    return this.klog.dmesg(options);
  }
}

/**
 * The deferred-probe policy: the initial `deferred_probe_timeout` from the
 * profile, CONFIG_MODULES and the command line. Rebind it to prototype a
 * different default.
 */
export abstract class DeferredProbePolicy {
  /** driver_deferred_probe_timeout at boot (seconds; 0 none, < 0 never). */
  abstract initialTimeout(): number;
}

/** The kernel's own rule (dd.c: driver_deferred_probe_timeout and its __setup). */
export class DefaultDeferredProbePolicy extends DeferredProbePolicy {
  /** Creates the policy for a profile, command line and configuration. */
  constructor(readonly profile: KernelProfile, readonly cmdline: KernelCmdline, readonly config: KernelConfig) {
    super();
  }

  initialTimeout(): number {
    if (this.cmdline.deferredProbeTimeout !== undefined) return this.cmdline.deferredProbeTimeout;
    if (!this.config.modules && this.profile.atLeast(5, 7)) return 0;
    return this.profile.deferredProbeTimeoutDefault;
  }
}

/** Cap on how many events one userspace step may be pushed past (a bound for explorers, never reached by default). */
const MAX_LANDING_DELAYS = 64;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function describeStep(step: UserspaceStep): string {
  switch (step.kind) {
    case 'insmod': return `insmod ${step.module}`;
    case 'rmmod': return `rmmod ${step.module}`;
    case 'sleep': return `sleep ${step.ns / 1e9}`;
    case 'snap': return `snap ${step.label}`;
    case 'wait': return `wait ${step.what}`;
    case 'run': return step.name;
  }
}
