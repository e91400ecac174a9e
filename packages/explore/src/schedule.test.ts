import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExploreError } from './errors.js';
import { xenGrantDmaStandIn } from './examples.js';
import { decodeSchedule, encodeSchedule, scheduleOf, type Schedule } from './schedule.js';
import { runOnce, runSchedule } from './verdict.js';
import { SampleStrategy } from './search.js';

const schedules = fc.uniqueArray(fc.nat({ max: 100_000 }), { maxLength: 30 }).chain((positions) =>
  fc.array(fc.integer({ min: 1, max: 300 }), { minLength: positions.length, maxLength: positions.length })
    .map((opts): Schedule => ({ choices: [...positions].sort((a, b) => a - b).map((p, i) => [p, opts[i]!] as const) })));

function tokenError(token: string): ExploreError {
  try {
    decodeSchedule(token);
  } catch (e) {
    if (e instanceof ExploreError) return e;
    throw e;
  }
  throw new Error(`'${token}' decoded`);
}

describe('replay tokens', () => {
  it('round-trip any schedule, versioned and URL-safe', () => {
    fc.assert(fc.property(schedules, (s) => {
      const t = encodeSchedule(s);
      expect(t).toMatch(/^k1\.[A-Za-z0-9_-]+$/);
      expect(decodeSchedule(t)).toEqual(s);
    }));
  });

  it('are compact: the empty schedule is k1.AA, one early choice takes 4 characters of payload', () => {
    expect(encodeSchedule({ choices: [] })).toBe('k1.AA');
    expect(encodeSchedule({ choices: [[5, 1]] })).toBe('k1.AQUB');
  });

  it('reject other versions, garbage, truncation, trailing bytes and default options, naming what was expected', () => {
    expect(tokenError('k2.AA').message).toContain('format version 1');
    expect(tokenError('hello').kind).toBe('token');
    expect(tokenError('k1.AQ').message).toContain('position gap of choice 0');
    expect(tokenError('k1.AAA').message).toContain('bytes left over');
    expect(tokenError(encodeSchedule({ choices: [[3, 1]] }).replace(/B$/, 'A')).message).toContain('non-default option');
  });
});

describe('schedules replay a boot exactly', () => {
  it('the choices a seeded boot made, replayed, give the same trace hash and verdict', () => {
    const target = xenGrantDmaStandIn({ consumers: 3 });
    for (let i = 1; i < 20; i++) {
      const run = runOnce(target, new SampleStrategy(7, i));
      const again = runSchedule(target, scheduleOf(run.chosen));
      expect(again.hash).toBe(run.hash);
      expect(again.failures).toEqual(run.failures);
    }
  });
});

describe('a sample strategy varies the allowed kinds of choice only', () => {
  const point = (kind: 'thread' | 'initcall') => ({ kind, time: 0, count: 8, options: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] });
  const picks = (s: SampleStrategy, kind: 'thread' | 'initcall') => Array.from({ length: 40 }, () => s.choose(point(kind)));

  it('every real kind by default; run 0 is the default boot', () => {
    expect(picks(new SampleStrategy(3, 5), 'thread').some((p) => p !== 0)).toBe(true);
    expect(picks(new SampleStrategy(3, 5), 'initcall').some((p) => p !== 0)).toBe(true);
    expect(picks(new SampleStrategy(3, 0), 'thread').every((p) => p === 0)).toBe(true);
  });

  it('a kind left out of `kinds` always takes option 0', () => {
    const s = new SampleStrategy(3, 5, ['initcall']);
    expect(picks(s, 'thread').every((p) => p === 0)).toBe(true);
    expect(picks(s, 'initcall').some((p) => p !== 0)).toBe(true);
  });
});
