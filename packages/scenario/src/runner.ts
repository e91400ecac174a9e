import {
  Kernel, KernelModule, kernelProfile, NAMED_PROFILES, ReplayStrategy, SeededStrategy, SimpleBus,
  type BusType, type Device, type InitcallLevel, type ScheduleStrategy, type ThreadBody, type UserspaceStep, type Yield,
} from '@kdsim/core';
import { MachineFirmware } from '@kdsim/firmware';
import type { Container } from 'inversify';
import { ScenarioError } from './errors.js';
import { evaluateExpectations, evaluateStepExpectations, type ExpectationResult } from './expect.js';
import { FwnodePaths, normaliseName, type BuildContext, type DriverEntry } from './registry.js';
import type { CompiledStep, Scenario } from './scenario.js';
import { summarize, type RunSummary } from './summary.js';
import { vfioStepOutput } from './vfio-steps.js';

/** How to run a scenario (an option left out or `undefined` takes its default). */
export interface RunOptions {
  /** Seed of the schedule: timing-dependent choices are drawn from it (default: in order). */
  readonly seed?: number | undefined;
  /** An explicit schedule: the choice index at each choice point (replayed; in order after it ends). */
  readonly schedule?: readonly number[] | undefined;
  /** Kernel profile instead of the scenario's. */
  readonly profile?: string | undefined;
  /** Policy overrides on top of the scenario's (`{ fw_devlink: 'strict' }`). */
  readonly policy?: Readonly<Record<string, string>> | undefined;
  /** Appended to the scenario's command line. */
  readonly cmdline?: string | undefined;
  /** Keep every trace event in `kernel.traceLog`. */
  readonly recordTrace?: boolean | undefined;
  /** Decides every timing choice (the explorer's strategies); takes precedence over `schedule` and `seed`. */
  readonly strategy?: ScheduleStrategy | undefined;
  /** Called with the kernel after it is created and before it boots (the explorer observes its trace). */
  readonly observe?: ((k: Kernel) => void) | undefined;
}

/** What one run of a scenario produced. */
export interface RunResult {
  /** The scenario. */
  readonly scenario: Scenario;
  /** The booted kernel (klog, devices, links, trace). */
  readonly kernel: Kernel;
  /** The outcome, as the views and `--json` show it. */
  readonly summary: RunSummary;
  /** Step id → 0 or negative errno, for every step that ran. */
  readonly stepResults: ReadonlyMap<string, number>;
  /** Every expectation's verdict. */
  readonly expectations: readonly ExpectationResult[];
  /** True when every expectation held. */
  readonly passed: boolean;
}

function isGenerator(x: unknown): x is Generator<Yield, number, void> {
  return typeof x === 'object' && x !== null && typeof (x as Generator).next === 'function';
}

function strategyOf(options: RunOptions): ScheduleStrategy | undefined {
  if (options.strategy !== undefined) return options.strategy;
  if (options.schedule !== undefined) return new ReplayStrategy(options.schedule, options.seed !== undefined ? new SeededStrategy(options.seed) : undefined);
  if (options.seed !== undefined) return new SeededStrategy(options.seed);
  return undefined;
}

