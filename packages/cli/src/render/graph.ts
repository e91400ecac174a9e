import { DEVLINK_STATUS_WORDS, DL_FLAG, type Device, type DeviceLink, type Kernel } from '@kdsim/core';
import { dotAttrs, dotString } from './dot.js';

/** An IOMMU translating an endpoint, as an IOMMU layer reports it (devices by `bus:name` or name). */
export interface IommuEdge {
  /** The IOMMU device. */
  readonly iommu: string;
  /** The endpoint device. */
  readonly endpoint: string;
  /** The IDs the IOMMU sees (stream IDs, endpoint IDs). */
  readonly ids?: readonly number[];
}

/** Device state as the graph colours it. */
export type GraphNodeState = 'bound' | 'deferred' | 'probing' | 'unbound';

/** One device of the graph. */
export interface GraphNode {
  /** `bus:name`, unique. */
  readonly id: string;
  /** dev_name(). */
  readonly name: string;
  /** The bus name, or `(no bus)` for class devices. */
  readonly bus: string;
  /** Bound driver, if any. */
  readonly driver: string | null;
  /** What happened to it. */
  readonly state: GraphNodeState;
  /** Why it is deferred, when it is. */
  readonly deferredReason: string | null;
}

/** One edge: parent → child, supplier → consumer link, or IOMMU → endpoint. */
export type GraphEdge =
  | { readonly kind: 'parent'; readonly from: string; readonly to: string }
  | { readonly kind: 'link'; readonly from: string; readonly to: string; readonly status: string; readonly flags: number; readonly managed: boolean; readonly syncStateOnly: boolean }
  | { readonly kind: 'iommu'; readonly from: string; readonly to: string; readonly ids: readonly number[] };

/** The device/link/IOMMU graph of a kernel. */
export interface DeviceGraph {
  /** Devices, in registration order. */
  readonly nodes: readonly GraphNode[];
  /** Edges. */
  readonly edges: readonly GraphEdge[];
}

/** Options of {@link deviceGraph}. */
export interface DeviceGraphOptions {
  /** IOMMU → endpoint edges, when an IOMMU layer provides them. */
  readonly iommuEdges?: readonly IommuEdge[];
  /** Only the neighbourhood of this device (`bus:name` or name). */
  readonly around?: string;
  /** Edges to follow from `around` (default 1). */
  readonly depth?: number;
}

const idOf = (d: Device): string => d.busName;

function stateOf(d: Device): GraphNodeState {
  if (d.bound) return 'bound';
  if (d.deferredNode.list !== null) return 'deferred';
  return d.driver !== null ? 'probing' : 'unbound';
}

function linkEdge(l: DeviceLink): GraphEdge {
  return {
    kind: 'link', from: idOf(l.supplier), to: idOf(l.consumer), status: DEVLINK_STATUS_WORDS[l.status], flags: l.flags,
    managed: l.managed, syncStateOnly: l.has(DL_FLAG.SYNC_STATE_ONLY),
  };
}

/** Finds a device by `bus:name` or by name; undefined when there is none. */
export function findGraphNode(g: DeviceGraph, name: string): GraphNode | undefined {
  return g.nodes.find((n) => n.id === name) ?? g.nodes.find((n) => n.name === name);
}

/**
 * The device graph of a booted kernel: registered devices grouped by bus,
 * parent edges, every device link with its status and flags, and the IOMMU
 * edges given (IOMMU edges naming unknown devices are dropped). With
 * `around`, only the devices within `depth` edges of it, edges followed in
 * either direction.
 */
export function deviceGraph(k: Kernel, options: DeviceGraphOptions = {}): DeviceGraph {
  const devices = k.devices.filter((d) => d.registered);
  let nodes: GraphNode[] = devices.map((d) => ({
    id: idOf(d), name: d.name, bus: d.bus?.name ?? '(no bus)', driver: d.driver?.name ?? null, state: stateOf(d),
    deferredReason: d.deferredNode.list !== null ? d.deferredReason : null,
  }));
  const byName = new Map<string, string>();
  for (const n of nodes) {
    byName.set(n.id, n.id);
    if (!byName.has(n.name)) byName.set(n.name, n.id);
  }
  const present = new Set(nodes.map((n) => n.id));
  let edges: GraphEdge[] = [];
  for (const d of devices) if (d.parent !== null && present.has(idOf(d.parent))) edges.push({ kind: 'parent', from: idOf(d.parent), to: idOf(d) });
  for (const l of k.links.all()) if (present.has(idOf(l.supplier)) && present.has(idOf(l.consumer))) edges.push(linkEdge(l));
  for (const e of options.iommuEdges ?? []) {
    const from = byName.get(e.iommu);
    const to = byName.get(e.endpoint);
    if (from !== undefined && to !== undefined) edges.push({ kind: 'iommu', from, to, ids: e.ids ?? [] });
  }
  if (options.around !== undefined) {
    const start = byName.get(options.around);
    const keep = new Set<string>(start === undefined ? [] : [start]);
    let frontier = [...keep];
    for (let i = 0; i < (options.depth ?? 1) && frontier.length > 0; i++) {
      const next: string[] = [];
      for (const e of edges) {
        for (const [a, b] of [[e.from, e.to], [e.to, e.from]] as const) {
          if (frontier.includes(a) && !keep.has(b)) {
            keep.add(b);
            next.push(b);
          }
        }
      }
      frontier = next;
    }
    nodes = nodes.filter((n) => keep.has(n.id));
    edges = edges.filter((e) => keep.has(e.from) && keep.has(e.to));
  }
  return { nodes, edges };
}

