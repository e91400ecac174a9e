import { ScheduleStrategy, type ChoicePoint, type Decision } from '@kdsim/core';
import { ExploreError } from './errors.js';

/**
 * A schedule: the non-default answers of a boot's choice points, by position
 * in the boot's decision list (`Scheduler.decisions`). Every other choice
 * point takes option 0, the kernel's default. Sparse, so a minimal schedule
 * is short whatever the length of the boot.
 */
export interface Schedule {
  /** `[position, option]` pairs, positions strictly increasing, options ≥ 1. */
  readonly choices: readonly (readonly [number, number])[];
}

/** The schedule that changes nothing: the default boot. */
export const DEFAULT_SCHEDULE: Schedule = { choices: [] };

/** The sparse schedule of a dense list of chosen options (one per choice point). */
export function scheduleOf(chosen: readonly number[]): Schedule {
  const choices: [number, number][] = [];
  for (let i = 0; i < chosen.length; i++) if (chosen[i]! > 0) choices.push([i, chosen[i]!]);
  return { choices };
}

/** The dense list of a boot's chosen options. */
export function chosenOf(decisions: readonly Decision[]): number[] {
  return decisions.map((d) => d.chosen);
}

/** Number of non-default choices (what the shrinker minimises first). */
export function deviations(s: Schedule): number {
  return s.choices.length;
}

/**
 * Replays a {@link Schedule}: position i gets its listed option, anything
 * else option 0. Out-of-range options are clamped by the scheduler, so any
 * schedule is valid for any boot (it may just mean something else).
 */
export class ScheduleReplay extends ScheduleStrategy {
  readonly #at = new Map<number, number>();
  #i = 0;

  /** Creates a strategy replaying `schedule`. */
  constructor(readonly schedule: Schedule) {
    super();
    for (const [pos, opt] of schedule.choices) this.#at.set(pos, opt);
  }

  choose(point: ChoicePoint): number {
    const c = this.#at.get(this.#i++) ?? 0;
    return c < point.count ? c : point.count - 1;
  }
}

/** Version of the replay-token format (the `k1` of `k1.<payload>`). */
export const TOKEN_VERSION = 1;
const PREFIX = `k${TOKEN_VERSION}.`;

/**
 * Encodes a schedule as a replay token: `k1.` then base64url of unsigned
 * LEB128 varints — the number of choices, then per choice the gap from the
 * previous position and the option. The empty schedule is `k1.AA`.
 */
export function encodeSchedule(s: Schedule): string {
  const bytes: number[] = [];
  const put = (n: number): void => {
    let v = n;
    while (v >= 0x80) {
      bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
  };
  put(s.choices.length);
  let prev = -1;
  for (const [pos, opt] of s.choices) {
    put(pos - prev - 1);
    put(opt);
    prev = pos;
  }
  return PREFIX + Buffer.from(bytes).toString('base64url');
}

/** Decodes a replay token made by {@link encodeSchedule}; throws {@link ExploreError} (`token`) on anything else. */
export function decodeSchedule(token: string): Schedule {
  const t = token.trim();
  const m = /^k(\d+)\.([A-Za-z0-9_-]*)$/.exec(t);
  if (m === null) throw new ExploreError('token', `replay token '${t}'`, `'k${TOKEN_VERSION}.' followed by base64url`);
  if (Number(m[1]) !== TOKEN_VERSION) throw new ExploreError('token', `replay token '${t}'`, `format version ${TOKEN_VERSION}`, `got version ${m[1]}`);
  const bytes = Buffer.from(m[2]!, 'base64url');
  let off = 0;
  const get = (what: string): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = bytes[off];
      if (b === undefined) throw new ExploreError('token', `replay token '${t}' at byte ${off}`, what, 'token is truncated');
      off++;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
      if (mul > 2 ** 49) throw new ExploreError('token', `replay token '${t}' at byte ${off}`, what, 'number too large');
    }
  };
  const n = get('the number of choices');
  const choices: [number, number][] = [];
  let pos = -1;
  for (let i = 0; i < n; i++) {
    pos += get(`the position gap of choice ${i}`) + 1;
    const opt = get(`the option of choice ${i}`);
    if (opt === 0) throw new ExploreError('token', `replay token '${t}', choice ${i}`, 'a non-default option (≥ 1)');
    choices.push([pos, opt]);
  }
  if (off !== bytes.length) throw new ExploreError('token', `replay token '${t}' at byte ${off}`, 'the end of the token', `${bytes.length - off} bytes left over`);
  return { choices };
}