/** Builds the machine and kernel of `scenario`, boots it to the end, and checks its expectations. */
export function runScenario(scenario: Scenario, options: RunOptions = {}): RunResult {
  const { doc, registry } = scenario;
  const profile = options.profile ?? doc.kernel?.profile;
  if (options.profile !== undefined && kernelProfile(options.profile) === undefined) {
    throw new ScenarioError('unknownProfile', { file: scenario.file, path: '/kernel/profile', message: `unknown kernel profile '${options.profile}' (given as an option); expected linux-X.Y, e.g. ${NAMED_PROFILES.join(', ')}` });
  }
  let kernel: Kernel | undefined;
  const buses = new Map<string, BusType>();
  const fwnodes = new FwnodePaths();
  const ctx: BuildContext = {
    scenario,
    registry,
    kernel: () => {
      if (kernel === undefined) throw new Error('the kernel does not exist yet');
      return kernel;
    },
    buses,
    fwnodes,
    firmware: new MachineFirmware(),
    acpiTables: scenario.firmware.acpiTables,
    builtin: [],
    configure: [],
    bus(name) {
      // A bus a built-in bus package registered (the real platform bus) is the one to use.
      const registered = kernel?.buses.get(name);
      if (registered !== undefined) return registered;
      let bus = buses.get(name);
      if (bus === undefined) {
        const factory = registry.buses.get(name);
        bus = factory !== undefined ? factory(ctx) : new SimpleBus(name);
        buses.set(name, bus);
        // A bus first named after boot started registers at once.
        if (kernel !== undefined && !kernel.buses.has(name)) kernel.busRegister(bus);
      }
      return bus;
    },
    deviceOf(ref): Device | undefined {
      const k = ctx.kernel();
      if (ref.startsWith('/')) {
        const fw = fwnodes.get(ref);
        return fw === undefined ? undefined : k.deviceOfFwnode(fw);
      }
      return k.device(ref);
    },
  };
  for (const step of registry.machineSteps) step.build(ctx);

  const policies: Record<string, string> = {};
  for (const [n, v] of Object.entries(doc.policies ?? {})) policies[n] = String(v);
  Object.assign(policies, options.policy ?? {});
  const rebinds: ((c: Container) => void)[] = [];
  for (const [name, value] of Object.entries(policies)) {
    const entry = registry.policies.get(name);
    const r = entry?.resolve(value);
    if (entry === undefined || r === undefined || 'error' in r) {
      const why = entry === undefined ? `unknown policy '${name}'; known: ${[...registry.policies.keys()].join(', ')}` : `bad variant '${value}' of policy ${name}: ${(r as { error: string }).error}`;
      throw new ScenarioError('unknownPolicy', { file: scenario.file, path: `/policies/${name}`, message: why });
    }
    rebinds.push((c) => r(c, ctx));
  }

  const stepResults = new Map<string, number>();
  const userspace: UserspaceStep[] = [...scenario.timeline, ...scenario.steps.map((s) => toCoreStep(s, ctx, stepResults))];
  const cmdline = [doc.kernel?.cmdline ?? '', options.cmdline ?? ''].filter((s) => s !== '').join(' ');
  // One options literal of one shape, without object spreads: this runs for every explored ordering.
  kernel = new Kernel({
    profile,
    cmdline,
    config: { modules: doc.kernel?.config?.CONFIG_MODULES ?? true, arch: scenario.arch },
    strategy: strategyOf(options),
    builtin: builtinModules(scenario, ctx.builtin),
    modules: catalogueModules(scenario).loadable,
    userspace,
    recordTrace: options.recordTrace,
    // The machine's services are bound when a module first needs the container; policies
    // may rebind the kernel's own services, so only they make it build one at once.
    services: (c) => {
      if (c.isBound(MachineFirmware)) c.rebind(MachineFirmware).toConstantValue(ctx.firmware);
      else c.bind(MachineFirmware).toConstantValue(ctx.firmware);
      for (const f of ctx.configure) f(c);
    },
    configure: rebinds.length > 0 ? (c: Container) => { for (const f of rebinds) f(c); } : undefined,
  });
  kernel.locals.set(BUILD_CONTEXT, ctx);
  options.observe?.(kernel);
  kernel.boot();
  return new ScenarioRun(scenario, kernel, stepResults);
}

// The summary is made on first read: an exploration judges thousands of runs by their
// expectations alone, and most expectations read the kernel's devices directly.
class ScenarioRun implements RunResult {
  readonly expectations: readonly ExpectationResult[];
  readonly passed: boolean;
  #summary: RunSummary | undefined;

  constructor(readonly scenario: Scenario, readonly kernel: Kernel, readonly stepResults: ReadonlyMap<string, number>) {
    const { doc, source } = scenario;
    const k = kernel;
    this.expectations = [
      ...evaluateExpectations(doc.expect, { kernel: k, run: this, stepResults, source, stepOutputs: (id) => vfioStepOutput(k, id) }),
      ...evaluateStepExpectations(scenario.steps, stepResults, source),
    ];
    this.passed = this.expectations.every((e) => e.passed);
  }

