import { formatErrno, type Kernel } from '@kdsim/core';
import type { ExpectDoc } from './document.js';
import { parseErrno } from './errno-value.js';
import type { YamlSource } from './source.js';
import { boundDriverName, deferredRows, deviceState, type RunSummary } from './summary.js';

/** The verdict on one expectation. */
export interface ExpectationResult {
  /** The `expect` key (`bound`, `deferred`, `klog`, ...). */
  readonly kind: string;
  /** What it is about (a device, a pattern, a step id). */
  readonly subject: string;
  /** Held or not. */
  readonly passed: boolean;
  /** What was expected and what happened. */
  readonly message: string;
  /** JSON pointer of the expectation in the scenario. */
  readonly path: string;
  /** Its line in the scenario file, when known. */
  readonly line?: number;
}

/** `/regex/flags` is a regular expression, anything else a substring. */
export function textMatcher(pattern: string): (line: string) => boolean {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  if (m) {
    const re = new RegExp(m[1]!, m[2]);
    return (l) => re.test(l);
  }
  return (l) => l.includes(pattern);
}

/** What expectations need from a run. */
export interface ExpectInput {
  /** The booted kernel. */
  readonly kernel: Kernel;
  /** The run, whose summary only the expectations that need more than the kernel's devices read (it is made on first read). */
  readonly run: { readonly summary: RunSummary };
  /** Step id → result. */
  readonly stepResults: ReadonlyMap<string, number>;
  /** Source, for line numbers. */
  readonly source: YamlSource;
  /** Step id → its outputs (`$id.field`), for `expect.outputs`; undefined when the step gave none. */
  readonly stepOutputs?: (id: string) => Readonly<Record<string, unknown>> | undefined;
}

// A YAML value against a step output: numbers and 64-bit values (bigint) by value, lists and maps element-wise.
function sameValue(got: unknown, want: unknown): boolean {
  if (typeof got === 'bigint') {
    if (typeof want === 'number') return Number.isInteger(want) && got === BigInt(want);
    if (typeof want === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(want)) return got === BigInt(want);
    return false;
  }
  if (Array.isArray(got) || Array.isArray(want)) {
    return Array.isArray(got) && Array.isArray(want) && got.length === want.length && got.every((g, i) => sameValue(g, want[i]));
  }
  if (typeof got === 'object' && got !== null && typeof want === 'object' && want !== null) {
    const g = got as Record<string, unknown>;
    const w = want as Record<string, unknown>;
    const keys = new Set([...Object.keys(g), ...Object.keys(w)]);
    return [...keys].every((k) => sameValue(g[k], w[k]));
  }
  return got === want;
}

function show(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x)) ?? 'undefined';
}

/** One `expect.bound` entry with its JSON pointer and line. */
interface BoundEntry {
  readonly name: string;
  readonly want: string | null;
  readonly path: string;
  readonly line: number | undefined;
  /** The first half of its message: `expected bound to <want>` or `expected unbound`. */
  readonly expected: string;
  /** Its verdict when the device is bound to `want` (null for `want: null`, whose message names the state). */
  readonly held: ExpectationResult | null;
}

// A scenario's `bound` expectations are checked on every run (an exploration runs thousands):
// their pointers, lines and messages' first halves are worked out once per document.
const BOUND_ENTRIES = new WeakMap<object, readonly BoundEntry[]>();

function boundEntries(bound: ExpectDoc['bound'], source: YamlSource): readonly BoundEntry[] {
  if (bound === undefined) return [];
  let entries = BOUND_ENTRIES.get(bound);
  if (entries === undefined) {
    entries = Object.entries(bound).map(([name, want]): BoundEntry => {
      const path = `/expect/bound/${escapePointer(name)}`;
      const line = source.position(path)?.line;
      const expected = want === null ? 'expected unbound' : `expected bound to ${want}`;
      const held = want === null ? null : Object.freeze(result('bound', name, true, `${expected}, bound to ${want}`, path, line));
      return { name, want, path, line, expected, held };
    });
    BOUND_ENTRIES.set(bound, entries);
  }
  return entries;
}

// One verdict; `line` is left out when the source does not know it.
function result(kind: string, subject: string, passed: boolean, message: string, path: string, line: number | undefined): ExpectationResult {
  return line !== undefined ? { kind, subject, passed, message, path, line } : { kind, subject, passed, message, path };
}

