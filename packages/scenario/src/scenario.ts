import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { kernelProfile, NAMED_PROFILES, parseModuleTimeline, type KernelConfig, type UserspaceStep } from '@kdsim/core';
import { compileDts, decodeFdt, dtWalk, FirmwareError, loadAcpiTables, type AcpiInput, type AcpiTable, type DeviceTree } from '@kdsim/firmware';
import type { ScenarioDoc, StepDoc } from './document.js';
import { parseDuration } from './duration.js';
import { parseErrno } from './errno-value.js';
import { ScenarioError } from './errors.js';
import { inlineDriver } from './drivers/inline.js';
import { defaultRegistry } from './defaults.js';
import { normaliseName, type ScenarioRegistry, type StepAction } from './registry.js';
import { validateScenario } from './schema.js';
import { YamlSource } from './source.js';
import { swnodePaths } from './machine/swnodes.js';
import { debianBuiltinDrivers, debianLoadableDrivers } from './catalogue.js';
import { pciTopology } from './machine/hardware.js';
import { patchIort } from './machine/iort-patch.js';

/** The firmware a scenario names, read and decoded at load time. */
export interface ScenarioFirmware {
  /** The device tree (from `dtb` or `dts`), or null. */
  readonly dt: DeviceTree | null;
  /** ACPI tables by signature (from `acpi` and `acpidump`). */
  readonly acpiTables: ReadonlyMap<string, readonly AcpiTable[]>;
}

/** A userspace step, checked and compiled. */
export interface CompiledStep {
  /** Its id (or `#<index>`), naming its errno result. */
  readonly id: string;
  /** The action key (`bind`). */
  readonly kind: string;
  /** Absolute virtual time to wait for first (ns). */
  readonly at: number | undefined;
  /** Event to wait for first. */
  readonly after: StepDoc['after'];
  /** What it does. */
  readonly action: StepAction;
  /** The errno the step must return (`expect:` on the step), checked like `expect.errno`. */
  readonly expect: number | undefined;
  /** JSON pointer of the step (`/userspace/3`). */
  readonly pointer: string;
}

/** A loaded, checked scenario: the document plus everything it names, resolved. */
export interface Scenario {
  /** The scenario file (absolute), or `<inline>`. */
  readonly file: string;
  /** Directory relative paths resolve against. */
  readonly dir: string;
  /** The validated document. */
  readonly doc: ScenarioDoc;
  /** The YAML source, to locate later problems. */
  readonly source: YamlSource;
  /** Decoded firmware. */
  readonly firmware: ScenarioFirmware;
  /** The registry with the scenario's inline drivers added. */
  readonly registry: ScenarioRegistry;
  /** The architecture (from `machine.arch`, else x86_64 with ACPI only, else arm64). */
  readonly arch: KernelConfig['arch'];
  /**
   * The machine runs on the modelled buses and IOMMU core (it lists `pci`
   * functions, or names a real driver module): the hardware step builds the
   * bus cores in, and without `kernel.builtin` / `kernel.modules` Debian
   * 6.12's split of the catalogue applies.
   */
  readonly hardware: boolean;
  /** Module names (normalised) built in, in link order. */
  readonly builtinModules: readonly string[];
  /** Module names (normalised) available to load. */
  readonly loadableModules: readonly string[];
  /** The module timeline as core userspace steps. */
  readonly timeline: readonly UserspaceStep[];
  /** The userspace steps. */
  readonly steps: readonly CompiledStep[];
}

/** Options of {@link loadScenario} and {@link parseScenario}. */
export interface LoadOptions {
  /** What names resolve against (default {@link defaultRegistry}). */
  readonly registry?: ScenarioRegistry;
}

/** Reads, validates and resolves the scenario file at `path`. */
export function loadScenario(path: string, options: LoadOptions = {}): Scenario {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ScenarioError('io', { file, path: '', message: `cannot read the scenario: ${e instanceof Error ? e.message : String(e)}` });
  }
  return parseScenario(text, file, options);
}

