import { createHash } from 'node:crypto';
import type { Kernel } from '@kdsim/core';
import { deviceGraph, renderDot, renderSvg, type DeviceGraph, type IommuEdge } from './graph.js';
import { escapeHtml } from './html.js';
import { bootTimeline, type Timeline } from './timeline.js';
import { renderTimelineSvg } from './timeline-svg.js';

/** Everything one report shows; every string in it is escaped when rendered. */
export interface ReportData {
  /** Page title (a scenario or machine name). */
  readonly title: string;
  /** Summary facts, in order (`kernel` → `linux-6.12`). */
  readonly facts: readonly (readonly [string, string])[];
  /** The device graph (for the device table). */
  readonly graph: DeviceGraph;
  /** The graph drawn by graphviz, as SVG markup (graphviz escapes the labels). */
  readonly graphSvg: string;
  /** The boot timeline. */
  readonly timeline: Timeline;
  /** The kernel log lines. */
  readonly log: readonly string[];
  /** The replayed ordering, when the boot followed a `--schedule` token. */
  readonly schedule?: ReportSchedule;
}

/** A replayed ordering as a report shows it. */
export interface ReportSchedule {
  /** The replay token. */
  readonly token: string;
  /** One line per non-default choice, as `kdsim explore` describes them. */
  readonly choices: readonly string[];
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1400px;padding:1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}
.scroll{overflow:auto;border:1px solid #ddd;max-height:80vh}
.state-bound{color:#2e7d32}.state-deferred{color:#e65100}.state-unbound,.state-probing{color:#616161}
#log{font:12px/1.35 ui-monospace,monospace;white-space:pre;margin:0;padding:.5em}
#log .l[hidden]{display:none}
svg.graph g.node{cursor:pointer}
`;

// Log filter, and clicking a device in the graph filters the log by its name. Reads text only, never writes markup.
const SCRIPT = `(() => {
  const input = document.getElementById('log-filter');
  const lines = Array.from(document.querySelectorAll('#log .l'));
  const apply = () => {
    const q = input.value.toLowerCase();
    for (const l of lines) l.hidden = q !== '' && !l.textContent.toLowerCase().includes(q);
  };
  input.addEventListener('input', apply);
  for (const node of document.querySelectorAll('svg.graph g.node')) {
    node.addEventListener('click', () => {
      const t = node.querySelector('text');
      input.value = t === null ? '' : t.textContent;
      apply();
      document.getElementById('log-section').scrollIntoView();
    });
  }
})();`;

// Graphviz's document minus its XML prolog, DOCTYPE and comments, marked for the script and styles.
function inlineSvg(svg: string): string {
  const start = svg.indexOf('<svg');
  return start < 0 ? '' : svg.slice(start).replace(/<!--[\s\S]*?-->/g, '').replace(/^<svg/, '<svg class="graph"');
}

/**
 * The report as one self-contained HTML page: summary, device table, graph,
 * timeline and log; inline CSS, SVG and one inline script allowed by a
 * Content-Security-Policy hash (no network, nothing else may run). Every
 * string from firmware, scenarios or the log goes through `escapeHtml`.
 */
export function renderReportHtml(d: ReportData): string {
  const hash = createHash('sha256').update(SCRIPT).digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${hash}'`;
  const facts = d.facts.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  const devices = d.graph.nodes.map((n) => `<tr><td>${escapeHtml(n.name)}</td><td>${escapeHtml(n.bus)}</td><td class="state-${n.state}">${n.state}</td>`
    + `<td>${escapeHtml(n.driver ?? '')}</td><td>${escapeHtml(n.deferredReason ?? '')}</td></tr>`).join('\n');
  const log = d.log.map((l) => `<div class="l">${escapeHtml(l)}</div>`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(d.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(d.title)}</h1>
<section id="summary"><h2>Summary</h2>
<table class="facts">
${facts}
</table>
<h3>Devices</h3>
<table class="devices"><thead><tr><th>device</th><th>bus</th><th>state</th><th>driver</th><th>deferred because</th></tr></thead><tbody>
${devices}
</tbody></table>
</section>
${d.schedule === undefined ? '' : `<section id="schedule-section"><h2>Schedule</h2>
<p>This boot replayed <code>${escapeHtml(d.schedule.token)}</code>: ${d.schedule.choices.length === 0 ? 'every choice the default one.' : 'the choices below differ from the default ordering.'}</p>
<ol class="schedule">${d.schedule.choices.map((c) => `<li>${escapeHtml(c)}</li>`).join('')}</ol>
</section>
`}<section id="graph-section"><h2>Device graph</h2>
<div class="scroll">${inlineSvg(d.graphSvg)}</div>
</section>
<section id="timeline-section"><h2>Timeline</h2>
<p>One row per execution context. Bars: probe attempts (green bound, orange deferred, red failed) and module loads (purple); ticks: deferrals and triggers; red line: the deferred-probe timeout. Long idle stretches are cut short and marked.</p>
<div class="scroll">${renderTimelineSvg(d.timeline)}</div>
</section>
<section id="log-section"><h2>Kernel log</h2>
<p><label>filter <input id="log-filter" type="search" autocomplete="off"></label> (click a device in the graph to filter by it)</p>
<div class="scroll"><div id="log">${log}</div></div>
</section>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

/** Options of {@link buildReport}. */
export interface BuildReportOptions {
  /** Page title (default `kdsim report`). */
  readonly title?: string;
  /** IOMMU → endpoint edges for the graph, when an IOMMU layer provides them. */
  readonly iommuEdges?: readonly IommuEdge[];
  /** The replayed ordering to show. */
  readonly schedule?: ReportSchedule;
}

/** What a report of a booted kernel shows (booted with `recordTrace` for a timeline). */
export async function reportData(k: Kernel, options: BuildReportOptions = {}): Promise<ReportData> {
  const graph = deviceGraph(k, options.iommuEdges !== undefined ? { iommuEdges: options.iommuEdges } : {});
  const deferred = graph.nodes.filter((n) => n.state === 'deferred').length;
  return {
    title: options.title ?? 'kdsim report',
    facts: [
      ['kernel', k.profile.name], ['command line', k.cmdline.raw], ['devices', String(graph.nodes.length)],
      ['bound', String(graph.nodes.filter((n) => n.state === 'bound').length)], ['deferred', String(deferred)],
      ['probe attempts', String(k.stats.probeAttempts)], ['ended at', `${(k.clock.now / 1e9).toFixed(6)} s`],
    ],
    graph,
    graphSvg: await renderSvg(renderDot(graph, options.title ?? 'kdsim')),
    timeline: bootTimeline(k.traceLog),
    log: k.dmesg().split('\n').filter((l) => l !== ''),
    ...(options.schedule !== undefined ? { schedule: options.schedule } : {}),
  };
}

/** The report of a booted kernel as one HTML page (booted with `recordTrace` for a timeline). */
export async function buildReport(k: Kernel, options: BuildReportOptions = {}): Promise<string> {
  return renderReportHtml(await reportData(k, options));
}