  get summary(): RunSummary {
    return (this.#summary ??= summarize(this.kernel, this.scenario.doc.name, this.scenario.registry));
  }
}

// The catalogue's modules are the same for every run of a scenario, so they are built once;
// their initcalls find the run's build context in the kernel that calls them.
const BUILD_CONTEXT = Symbol('scenario build context');

/** A scenario's built-in and loadable modules from the catalogue, in the scenario's order. */
interface CatalogueModules {
  /** Each with the name the scenario gives it (a machine step may provide a module of that name itself). */
  readonly builtin: readonly { readonly name: string; readonly module: KernelModule }[];
  readonly loadable: readonly KernelModule[];
}

const MODULES = new WeakMap<Scenario, CatalogueModules>();

function contextOf(k: Kernel): BuildContext {
  const ctx = k.locals.get(BUILD_CONTEXT) as BuildContext | undefined;
  if (ctx === undefined) throw new Error('a scenario module ran in a kernel the scenario did not build');
  return ctx;
}

/** The kernel modules of `scenario`'s catalogue (built on first use). */
function catalogueModules(scenario: Scenario): CatalogueModules {
  let modules = MODULES.get(scenario);
  if (modules === undefined) {
    modules = { builtin: scenario.builtinModules.map((m) => ({ name: m, module: buildModule(scenario, m) })), loadable: scenario.loadableModules.map((m) => buildModule(scenario, m)) };
    MODULES.set(scenario, modules);
  }
  return modules;
}

// The machine steps' built-in modules, then the catalogue's, except those a machine step
// provides itself under the same name.
function builtinModules(scenario: Scenario, machine: readonly KernelModule[]): KernelModule[] {
  const out = machine.slice();
  for (const m of catalogueModules(scenario).builtin) if (!machine.some((b) => b.name === m.name)) out.push(m.module);
  return out;
}

// One kernel module from the catalogue entries of module `name`: one init per initcall
// level, as a module's source has (a loadable module has a single module_init()), which
// registers the level's drivers in catalogue order, like platform_register_drivers().
function buildModule(scenario: Scenario, name: string): KernelModule {
  const entries = scenario.registry.driversOf(name);
  const real = entries.find((e) => e.kernelModule !== undefined)?.kernelModule;
  if (real !== undefined) return real;
  const services = entries.flatMap((e) => (e.services !== undefined ? [e.services] : []));
  const module = normaliseName(name);
  const byLevel = new Map<InitcallLevel, DriverEntry[]>();
  for (const e of entries) {
    const same = byLevel.get(e.level);
    if (same === undefined) byLevel.set(e.level, [e]);
    else same.push(e);
  }
  return new KernelModule(module, {
    initcalls: [...byLevel].map(([level, inits]) => ({
      level,
      name: inits.length === 1 ? `${inits[0]!.name}_init` : `${module}_init`,
      fn: (k: Kernel) => initAll(inits, 0, contextOf(k), k),
    })),
    ...(services.length > 0 ? { services: (o) => { for (const s of services) s(o); } } : {}),
  });
}

// Runs the inits of `entries` from index `from` in order and stops at the first that fails,
// returning its errno; an init that waits hands back a thread body that goes on with the rest.
function initAll(entries: readonly DriverEntry[], from: number, ctx: BuildContext, k: Kernel): number | ThreadBody {
  for (let i = from; i < entries.length; i++) {
    const r = entries[i]!.init(ctx, k);
    if (typeof r !== 'number') return initRest(r, entries, i + 1, ctx, k);
    if (r !== 0) return r;
  }
  return 0;
}

function* initRest(body: ThreadBody, entries: readonly DriverEntry[], from: number, ctx: BuildContext, k: Kernel): ThreadBody {
  yield* body;
  const r = initAll(entries, from, ctx, k);
  if (typeof r !== 'number') yield* r;
}

/** A compiled step as a core userspace step that waits for its time/event, acts, and records its result. */
function toCoreStep(step: CompiledStep, ctx: BuildContext, results: Map<string, number>): UserspaceStep {
  return { kind: 'run', name: `${step.kind} ${step.id}`, fn: (k) => stepBody(k, step, ctx, results) };
}

function* stepBody(k: Kernel, step: CompiledStep, ctx: BuildContext, results: Map<string, number>): ThreadBody {
  if (step.at !== undefined && k.clock.now < step.at) yield { at: step.at };
  const after = step.after;
  if (after !== undefined) {
    const [what, until] = afterPredicate(k, ctx, after);
    yield { until, what };
  }
  const r = (step.action)(k, ctx);
  results.set(step.id, isGenerator(r) ? yield* r : r);
}

function afterPredicate(k: Kernel, ctx: BuildContext, after: NonNullable<CompiledStep['after']>): [string, () => boolean] {
  if (after.bound !== undefined) return [`${after.bound} bound`, () => ctx.deviceOf(after.bound!)?.bound === true];
  if (after.deferred !== undefined) return [`${after.deferred} deferred`, () => ctx.deviceOf(after.deferred!)?.deferredNode.list != null];
  if (after.module !== undefined) return [`module ${after.module} loaded`, () => k.loadedModules.includes(normaliseName(after.module!))];
  return ['deferred probe timeout', () => k.deferred.timedOut];
}
