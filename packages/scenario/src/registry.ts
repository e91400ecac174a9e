import type { Container, ContainerModuleLoadOptions } from 'inversify';
import type { BusType, Device, Fwnode, InitcallLevel, Kernel, KernelModule, ThreadBody, Yield } from '@kdsim/core';
import type { AcpiTable, MachineFirmware } from '@kdsim/firmware';
import type { ScenarioError } from './errors.js';
import type { Scenario } from './scenario.js';

/**
 * Firmware nodes by path, for one run. A machine step adds the index of its firmware
 * tree, which it builds once per scenario (firmware is read-only to a kernel); a path
 * in more than one index is the last one's.
 */
export class FwnodePaths {
  readonly #indexes: ReadonlyMap<string, Fwnode>[] = [];

  /** Adds the nodes of `index`, which is kept (not copied). */
  add(index: ReadonlyMap<string, Fwnode>): void {
    this.#indexes.push(index);
  }

  /** The node at `path`, if any. */
  get(path: string): Fwnode | undefined {
    for (let i = this.#indexes.length - 1; i >= 0; i--) {
      const fw = this.#indexes[i]!.get(path);
      if (fw !== undefined) return fw;
    }
    return undefined;
  }
}

/**
 * What the machine builder hands to every step, driver and policy while a
 * scenario's kernel is put together. One per run.
 */
export interface BuildContext {
  /** The scenario being built. */
  readonly scenario: Scenario;
  /** The registry in use. */
  readonly registry: ScenarioRegistry;
  /** The kernel; only valid once it exists (inside initcalls, probes and steps). */
  readonly kernel: () => Kernel;
  /** Buses by name, created by the bus step before anything registers. */
  readonly buses: Map<string, BusType>;
  /** Firmware nodes by path (software nodes and OF nodes). */
  readonly fwnodes: FwnodePaths;
  /** The machine's firmware, bound into the kernel as `MachineFirmware`. */
  firmware: MachineFirmware;
  /** The ACPI tables by signature (empty without ACPI). */
  readonly acpiTables: ReadonlyMap<string, readonly AcpiTable[]>;
  /** Built-in machine work, in link order (bus registration, device population). */
  readonly builtin: KernelModule[];
  /** Container rebinds applied before the kernel resolves its services. */
  readonly configure: ((c: Container) => void)[];
  /** The bus called `name` (created on demand as a `SimpleBus` unless a factory is registered). */
  bus(name: string): BusType;
  /** The device a fwnode path or device name designates, if registered. */
  deviceOf(ref: string): Device | undefined;
}

/** A machine-builder step: creates buses, firmware services or devices for one part of the machine. */
export interface MachineStep {
  /** Step name (`swnodes`, `dt`, `acpi`, `pci`). */
  readonly name: string;
  /** The `machine` keys this step consumes (a key no step consumes is an `unsupported` error). */
  readonly keys: readonly string[];
  /** Adds its work to the context. */
  build(ctx: BuildContext): void;
}

/** A driver the catalogue knows: which module it lives in and how its init registers it. */
export interface DriverEntry {
  /** Driver name (what scenarios write in `builtin`/`modules`). */
  readonly name: string;
  /** Module name (`virtio_net`); `-` and `_` are equivalent. */
  readonly module: string;
  /** One line for listings and docs. */
  readonly description: string;
  /** Initcall level when built in. */
  readonly level: InitcallLevel;
  /** module_init(): registers the driver; 0 or a negative errno (may be a thread body). */
  init(ctx: BuildContext, k: Kernel): number | ThreadBody;
  /** Services the module binds when loaded. */
  readonly services?: (options: ContainerModuleLoadOptions) => void;
  /**
   * A ready-made kernel module (the bus and driver packages' real drivers):
   * used as is instead of a module built from `init`, which is then unused.
   */
  readonly kernelModule?: KernelModule;
}

/**
 * A catalogue entry for a real kernel module from a bus or driver package,
 * under the module's Linux name (`virtio_pci`; `virtio-pci` names it too).
 */
export function moduleEntry(module: KernelModule, description: string): DriverEntry {
  return {
    name: module.name,
    module: module.name,
    description,
    level: module.initcalls[0]?.level ?? 'device',
    init: () => 0,
    kernelModule: module,
  };
}

/** A named policy with variants: how a scenario's `policies:` entry rebinds a service. */
export interface PolicyEntry {
  /** Policy name (`fw_devlink`). */
  readonly name: string;
  /** One line for listings and docs. */
  readonly description: string;
  /** The named variants (documentation; `resolve` may accept more, e.g. numbers). */
  readonly variants: readonly string[];
  /** The rebind for `value`, or a message saying what was expected. */
  resolve(value: string): ((c: Container, ctx: BuildContext) => void) | { readonly error: string };
}

/** The result a compiled step stores: 0 or a negative errno. */
export type StepAction = (k: Kernel, ctx: BuildContext) => number | Generator<Yield, number, void>;

