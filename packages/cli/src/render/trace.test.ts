import { describe, expect, it } from 'vitest';
import { bootSocExample, SOC_EXAMPLE } from '../testing/default.js';
import { main } from '../main.js';
import { captureIo } from '../testing/capture.js';
import { HOSTILE, linkedMachine } from '../testing/kernels.js';
import { contextKind } from './timeline.js';
import { chromeTrace, type ChromeTrace, type ChromeTraceEvent } from './trace.js';

const k = linkedMachine().boot();
const trace = chromeTrace(k.traceLog);
const timed = trace.traceEvents.filter((e) => e.ph !== 'M');
const threadNames = new Map(trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [e.tid, String(e.args?.['name'])]));
const slices = (name: string): ChromeTraceEvent[] => timed.filter((e) => e.ph === 'X' && e.name === name);

// The Trace Event Format rules a viewer relies on (JSON object format).
function checkFormat(t: ChromeTrace): string[] {
  const errors: string[] = [];
  const named = new Set<number>();
  for (const [i, e] of t.traceEvents.entries()) {
    const at = `event ${i} (${e.name})`;
    if (typeof e.name !== 'string' || e.name === '') errors.push(`${at}: no name`);
    if (!['X', 'i', 'M'].includes(e.ph)) errors.push(`${at}: ph ${e.ph}`);
    if (!Number.isFinite(e.ts) || e.ts < 0) errors.push(`${at}: ts ${e.ts}`);
    if (!Number.isInteger(e.pid) || !Number.isInteger(e.tid)) errors.push(`${at}: pid/tid not integers`);
    if (e.ph === 'X' && (e.dur === undefined || !Number.isFinite(e.dur) || e.dur < 0)) errors.push(`${at}: X without dur`);
    if (e.ph === 'i' && !['t', 'p', 'g'].includes(e.s ?? '')) errors.push(`${at}: instant scope ${e.s}`);
    if (e.ph === 'M') {
      if (!['process_name', 'thread_name', 'thread_sort_index'].includes(e.name)) errors.push(`${at}: unknown metadata`);
      if (e.name === 'thread_name') named.add(e.tid);
    }
    if (e.ph !== 'M' && !named.has(e.tid)) errors.push(`${at}: tid ${e.tid} has no thread_name before it`);
  }
  const ts = t.traceEvents.filter((e) => e.ph !== 'M').map((e) => e.ts);
  if (ts.some((v, i) => i > 0 && v < (ts[i - 1] ?? 0))) errors.push('timed events out of order');
  // Complete events on one thread must nest: none may start inside another and end after it.
  const byTid = new Map<number, ChromeTraceEvent[]>();
  for (const e of t.traceEvents) if (e.ph === 'X') byTid.set(e.tid, [...(byTid.get(e.tid) ?? []), e]);
  for (const [tid, xs] of byTid) {
    for (const a of xs) for (const b of xs) if (a !== b && b.ts > a.ts && b.ts < a.ts + (a.dur ?? 0) && b.ts + (b.dur ?? 0) > a.ts + (a.dur ?? 0)) errors.push(`tid ${tid}: ${a.name} and ${b.name} overlap`);
  }
  return errors;
}

describe('chromeTrace', () => {
  it('follows the trace-event format rules (ph, ts, dur, pid, tid, names, metadata, nesting, order)', () => {
    expect(checkFormat(trace)).toEqual([]);
    expect(checkFormat(chromeTrace(bootSocExample().traceLog))).toEqual([]);
    expect(JSON.parse(JSON.stringify(trace))).toEqual(trace);
  });

  it('one named track per execution context, in the order init, deferred work, async workers, userspace, timer', () => {
    expect([...threadNames.values()]).toEqual([
      'init', 'deferred_probe_work', 'async:eth (async)', `async:${HOSTILE} (async)`, 'userspace', 'deferred_probe_timeout (timer)',
    ]);
    expect(contextKind('deferred_probe_timeout')).toBe('timer');
  });

  it('probe attempts are complete slices with virtual-time ts/dur in µs and the result; one per attempt the kernel counted', () => {
    expect(slices('probe soc')).toEqual([{ name: 'probe soc', cat: 'probe', ph: 'X', ts: 163, dur: 110, pid: 1, tid: 1, args: { driver: 'soc-drv', result: 'bound' } }]);
    expect(slices('probe eth')).toMatchObject([{ ts: 573, dur: 110, args: { result: 'bound' } }]);
    expect(threadNames.get(slices('probe eth')[0]!.tid)).toBe('async:eth (async)');
    expect(slices('probe camera').map((e) => threadNames.get(e.tid))).toEqual(['init', 'deferred_probe_work', 'deferred_probe_work', 'deferred_probe_work', 'deferred_probe_work']);
    expect(slices('probe camera')[0]?.args).toEqual({ driver: 'cam-drv', result: 'deferred', reason: 'supplier pmic not ready', where: 'links' });
    expect(timed.filter((e) => e.ph === 'X' && e.cat === 'probe')).toHaveLength(k.stats.probeAttempts);
  });

  it('the module load is a slice on the userspace track; deferrals, triggers and the timeout are instants', () => {
    expect(slices('insmod smmu')).toMatchObject([{ ts: 1421035, dur: 130, args: { result: 'loaded' } }]);
    expect(threadNames.get(slices('insmod smmu')[0]!.tid)).toBe('userspace');
    const instants = (name: string): ChromeTraceEvent[] => timed.filter((e) => e.ph === 'i' && e.name === name);
    expect(instants('probe_defer pmic')).toHaveLength(5); // at init, then on each of the four triggers
    expect(instants('deferred_trigger').map((e) => e.ts)).toEqual([795, 915, 1421165, 11421165]);
    expect(instants('timeout')).toEqual([{ name: 'timeout', cat: 'deferred', ph: 'i', ts: 11421165, s: 'g', pid: 1, tid: 6, args: {} }]);
  });
});

describe('kdsim trace', () => {
  it('prints a scenario\'s trace as one JSON document', async () => {
    const io = captureIo();
    expect(await main(['trace', SOC_EXAMPLE], io)).toBe(0);
    const t = JSON.parse(io.out()) as ChromeTrace;
    expect(checkFormat(t)).toEqual([]);
    expect(t.traceEvents.filter((e) => e.ph === 'X' && e.name === 'probe 6300000.dsp').length).toBeGreaterThan(1);
  });
});
