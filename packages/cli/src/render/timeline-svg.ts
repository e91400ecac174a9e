import { escapeHtml } from './html.js';
import type { Timeline, TimelineSlice } from './timeline.js';

/** Layout of {@link renderTimelineSvg}. */
export interface TimelineSvgOptions {
  /** Width of the drawing area in px (default 1000). */
  readonly width?: number;
  /** Idle stretches longer than this (ns) are drawn cut short (default 1 ms). */
  readonly maxGap?: number;
}

const LABEL_W = 200;
const ROW_H = 24;
const AXIS_H = 28;

const seconds = (ns: number): string => `${(ns / 1e9).toFixed(6)} s`;

function sliceColor(s: TimelineSlice): string {
  const r = String(s.args['result'] ?? '');
  if (s.cat === 'module') return '#7e57c2';
  if (r === 'bound') return '#43a047';
  if (r === 'deferred') return '#fb8c00';
  if (r === 'unfinished') return '#90a4ae';
  return '#e53935';
}

/**
 * The boot timeline as inline SVG: one row per execution context, probe
 * attempts and module loads as bars, instants as ticks, with hover titles.
 * Time runs left to right, but idle stretches longer than `maxGap` are cut
 * short and marked (a boot waits seconds for userspace while probes take
 * microseconds), so x is monotonic in time but not linear.
 */
export function renderTimelineSvg(t: Timeline, options: TimelineSvgOptions = {}): string {
  const width = options.width ?? 1000;
  const maxGap = options.maxGap ?? 1_000_000;
  const times = [...new Set([0, t.end, ...t.slices.flatMap((s) => [s.start, s.end]), ...t.instants.map((i) => i.time)])].sort((a, b) => a - b);
  // Compressed position of each event time; a zero-length step still gets a sliver so bars stay visible.
  const pos = new Map<number, number>();
  const cuts: { at: number; gap: number }[] = [];
  let acc = 0;
  times.forEach((time, i) => {
    const prev = times[i - 1];
    if (prev !== undefined) {
      const gap = time - prev;
      if (gap > maxGap) cuts.push({ at: acc + maxGap / 2, gap });
      acc += Math.min(gap, maxGap);
    }
    pos.set(time, acc);
  });
  const total = acc > 0 ? acc : 1;
  const x = (time: number): number => LABEL_W + ((pos.get(time) ?? 0) / total) * width;
  const height = AXIS_H + t.tracks.length * ROW_H + 4;
  const rowY = new Map(t.tracks.map((tr, i) => [tr.tid, AXIS_H + i * ROW_H]));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${LABEL_W + width + 20}" height="${height}" viewBox="0 0 ${LABEL_W + width + 20} ${height}" role="img" aria-label="boot timeline">`,
  ];
  for (const tr of t.tracks) {
    const y = rowY.get(tr.tid) ?? 0;
    out.push(`<g class="tl-track" data-kind="${escapeHtml(tr.kind)}"><rect x="0" y="${y}" width="${LABEL_W + width + 20}" height="${ROW_H}" fill="${tr.tid % 2 === 0 ? '#fafafa' : '#f0f0f0'}"/>`
      + `<text x="4" y="${y + 16}" font-size="11">${escapeHtml(tr.ctx.length > 30 ? `${tr.ctx.slice(0, 29)}…` : tr.ctx)}<title>${escapeHtml(`${tr.ctx} (${tr.kind})`)}</title></text></g>`);
  }
  for (const c of cuts) {
    const cx = LABEL_W + (c.at / total) * width;
    out.push(`<g class="tl-cut"><line x1="${cx.toFixed(1)}" y1="${AXIS_H - 6}" x2="${cx.toFixed(1)}" y2="${height}" stroke="#bbb" stroke-dasharray="2,3"/>`
      + `<text x="${cx.toFixed(1)}" y="${AXIS_H - 8}" font-size="9" text-anchor="middle" fill="#777">+${escapeHtml((c.gap / 1e9).toFixed(3))} s</text></g>`);
  }
  out.push(`<text x="${LABEL_W}" y="12" font-size="10" fill="#555">0 s</text><text x="${LABEL_W + width}" y="12" font-size="10" fill="#555" text-anchor="end">${escapeHtml(seconds(t.end))}</text>`);
  for (const s of t.slices) {
    const y = rowY.get(s.tid) ?? 0;
    const x0 = x(s.start);
    const w = Math.max(2, x(s.end) - x0);
    const info = [s.name, `${seconds(s.start)} + ${((s.end - s.start) / 1000).toFixed(0)} µs`, ...Object.entries(s.args).map(([k, v]) => `${k}: ${v}`)].join('\n');
    out.push(`<rect class="tl-slice" data-cat="${escapeHtml(s.cat)}" x="${x0.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${ROW_H - 8}" fill="${sliceColor(s)}"><title>${escapeHtml(info)}</title></rect>`);
  }
  for (const i of t.instants) {
    if (i.cat !== 'deferred') continue; // deferrals, triggers, timeouts: the events the timeline is read for
    const y = rowY.get(i.tid) ?? 0;
    const xi = x(i.time).toFixed(1);
    const info = [i.name, seconds(i.time), ...Object.entries(i.args).map(([k, v]) => `${k}: ${v}`)].join('\n');
    const y0 = i.global ? AXIS_H : y + 2;
    const y1 = i.global ? height : y + ROW_H - 2;
    out.push(`<line class="tl-instant" x1="${xi}" y1="${y0}" x2="${xi}" y2="${y1}" stroke="${i.global ? '#c62828' : '#6d4c41'}" stroke-width="${i.global ? 2 : 1}"><title>${escapeHtml(info)}</title></line>`);
  }
  out.push('</svg>');
  return out.join('\n');
}