/** Validates and resolves scenario `text`; relative firmware paths resolve against `file`'s directory. */
export function parseScenario(text: string, file = '<inline>', options: LoadOptions = {}): Scenario {
  const source = new YamlSource(text, file);
  const doc = validateScenario(source.toJS(), source);
  const dir = file === '<inline>' ? process.cwd() : dirname(file);
  const registry = (options.registry ?? defaultRegistry()).clone();

  for (const [i, d] of (doc.kernel?.drivers ?? []).entries()) {
    if (registry.drivers.has(d.name) && !(doc.kernel?.drivers ?? []).slice(0, i).every((x) => x.name !== d.name)) {
      throw source.error('schema', `/kernel/drivers/${i}/name`, `driver '${d.name}' is defined twice`);
    }
    const entry = inlineDriver(d);
    // An inline driver stands in for a real module of the same name (a scenario's own virtio-mmio).
    for (const real of registry.driversOf(entry.module)) if (real.kernelModule !== undefined) registry.removeDriver(real.name);
    registry.addDriver(entry);
  }
  checkKernel(doc, source, registry);
  checkMachine(doc, source, registry);
  pciTopology({ doc, source }, null);
  const firmware = loadFirmware(doc, source, dir);
  checkNodeRefs(doc, source, firmware);
  checkPolicies(doc, source, registry);

  const kernel = doc.kernel ?? {};
  const arch = doc.machine?.arch ?? (firmware.dt === null && firmware.acpiTables.size > 0 ? 'x86_64' : 'arm64');
  const named = [...(kernel.builtin ?? []), ...(typeof kernel.modules === 'string' ? timelineModules(kernel.modules) : kernel.modules ?? [])];
  const hardware = (doc.machine?.pci ?? []).length > 0 || named.some((n) => registry.drivers.get(n)?.kernelModule !== undefined
    || registry.driversOf(n).some((d) => d.kernelModule !== undefined));
  const builtinModules = uniq((kernel.builtin ?? (hardware ? debianBuiltinDrivers(arch) : [])).map((n, i) => resolveModule(registry, n, source, `/kernel/builtin/${i}`)));
  const modulesList = typeof kernel.modules === 'string' ? timelineModules(kernel.modules) : kernel.modules ?? (hardware ? debianLoadableDrivers(arch) : []);
  const modulesPath = (i: number): string => (typeof kernel.modules === 'string' ? '/kernel/modules' : `/kernel/modules/${i}`);
  const loadableModules = uniq(modulesList.map((n, i) => resolveModule(registry, n, source, modulesPath(i))));
  const timelineText = kernel.timeline ?? (typeof kernel.modules === 'string' ? kernel.modules : '');
  const timelinePath = kernel.timeline !== undefined ? '/kernel/timeline' : '/kernel/modules';
  const timeline = parseModuleTimeline(timelineText).map((s) => {
    if (s.kind !== 'insmod') return s;
    const m = registry.moduleOf(s.module);
    if (m === undefined || !loadableModules.includes(m)) {
      throw source.error('timeline', timelinePath, `the timeline loads '${s.module}', which is not among the modules (${loadableModules.join(', ') || 'none'}); expected module names, sleepN or snap`);
    }
    return { ...s, module: m };
  });
  const steps = compileSteps(doc, source, registry);
  return { file, dir, doc, source, firmware, registry, arch, hardware, builtinModules, loadableModules, timeline, steps };
}

function uniq<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function timelineModules(spec: string): string[] {
  return parseModuleTimeline(spec).flatMap((s) => (s.kind === 'insmod' ? [s.module] : []));
}

function resolveModule(registry: ScenarioRegistry, name: string, source: YamlSource, pointer: string): string {
  const m = registry.moduleOf(name);
  if (m !== undefined) return m;
  const known = [...registry.drivers.keys()];
  throw source.error('unknownDriver', pointer, `unknown driver or module '${name}'; known: ${known.length > 0 ? known.join(', ') : 'none (define one under kernel.drivers)'}`);
}

function checkKernel(doc: ScenarioDoc, source: YamlSource, _registry: ScenarioRegistry): void {
  const profile = doc.kernel?.profile;
  if (profile !== undefined && kernelProfile(profile) === undefined) {
    throw source.error('unknownProfile', '/kernel/profile', `unknown kernel profile '${profile}'; expected linux-X.Y, e.g. ${NAMED_PROFILES.join(', ')}`);
  }
}