const STATE_STYLE: Readonly<Record<GraphNodeState, { fillcolor: string; color: string }>> = {
  bound: { fillcolor: '#d9f2d9', color: '#2e7d32' },
  deferred: { fillcolor: '#ffe8cc', color: '#e65100' },
  probing: { fillcolor: '#e3f2fd', color: '#1565c0' },
  unbound: { fillcolor: '#eeeeee', color: '#757575' },
};

// Device-link status → edge look: active solid, waiting states dashed, stateless dotted.
function linkStyle(e: Extract<GraphEdge, { kind: 'link' }>): Record<string, string> {
  const color = e.status === 'active' ? '#2e7d32' : e.status === 'consumer probing' ? '#1565c0' : e.status === 'supplier unbinding' ? '#c62828' : '#e65100';
  const style = !e.managed ? 'dotted' : e.status === 'active' ? 'solid' : 'dashed';
  const label = `${e.status}${e.syncStateOnly ? ' (sync_state only)' : ''} 0x${e.flags.toString(16)}`;
  return { color: e.syncStateOnly ? '#9e9e9e' : color, style, label, fontcolor: '#555555', arrowhead: 'normal' };
}

/**
 * The graph as DOT: one cluster per bus, devices coloured by state, parent
 * edges grey, device links (supplier → consumer) styled by status, IOMMU
 * edges purple. Every name and label is a quoted, escaped DOT string.
 */
export function renderDot(g: DeviceGraph, title = 'kdsim'): string {
  const out: string[] = [`digraph ${dotString(title)} {`];
  out.push(`  graph${dotAttrs({ rankdir: 'LR', fontname: 'Helvetica', label: title, labelloc: 't' })};`);
  out.push(`  node${dotAttrs({ shape: 'box', style: 'rounded,filled', fontname: 'Helvetica', fontsize: '10' })};`);
  out.push(`  edge${dotAttrs({ fontname: 'Helvetica', fontsize: '8' })};`);
  // Node IDs are n0, n1, ...: names only ever appear in labels, where escaping is exact.
  const key = new Map(g.nodes.map((n, i) => [n.id, `n${i}`]));
  const ref = (id: string): string => key.get(id) ?? 'missing';
  const buses = [...new Set(g.nodes.map((n) => n.bus))];
  buses.forEach((bus, i) => {
    out.push(`  subgraph ${dotString(`cluster_${i}`)} {`);
    out.push(`    graph${dotAttrs({ label: bus, style: 'rounded', color: '#90a4ae' })};`);
    for (const n of g.nodes.filter((x) => x.bus === bus)) {
      const what = n.state === 'bound' ? `bound to ${n.driver ?? '?'}` : n.state === 'deferred' ? `deferred${n.deferredReason !== null ? `: ${n.deferredReason}` : ''}` : n.state;
      out.push(`    ${ref(n.id)}${dotAttrs({ label: `${n.name}\n${what}`, class: `device ${n.state}`, ...STATE_STYLE[n.state] })};`);
    }
    out.push('  }');
  });
  for (const e of g.edges) {
    const attrs = e.kind === 'parent'
      ? { color: '#b0bec5', arrowhead: 'none', style: 'solid' }
      : e.kind === 'link'
        ? linkStyle(e)
        : { color: '#6a1b9a', penwidth: '2', label: e.ids.length > 0 ? `iommu ${e.ids.map((x) => `0x${x.toString(16)}`).join(',')}` : 'iommu', fontcolor: '#6a1b9a' };
    out.push(`  ${ref(e.from)} -> ${ref(e.to)}${dotAttrs({ ...attrs, class: e.kind })};`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

/** Renders DOT to SVG in-process with graphviz compiled to WebAssembly (no `dot` binary needed). */
export async function renderSvg(dot: string): Promise<string> {
  const { Graphviz } = await import('@hpcc-js/wasm-graphviz');
  const graphviz = await Graphviz.load();
  return graphviz.dot(dot, 'svg');
}
