import { formatErrno } from '@kdsim/core';
import { runScenario, type RunOptions, type RunResult } from './runner.js';
import type { Scenario } from './scenario.js';

/** One side of a diff: a profile name (`linux-5.10`), a policy override (`fw_devlink=strict`), or run options. */
export type DiffSide = string | RunOptions;

/** One difference between the two runs. */
export interface DiffRow {
  /** The device (or, for `errno`, the step id). */
  readonly subject: string;
  /** What differs. */
  readonly field: 'driver' | 'deferred' | 'group' | 'errno';
  /** Value in run A (null: unbound / not deferred / no group / did not run). */
  readonly a: string | null;
  /** Value in run B. */
  readonly b: string | null;
}

/** What {@link diffScenario} returns. */
export interface ScenarioDiff {
  /** The options each side ran with. */
  readonly sides: readonly [RunOptions, RunOptions];
  /** The two runs. */
  readonly runs: readonly [RunResult, RunResult];
  /** The differences, device by device in run A's registration order, then steps. */
  readonly rows: readonly DiffRow[];
}

/** Turns `linux-5.10` into `{ profile }` and `fw_devlink=strict` into `{ policy: { fw_devlink: 'strict' } }`. */
export function diffSideOptions(side: DiffSide): RunOptions {
  if (typeof side !== 'string') return side;
  const eq = side.indexOf('=');
  if (eq < 0) return { profile: side };
  const policy: Record<string, string> = {};
  for (const part of side.split(',')) {
    const i = part.indexOf('=');
    policy[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return { policy };
}

function groupsByDevice(r: RunResult): Map<string, string> {
  const out = new Map<string, string>();
  for (const g of r.summary.groups) for (const d of g) out.set(d, [...g].sort().join(' '));
  return out;
}

/** Runs `scenario` twice, as `a` and as `b`, and lists which devices changed driver, deferral (reason), group or step errno. */
export function diffScenario(scenario: Scenario, a: DiffSide, b: DiffSide): ScenarioDiff {
  const sides = [diffSideOptions(a), diffSideOptions(b)] as const;
  const runs = [runScenario(scenario, sides[0]), runScenario(scenario, sides[1])] as const;
  const rows: DiffRow[] = [];
  const [ra, rb] = runs;
  const devA = new Map(ra.summary.devices.map((d) => [d.name, d]));
  const devB = new Map(rb.summary.devices.map((d) => [d.name, d]));
  const defA = new Map(ra.summary.deferred.map((d) => [d.device, d.reason]));
  const defB = new Map(rb.summary.deferred.map((d) => [d.device, d.reason]));
  const grpA = groupsByDevice(ra);
  const grpB = groupsByDevice(rb);
  const names = [...new Set([...devA.keys(), ...devB.keys()])];
  for (const name of names) {
    const da = devA.get(name);
    const db = devB.get(name);
    const drvA = da === undefined ? '(absent)' : da.driver;
    const drvB = db === undefined ? '(absent)' : db.driver;
    if (drvA !== drvB) rows.push({ subject: name, field: 'driver', a: drvA, b: drvB });
    const fa = defA.has(name) ? defA.get(name)! || '(no reason)' : null;
    const fb = defB.has(name) ? defB.get(name)! || '(no reason)' : null;
    if (fa !== fb) rows.push({ subject: name, field: 'deferred', a: fa, b: fb });
    const ga = grpA.get(name) ?? null;
    const gb = grpB.get(name) ?? null;
    if (ga !== gb) rows.push({ subject: name, field: 'group', a: ga, b: gb });
  }
  const fmt = (v: number | undefined): string | null => (v === undefined ? null : v === 0 ? '0' : formatErrno(v));
  for (const id of new Set([...ra.stepResults.keys(), ...rb.stepResults.keys()])) {
    const ea = fmt(ra.stepResults.get(id));
    const eb = fmt(rb.stepResults.get(id));
    if (ea !== eb) rows.push({ subject: id, field: 'errno', a: ea, b: eb });
  }
  return { sides, runs, rows };
}