function checkMachine(doc: ScenarioDoc, source: YamlSource, registry: ScenarioRegistry): void {
  const machine = doc.machine ?? {};
  const consumed = new Set(['arch', ...registry.machineSteps.flatMap((s) => s.keys)]);
  for (const key of Object.keys(machine)) {
    const value = (machine as Record<string, unknown>)[key];
    if (Array.isArray(value) && value.length === 0) continue;
    if (!consumed.has(key)) {
      throw source.error('unsupported', `/machine/${key}`, `no machine-builder step handles '${key}' yet (its bus package is not part of this build)`, true);
    }
  }
  if (machine.dtb !== undefined && machine.dts !== undefined) throw source.error('schema', '/machine/dts', 'expected either dtb or dts, not both', true);
}

function fileOf(dir: string, rel: string, source: YamlSource, pointer: string): string {
  const abs = resolve(dir, rel);
  if (!existsSync(abs)) throw source.error('missingFirmware', pointer, `firmware file '${rel}' not found (looked at ${abs})`);
  return abs;
}

function wrapFirmware<T>(source: YamlSource, pointer: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FirmwareError) {
      const pos = source.position(pointer);
      throw new ScenarioError('firmware', { file: source.file, ...(pos ?? {}), path: pointer, message: `bad firmware: ${e.message}`, cause: e });
    }
    throw e;
  }
}

function loadFirmware(doc: ScenarioDoc, source: YamlSource, dir: string): ScenarioFirmware {
  const m = doc.machine ?? {};
  let dt: DeviceTree | null = null;
  if (m.dtb !== undefined) {
    const f = fileOf(dir, m.dtb, source, '/machine/dtb');
    dt = wrapFirmware(source, '/machine/dtb', () => decodeFdt(readFileSync(f), m.dtb));
  } else if (m.dts !== undefined) {
    const spec = typeof m.dts === 'string' ? { file: m.dts } : m.dts;
    const pointer = typeof m.dts === 'string' ? '/machine/dts' : '/machine/dts/file';
    const f = fileOf(dir, spec.file, source, pointer);
    const includeDirs = (spec.include ?? []).map((d) => resolve(dir, d));
    dt = wrapFirmware(source, pointer, () => compileDts(f, { includeDirs, ...(spec.defines !== undefined ? { defines: spec.defines } : {}) }));
  }
  const inputs: { input: AcpiInput; pointer: string }[] = [];
  for (const [i, rel] of (m.acpi ?? []).entries()) {
    const f = fileOf(dir, rel, source, `/machine/acpi/${i}`);
    inputs.push({ input: { file: rel, bytes: readFileSync(f), format: 'binary' }, pointer: `/machine/acpi/${i}` });
  }
  if (m.acpidump !== undefined) {
    const f = fileOf(dir, m.acpidump, source, '/machine/acpidump');
    inputs.push({ input: { file: m.acpidump, bytes: readFileSync(f, 'latin1'), format: 'acpidump' }, pointer: '/machine/acpidump' });
  }
  const acpiTables = new Map<string, AcpiTable[]>();
  for (const { input, pointer } of inputs) {
    for (const [sig, tables] of wrapFirmware(source, pointer, () => loadAcpiTables([input]))) acpiTables.set(sig, [...(acpiTables.get(sig) ?? []), ...tables]);
  }
  return { dt, acpiTables: patchIort(doc, source, acpiTables) };
}

function dtPaths(dt: DeviceTree | null): string[] {
  if (dt === null) return [];
  return [...dtWalk(dt.root)].map((e) => e.path);
}