// RFC 6901: `~` and `/` in a JSON-pointer segment.
function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Evaluates every expectation of `expect` against a finished run, in document order. */
export function evaluateExpectations(expect: ExpectDoc | undefined, input: ExpectInput): ExpectationResult[] {
  if (expect === undefined) return [];
  const { kernel: k, stepResults, source } = input;
  const out: ExpectationResult[] = [];
  const add = (kind: string, subject: string, path: string, passed: boolean, message: string): void => {
    out.push(result(kind, subject, passed, message, path, source.position(path)?.line));
  };
  // Devices are named by `name` or `bus:name`, as the summary lists them: after the boot the
  // kernel's registered devices are the listed ones, so k.device() finds them and a run judged by
  // its expectations alone never builds its summary.

  for (const { name, want, path, line, expected, held } of boundEntries(expect.bound, source)) {
    const d = k.device(name);
    const driver = d === undefined ? null : boundDriverName(d);
    const passed = d !== undefined && driver === want;
    if (passed && held !== null) {
      out.push(held);
      continue;
    }
    const message = d === undefined ? `no device '${name}'` : `${expected}, ${driver === null ? `is ${deviceState(d)}` : `bound to ${driver}`}`;
    out.push(result('bound', name, passed, message, path, line));
  }

  if (expect.deferred !== undefined) {
    const actual = deferredRows(k);
    const wanted = expect.deferred.map((e) => (typeof e === 'string' ? { device: e, reason: undefined } : e));
    for (const [i, w] of wanted.entries()) {
      const row = actual.find((r) => r.device === w.device || k.device(w.device)?.name === r.device);
      const path = `/expect/deferred/${i}`;
      if (row === undefined) add('deferred', w.device, path, false, 'expected on devices_deferred, is not');
      else if (w.reason !== undefined && !textMatcher(w.reason)(row.reason)) add('deferred', w.device, path, false, `expected reason matching '${w.reason}', is '${row.reason}'`);
      else add('deferred', w.device, path, true, `deferred: ${row.reason || '(no reason)'}`);
    }
    for (const r of actual) {
      if (!wanted.some((w) => w.device === r.device || k.device(w.device)?.name === r.device)) {
        add('deferred', r.device, '/expect/deferred', false, `unexpectedly on devices_deferred: ${r.reason || '(no reason)'}`);
      }
    }
  }

  if (expect.groups !== undefined) {
    const norm = (g: readonly string[]): string => g.map((n) => k.device(n)?.name ?? n).sort().join(' ');
    const actual = input.run.summary.groups.map(norm);
    const wanted = expect.groups.map(norm);
    for (const [i, g] of wanted.entries()) add('groups', `[${g}]`, `/expect/groups/${i}`, actual.includes(g), actual.includes(g) ? 'group present' : `no group of exactly [${g}]; groups: ${actual.map((a) => `[${a}]`).join(' ') || 'none'}`);
    for (const a of actual) if (!wanted.includes(a)) add('groups', `[${a}]`, '/expect/groups', false, `unexpected group [${a}]`);
  }

  for (const [i, l] of (expect.devlinks ?? []).entries()) {
    const sup = k.device(l.supplier)?.name ?? l.supplier;
    const con = k.device(l.consumer)?.name ?? l.consumer;
    const subject = `${sup} -> ${con}`;
    const path = `/expect/devlinks/${i}`;
    const link = input.run.summary.devlinks.find((e) => e.supplier === sup && e.consumer === con);
    if (l.present === false) {
      add('devlinks', subject, path, link === undefined, link === undefined ? 'no such link' : `link exists (${link.status})`);
      continue;
    }
    if (link === undefined) {
      add('devlinks', subject, path, false, 'expected a device link, there is none');
      continue;
    }
    const diffs: string[] = [];
    if (l.status !== undefined && link.status !== l.status) diffs.push(`status '${link.status}' (expected '${l.status}')`);
    if (l.sync_state_only !== undefined && link.syncStateOnly !== l.sync_state_only) diffs.push(`sync_state_only ${link.syncStateOnly} (expected ${l.sync_state_only})`);
    if (l.auto_remove_on !== undefined && link.autoRemoveOn !== l.auto_remove_on) diffs.push(`auto_remove_on '${link.autoRemoveOn}' (expected '${l.auto_remove_on}')`);
    if (l.runtime_pm !== undefined && link.runtimePm !== l.runtime_pm) diffs.push(`runtime_pm ${link.runtimePm} (expected ${l.runtime_pm})`);
    add('devlinks', subject, path, diffs.length === 0, diffs.length === 0 ? `link ${link.status}` : diffs.join(', '));
  }
  if (expect.devlinkCount !== undefined) {
    const { devlinks } = input.run.summary;
    add('devlinkCount', 'devlinks', '/expect/devlinkCount', devlinks.length === expect.devlinkCount, `expected ${expect.devlinkCount} device links, found ${devlinks.length}`);
  }

  if (expect.klog !== undefined) {
    const lines = k.klog.records().map((r) => r.text);
    for (const [i, p] of (expect.klog.present ?? []).entries()) {
      const hit = lines.find(textMatcher(p));
      add('klog', p, `/expect/klog/present/${i}`, hit !== undefined, hit !== undefined ? `found: ${hit}` : 'no klog line matches');
    }
    for (const [i, p] of (expect.klog.absent ?? []).entries()) {
      const hit = lines.find(textMatcher(p));
      add('klog', p, `/expect/klog/absent/${i}`, hit === undefined, hit === undefined ? 'absent' : `unexpected line: ${hit}`);
    }
  }

  for (const [id, want] of Object.entries(expect.errno ?? {})) {
    const path = `/expect/errno/${escapePointer(id)}`;
    const w = parseErrno(want);
    const got = stepResults.get(id);
    if (w === undefined) add('errno', id, path, false, `unknown errno '${want}'`);
    else if (got === undefined) add('errno', id, path, false, `step '${id}' did not run`);
    else add('errno', id, path, got === w, `expected ${w === 0 ? '0' : formatErrno(w)}, got ${got === 0 ? '0' : formatErrno(got)}`);
  }

  for (const [id, fields] of Object.entries(expect.outputs ?? {})) {
    const out = input.stepOutputs?.(id);
    for (const [field, want] of Object.entries(fields)) {
      const path = `/expect/outputs/${escapePointer(id)}/${escapePointer(field)}`;
      if (out === undefined) add('outputs', `${id}.${field}`, path, false, `step '${id}' did not run or has no outputs`);
      else if (!(field in out)) add('outputs', `${id}.${field}`, path, false, `step '${id}' has no output '${field}'; it has ${Object.keys(out).join(', ') || 'none'}`);
      else add('outputs', `${id}.${field}`, path, sameValue(out[field], want), `expected ${show(want)}, got ${show(out[field])}`);
    }
  }

  const counts = expect.counts ?? {};
  for (const [field, table] of [['probeAttempts', counts.probeAttempts], ['deferrals', counts.deferrals]] as const) {
    for (const [name, want] of Object.entries(table ?? {})) {
      const path = `/expect/counts/${field}/${escapePointer(name)}`;
      let got: number | undefined;
      if (name === 'total') got = input.run.summary.devices.reduce((s, d) => s + d[field], 0);
      else {
        const d = k.device(name);
        got = d === undefined ? undefined : field === 'probeAttempts' ? d.probeAttempts : d.deferCount;
      }
      if (field === 'probeAttempts' && name === 'total') got = input.run.summary.probeAttempts;
      add(`counts.${field}`, name, path, got === want, got === undefined ? `no device '${name}'` : `expected ${want}, got ${got}`);
    }
  }
  if (counts.livelocks !== undefined) {
    const { livelocks } = input.run.summary;
    add('counts.livelocks', 'livelocks', '/expect/counts/livelocks', livelocks.length === counts.livelocks, `expected ${counts.livelocks}, got ${livelocks.length}${livelocks.length > 0 ? ` (${livelocks.join(', ')})` : ''}`);
  }

  if (expect.bindOrder !== undefined) {
    const names = expect.bindOrder.map((n) => k.device(n)?.name ?? n);
    const { bindOrder } = input.run.summary;
    const positions = names.map((n) => bindOrder.indexOf(n));
    const missing = names.filter((_, i) => positions[i]! < 0);
    const ordered = positions.every((p, i) => i === 0 || p > positions[i - 1]!);
    add('bindOrder', names.join(' < '), '/expect/bindOrder', missing.length === 0 && ordered,
      missing.length > 0 ? `never bound: ${missing.join(', ')}` : ordered ? 'in order' : `actual order: ${bindOrder.filter((n) => names.includes(n)).join(' < ')}`);
  }

  for (const [name, want] of Object.entries(expect.driversRegistered ?? {})) {
    const got = input.run.summary.drivers.some((d) => d.name === name);
    add('driversRegistered', name, `/expect/driversRegistered/${escapePointer(name)}`, got === want, `expected ${want ? 'registered' : 'not registered'}, is ${got ? 'registered' : 'not registered'}`);
  }
  return out;
}

/** The `expect:` of each userspace step, as `errno` verdicts located at the step. */
export function evaluateStepExpectations(
  steps: readonly { readonly id: string; readonly expect: number | undefined; readonly pointer: string }[],
  stepResults: ReadonlyMap<string, number>,
  source: YamlSource,
): ExpectationResult[] {
  return steps.flatMap((s) => {
    if (s.expect === undefined) return [];
    const path = `${s.pointer}/expect`;
    const got = stepResults.get(s.id);
    const line = source.position(path)?.line;
    const show = (e: number): string => (e === 0 ? '0' : formatErrno(e));
    const message = got === undefined ? `step '${s.id}' did not run` : `expected ${show(s.expect)}, got ${show(got)}`;
    return [{ kind: 'errno', subject: s.id, passed: got === s.expect, message, path, ...(line !== undefined ? { line } : {}) }];
  });
}