/** Where a step sits in its scenario, for step kinds that refer to other steps. */
export interface StepMeta {
  /** The step's id (or `#<index>`): names its result and, for steps with outputs, `$id.field`. */
  readonly id: string;
  /** Ids of the steps before it, in order. */
  readonly earlier: readonly string[];
  /** A located error at the step's action (`sub`: a JSON-pointer suffix inside its argument, `/fd`). */
  error(message: string, sub?: string): ScenarioError;
}

/** A userspace step kind (`bind`, `insmod`, ...): parses its argument into an action. */
export interface StepKind {
  /** The action key. */
  readonly name: string;
  /** One line for listings and docs. */
  readonly description: string;
  /** The action for `arg`, or a message saying what was expected; may throw a located error from `meta`. */
  parse(arg: unknown, meta: StepMeta): StepAction | { readonly error: string };
}

/** Reports IOMMU groups for the summary and `expect.groups` (the IOMMU package provides one). */
export type GroupsProvider = (k: Kernel) => readonly (readonly string[])[];

/** Makes the bus called `name` for one run. */
export type BusFactory = (ctx: BuildContext) => BusType;

/**
 * Everything scenarios can name: drivers, machine steps, bus factories,
 * policies, userspace step kinds and the groups view. Bus, IOMMU and driver
 * packages add to it; {@link defaultRegistry} holds what exists so far.
 */
export class ScenarioRegistry {
  readonly #drivers = new Map<string, DriverEntry>();
  // Normalised module name → its drivers in registration order; rebuilt after a change.
  #byModule: Map<string, DriverEntry[]> | null = null;

  /** Drivers by name (change them with {@link addDriver} and {@link removeDriver}). */
  get drivers(): ReadonlyMap<string, DriverEntry> {
    return this.#drivers;
  }
  /** Machine-builder steps, in build order. */
  readonly machineSteps: MachineStep[] = [];
  /** Bus factories by bus name. */
  readonly buses = new Map<string, BusFactory>();
  /** Policies by name. */
  readonly policies = new Map<string, PolicyEntry>();
  /** Userspace step kinds by action key. */
  readonly steps = new Map<string, StepKind>();
  /** The IOMMU groups view, when an IOMMU package registered one. */
  groups: GroupsProvider | null = null;

  /** Adds or replaces a driver. */
  addDriver(entry: DriverEntry): this {
    this.#drivers.set(entry.name, entry);
    this.#byModule = null;
    return this;
  }

  /** Removes the driver called `name`, if any. */
  removeDriver(name: string): this {
    if (this.#drivers.delete(name)) this.#byModule = null;
    return this;
  }

  /** Adds a machine step; a step of the same name is replaced in place. */
  addMachineStep(step: MachineStep): this {
    const i = this.machineSteps.findIndex((s) => s.name === step.name);
    if (i >= 0) this.machineSteps[i] = step;
    else this.machineSteps.push(step);
    return this;
  }

  /** Adds or replaces a bus factory. */
  addBus(name: string, factory: BusFactory): this {
    this.buses.set(name, factory);
    return this;
  }

  /** Adds or replaces a policy. */
  addPolicy(entry: PolicyEntry): this {
    this.policies.set(entry.name, entry);
    return this;
  }

  /** Adds or replaces a step kind. */
  addStep(kind: StepKind): this {
    this.steps.set(kind.name, kind);
    return this;
  }

  /** A copy that can be extended without touching this one. */
  clone(): ScenarioRegistry {
    const r = new ScenarioRegistry();
    for (const d of this.drivers.values()) r.addDriver(d);
    for (const s of this.machineSteps) r.addMachineStep(s);
    for (const [n, b] of this.buses) r.addBus(n, b);
    for (const p of this.policies.values()) r.addPolicy(p);
    for (const s of this.steps.values()) r.addStep(s);
    r.groups = this.groups;
    return r;
  }

  /** The module called `name`, or the module of the driver called `name`. */
  moduleOf(name: string): string | undefined {
    const key = normaliseName(name);
    if (this.#modules().has(key)) return key;
    const d = this.#drivers.get(name);
    return d === undefined ? undefined : normaliseName(d.module);
  }

  /** The drivers of module `module`, in registration order. */
  driversOf(module: string): DriverEntry[] {
    return [...(this.#modules().get(normaliseName(module)) ?? [])];
  }

  // Every run of a scenario looks its modules up: index them once per change of the catalogue.
  #modules(): Map<string, DriverEntry[]> {
    if (this.#byModule !== null) return this.#byModule;
    const index = new Map<string, DriverEntry[]>();
    for (const d of this.#drivers.values()) {
      const key = normaliseName(d.module);
      const list = index.get(key);
      if (list === undefined) index.set(key, [d]);
      else list.push(d);
    }
    return (this.#byModule = index);
  }
}

/** Module names compare with `-` and `_` equal, as modprobe does. */
export function normaliseName(name: string): string {
  return name.replace(/-/g, '_');
}