function checkNodeRefs(doc: ScenarioDoc, source: YamlSource, firmware: ScenarioFirmware): void {
  const known = new Set([...swnodePaths(doc.machine?.nodes ?? []), ...dtPaths(firmware.dt)]);
  const check = (path: string, pointer: string): void => {
    if (!known.has(path)) throw source.error('unknownNode', pointer, `no firmware node '${path}'; expected the full path of a node under machine.nodes or in the device tree`);
  };
  const walkNodes = (nodes: readonly NonNullable<NonNullable<ScenarioDoc['machine']>['nodes']>[number][], pointer: string): void => {
    for (const [i, n] of nodes.entries()) {
      for (const [prop, value] of Object.entries(n.properties ?? {})) {
        const refs: readonly unknown[] = Array.isArray(value) ? value : [value];
        for (const [j, r] of refs.entries()) {
          if (typeof r === 'object' && r !== null && 'ref' in r) {
            check(String(r.ref), `${pointer}/${i}/properties/${prop}${Array.isArray(value) ? `/${j}` : ''}/ref`);
          }
        }
      }
      walkNodes(n.children ?? [], `${pointer}/${i}/children`);
    }
  };
  walkNodes(doc.machine?.nodes ?? [], '/machine/nodes');
  for (const [i, d] of (doc.machine?.devices ?? []).entries()) if (d.node !== undefined) check(d.node, `/machine/devices/${i}/node`);
  for (const [i, d] of (doc.kernel?.drivers ?? []).entries()) {
    for (const [j, p] of (d.providers ?? []).entries()) check(p, `/kernel/drivers/${i}/providers/${j}`);
    for (const [j, c] of (d.children ?? []).entries()) if (c.node !== undefined) check(c.node, `/kernel/drivers/${i}/children/${j}/node`);
  }
}

function checkPolicies(doc: ScenarioDoc, source: YamlSource, registry: ScenarioRegistry): void {
  for (const [name, value] of Object.entries(doc.policies ?? {})) {
    const pointer = `/policies/${name}`;
    const entry = registry.policies.get(name);
    if (entry === undefined) throw source.error('unknownPolicy', pointer, `unknown policy '${name}'; known: ${[...registry.policies.keys()].join(', ')}`, true);
    const r = entry.resolve(String(value));
    if ('error' in r) throw source.error('unknownPolicy', pointer, `bad variant '${value}' of policy ${name}: ${r.error}`);
  }
}

const STEP_META = new Set(['id', 'at', 'after', 'expect']);

function compileSteps(doc: ScenarioDoc, source: YamlSource, registry: ScenarioRegistry): CompiledStep[] {
  const ids = new Set<string>();
  return (doc.userspace ?? []).map((step, i) => {
    const pointer = `/userspace/${i}`;
    const actions = Object.keys(step).filter((k) => !STEP_META.has(k));
    if (actions.length !== 1) {
      throw source.error('unknownStep', pointer, `expected exactly one action key (${[...registry.steps.keys()].join(', ')}), found ${actions.length === 0 ? 'none' : actions.join(', ')}`);
    }
    const kind = actions[0]!;
    const entry = registry.steps.get(kind);
    if (entry === undefined) throw source.error('unknownStep', `${pointer}/${kind}`, `unknown step '${kind}'; expected one of ${[...registry.steps.keys()].join(', ')}`, true);
    const id = step.id ?? `#${i}`;
    if (ids.has(id)) throw source.error('schema', `${pointer}/id`, `step id '${id}' is used twice`);
    const meta = { id, earlier: [...ids], error: (message: string, sub = '') => source.error('schema', `${pointer}/${kind}${sub}`, `bad ${kind} step: ${message}`) };
    const action = entry.parse(step[kind], meta);
    if ('error' in action) throw source.error('schema', `${pointer}/${kind}`, `bad ${kind} step: ${action.error}`);
    ids.add(id);
    const expect = step.expect !== undefined ? parseErrno(step.expect) : undefined;
    if (step.expect !== undefined && expect === undefined) throw source.error('schema', `${pointer}/expect`, `unknown errno '${step.expect}'; expected 0, a negative number or a name like EINVAL`);
    const at = step.at !== undefined ? parseDuration(step.at) : undefined;
    return { id, kind, at, after: step.after, action, expect, pointer };
  });
}

/** True if `name` names a module the scenario can load (normalised comparison). */
export function isLoadable(s: Scenario, name: string): boolean {
  return s.loadableModules.includes(normaliseName(name));
}
