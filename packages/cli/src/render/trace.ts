import type { TraceEvent } from '@kdsim/core';
import { bootTimeline, type Timeline } from './timeline.js';

/** One Chrome trace event (the Trace Event Format: ph, ts/dur in µs, pid, tid). */
export interface ChromeTraceEvent {
  /** Event name. */
  readonly name: string;
  /** Phase: `X` complete slice, `i` instant, `M` metadata. */
  readonly ph: 'X' | 'i' | 'M';
  /** Timestamp (µs of virtual time). */
  readonly ts: number;
  /** Process: always 1 (one kernel). */
  readonly pid: number;
  /** Thread: the execution context's track. */
  readonly tid: number;
  /** Categories. */
  readonly cat?: string;
  /** Duration (µs), for `X`. */
  readonly dur?: number;
  /** Scope of an instant: `t` thread, `g` global. */
  readonly s?: 't' | 'g';
  /** Details. */
  readonly args?: Readonly<Record<string, string | number>>;
}

/** The JSON object form of a trace, as Perfetto and chrome://tracing load it. */
export interface ChromeTrace {
  /** The events: metadata first, then slices and instants by time. */
  readonly traceEvents: readonly ChromeTraceEvent[];
  /** How viewers show times. */
  readonly displayTimeUnit: 'ms' | 'ns';
  /** Free-form data about the trace. */
  readonly otherData: Readonly<Record<string, string | number>>;
}

const TRACK_LABEL = { init: 'init', deferred: 'deferred_probe_work', async: 'async', userspace: 'userspace', timer: 'timer', other: 'other' } as const;

const us = (ns: number): number => ns / 1000;

/** The trace of a timeline (see {@link chromeTrace}). */
export function timelineTrace(t: Timeline, processName = 'kdsim'): ChromeTrace {
  const events: ChromeTraceEvent[] = [{ name: 'process_name', ph: 'M', ts: 0, pid: 1, tid: 0, args: { name: processName } }];
  for (const tr of t.tracks) {
    const label = tr.ctx === TRACK_LABEL[tr.kind] ? tr.ctx : `${tr.ctx} (${tr.kind})`;
    events.push({ name: 'thread_name', ph: 'M', ts: 0, pid: 1, tid: tr.tid, args: { name: label } });
    events.push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid: 1, tid: tr.tid, args: { sort_index: tr.tid } });
  }
  const timed: ChromeTraceEvent[] = [
    ...t.slices.map((s): ChromeTraceEvent => ({ name: s.name, cat: s.cat, ph: 'X', ts: us(s.start), dur: us(s.end - s.start), pid: 1, tid: s.tid, args: s.args })),
    ...t.instants.map((i): ChromeTraceEvent => ({ name: i.name, cat: i.cat, ph: 'i', ts: us(i.time), s: i.global ? 'g' : 't', pid: 1, tid: i.tid, args: i.args })),
  ];
  timed.sort((a, b) => a.ts - b.ts);
  return { traceEvents: [...events, ...timed], displayTimeUnit: 'ms', otherData: { source: 'kdsim', clock: 'virtual', end_us: us(t.end) } };
}

/**
 * A boot's trace events as a Chrome/Perfetto trace: one track per execution
 * context (named by metadata events), probe attempts and module loads as
 * complete slices, deferrals, triggers and timeouts as instants; virtual time
 * in µs.
 */
export function chromeTrace(events: readonly TraceEvent[], processName = 'kdsim'): ChromeTrace {
  return timelineTrace(bootTimeline(events), processName);
}
