import { formatErrno, type ThreadKind, type TraceEvent } from '@kdsim/core';

/** One execution context of the boot, drawn as one track. */
export interface TimelineTrack {
  /** Track number (trace-event `tid`), from 1, in display order. */
  readonly tid: number;
  /** The context name the trace events carry (`init`, `async:eth`, ...). */
  readonly ctx: string;
  /** What kind of context it is. */
  readonly kind: ThreadKind | 'other';
}

/** Something that took virtual time on one track: a probe attempt, a module load. */
export interface TimelineSlice {
  /** Track. */
  readonly tid: number;
  /** `probe <device>`, `insmod <module>`. */
  readonly name: string;
  /** `probe` or `module`. */
  readonly cat: string;
  /** Start (ns of virtual time). */
  readonly start: number;
  /** End (ns). */
  readonly end: number;
  /** Details: driver, result. */
  readonly args: Readonly<Record<string, string | number>>;
}

/** A moment on one track (or the whole boot): a deferral, a trigger, the timeout. */
export interface TimelineInstant {
  /** Track. */
  readonly tid: number;
  /** The trace event type, and the device when it names one (`probe_defer 6300000.dsp`). */
  readonly name: string;
  /** Category (`deferred`, `device`, `driver`, `devlink`, `initcall`, `module`, `userspace`, `custom`). */
  readonly cat: string;
  /** Time (ns). */
  readonly time: number;
  /** True for boot-wide events (the deferred-probe timeout). */
  readonly global: boolean;
  /** Details. */
  readonly args: Readonly<Record<string, string | number>>;
}

/** The boot as tracks, slices and instants (what `trace` and `report` draw). */
export interface Timeline {
  /** Tracks in display order: init, deferred work, async workers, userspace, timer. */
  readonly tracks: readonly TimelineTrack[];
  /** Probe attempts and module loads. */
  readonly slices: readonly TimelineSlice[];
  /** Everything else. */
  readonly instants: readonly TimelineInstant[];
  /** Time of the last event (ns). */
  readonly end: number;
}

const ORDER: readonly (ThreadKind | 'other')[] = ['init', 'deferred', 'async', 'userspace', 'timer', 'other'];

/** The kind of an execution context, from the names the kernel gives its threads. */
export function contextKind(ctx: string): ThreadKind | 'other' {
  if (ctx === 'init') return 'init';
  if (ctx === 'userspace') return 'userspace';
  if (ctx.startsWith('async')) return 'async';
  if (ctx.endsWith('_timeout') || ctx.startsWith('timer')) return 'timer';
  if (ctx.startsWith('deferred')) return 'deferred';
  return 'other';
}

const CATEGORY: Readonly<Partial<Record<TraceEvent['type'], string>>> = {
  initcall: 'initcall', device_add: 'device', device_del: 'device', driver_register: 'driver', driver_unregister: 'driver',
  probe_defer: 'deferred', deferred_add: 'deferred', deferred_retry: 'deferred', deferred_trigger: 'deferred', timeout: 'deferred',
  timeout_extend: 'deferred', livelock: 'deferred', async_schedule: 'probe', unbind: 'probe', devlink_add: 'devlink', devlink_del: 'devlink',
  sync_state: 'devlink', userspace: 'userspace', custom: 'custom',
};

// The event's own fields, minus the common ones, as display arguments.
function argsOf(e: TraceEvent): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, v] of Object.entries(e)) {
    if (key === 'type' || key === 'time' || key === 'ctx' || v === undefined) continue;
    out[key] = typeof v === 'number' || typeof v === 'string' ? v : JSON.stringify(v);
  }
  if ('errno' in e) out['errno'] = formatErrno(e.errno);
  return out;
}

/**
 * Turns a boot's trace events into tracks, slices and instants: a probe
 * attempt is a slice from `probe_start` to the `bound`, `probe_defer`,
 * `probe_fail` or `probe_reject` of the same device in the same context; a
 * module load from `module_load` to `module_loaded`; the rest (deferrals,
 * triggers, timeouts, registrations) are instants. An attempt still open at
 * the end closes there with result `unfinished`.
 */
export function bootTimeline(events: readonly TraceEvent[]): Timeline {
  const ctxs = [...new Set(events.map((e) => e.ctx))];
  const sorted = ctxs.map((ctx, i) => ({ ctx, i, kind: contextKind(ctx) })).sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) || a.i - b.i);
  const tracks: TimelineTrack[] = sorted.map((t, i) => ({ tid: i + 1, ctx: t.ctx, kind: t.kind }));
  const tidOf = new Map(tracks.map((t) => [t.ctx, t.tid]));
  const slices: TimelineSlice[] = [];
  const instants: TimelineInstant[] = [];
  const open = new Map<string, { start: number; driver: string; name: string; cat: string }>();
  const end = events.reduce((m, e) => Math.max(m, e.time), 0);
  const close = (key: string, tid: number, time: number, result: string, extra: Record<string, string | number> = {}): void => {
    const o = open.get(key);
    if (o === undefined) return;
    open.delete(key);
    slices.push({ tid, name: o.name, cat: o.cat, start: o.start, end: time, args: { ...(o.driver !== '' ? { driver: o.driver } : {}), result, ...extra } });
  };
  for (const e of events) {
    const tid = tidOf.get(e.ctx) ?? 0;
    switch (e.type) {
      case 'probe_start':
        open.set(`${e.ctx}\0${e.device}`, { start: e.time, driver: e.driver, name: `probe ${e.device}`, cat: 'probe' });
        continue;
      case 'bound':
        close(`${e.ctx}\0${e.device}`, tid, e.time, 'bound');
        continue;
      case 'probe_fail':
      case 'probe_reject':
        close(`${e.ctx}\0${e.device}`, tid, e.time, `${e.type === 'probe_fail' ? 'failed' : 'rejected'} ${formatErrno(e.errno)}`);
        continue;
      case 'probe_defer':
        close(`${e.ctx}\0${e.device}`, tid, e.time, 'deferred', { reason: e.reason, where: e.where });
        break;
      case 'module_load':
        open.set(`${e.ctx}\0module:${e.module}`, { start: e.time, driver: '', name: `insmod ${e.module}`, cat: 'module' });
        continue;
      case 'module_loaded':
        close(`${e.ctx}\0module:${e.module}`, tid, e.time, 'loaded');
        continue;
      default:
        break;
    }
    instants.push({ tid, name: 'device' in e ? `${e.type} ${e.device}` : e.type, cat: CATEGORY[e.type] ?? 'other', time: e.time, global: e.type === 'timeout', args: argsOf(e) });
  }
  for (const [key, o] of open) {
    const tid = tidOf.get(key.slice(0, key.indexOf('\0'))) ?? 0;
    slices.push({ tid, name: o.name, cat: o.cat, start: o.start, end, args: { ...(o.driver !== '' ? { driver: o.driver } : {}), result: 'unfinished' } });
  }
  slices.sort((a, b) => a.start - b.start || a.tid - b.tid);
  return { tracks, slices, instants, end };
}
