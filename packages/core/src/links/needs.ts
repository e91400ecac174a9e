import type { Device } from '../base/device.js';
import { DL_FLAG } from './flags.js';

/** Options of {@link needs}, named after scripts/dev-needs.sh's flags. */
export interface NeedsOptions {
  /** Follow device links (default true; `--exclude-devlinks` turns it off). */
  readonly devlinks?: boolean;
  /** Follow parents (default true; `--exclude-parents` turns it off). */
  readonly parents?: boolean;
  /** Also follow devices without a driver (`--allow-no-driver`; default false). */
  readonly allowNoDriver?: boolean;
}

/** One `consumer → supplier` step of the dependency walk; `supplier` is null for a root. */
export interface NeedsEdge {
  /** The device that needs something. */
  readonly consumer: Device;
  /** What it needs (a supplier or its parent), or null when it needs nothing (a root). */
  readonly supplier: Device | null;
}

/**
 * scripts/dev-needs.sh: a breadth-first walk of the probe dependencies
 * (suppliers through device links, and parents) of `devices`. As in the
 * script: sync-state-only links are not followed, suppliers and parents
 * without a driver are skipped (unless `allowNoDriver`), the nearest parent
 * with a driver stands for the parent, a device without a driver is not
 * walked, and a device that needs nothing is a root.
 */
export function needs(devices: readonly Device[], options: NeedsOptions = {}): NeedsEdge[] {
  const devlinks = options.devlinks ?? true;
  const parents = options.parents ?? true;
  const allowNoDriver = options.allowNoDriver ?? false;
  const hasDriver = (d: Device): boolean => d.driver !== null && d.bound;
  const out: NeedsEdge[] = [];
  const seen = new Set<Device>();
  const queue = [...devices];
  for (let i = 0; i < queue.length; i++) {
    const con = queue[i]!;
    if (seen.has(con)) continue;
    seen.add(con);
    if (!hasDriver(con) && !allowNoDriver) continue;
    let root = true;
    if (devlinks) {
      for (const l of con.links.suppliers) {
        // Sync-state-only links are proxies and may form cycles: never followed.
        if (l.has(DL_FLAG.SYNC_STATE_ONLY)) continue;
        if (!hasDriver(l.supplier) && !allowNoDriver) continue;
        queue.push(l.supplier);
        out.push({ consumer: con, supplier: l.supplier });
        root = false;
      }
    }
    if (parents) {
      let p = con.parent;
      while (p !== null && !hasDriver(p)) p = p.parent;
      if (p !== null) {
        queue.push(p);
        out.push({ consumer: con, supplier: p });
        root = false;
      }
    }
    if (root) out.push({ consumer: con, supplier: null });
  }
  return out;
}

/** What dev-needs.sh prints per entry: `-c`, `-d`, `-f`, `-m` details, or the device name. */
export type NeedsDetail = 'device' | 'driver' | 'fwnode' | 'compatible' | 'module';

/** Output formats of dev-needs.sh: a list, Graphviz edges (`-g`) or tsort pairs (`-t`). */
export type NeedsFormat = 'list' | 'dot' | 'tsort';

function detailOf(d: Device, detail: NeedsDetail): string {
  switch (detail) {
    case 'driver': return d.driver !== null && d.bound ? d.driver.name : d.name;
    case 'module': return d.driver?.owner ?? d.name;
    case 'fwnode': return d.fwnode?.path ?? d.name;
    case 'compatible': return d.fwnode?.readStringArray('compatible')?.join(' ') ?? d.name;
    default: return d.name;
  }
}

/**
 * Renders a {@link needs} walk as dev-needs.sh prints it: each distinct line
 * once, in first-seen order. `list` prints the consumers; `dot` prints
 * `"supplier"->"consumer"` (or `"root"`); `tsort` prints `"supplier" "consumer"`
 * pairs with `ROOT` for roots.
 */
export function renderNeeds(edges: readonly NeedsEdge[], format: NeedsFormat = 'list', detail: NeedsDetail = 'device'): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const e of edges) {
    let line: string;
    if (format === 'dot') line = e.supplier === null ? `"${e.consumer.name}"` : `"${e.supplier.name}"->"${e.consumer.name}"`;
    else if (format === 'tsort') line = `"${e.supplier === null ? 'ROOT' : e.supplier.name}" "${e.consumer.name}"`;
    else line = detailOf(e.consumer, detail);
    if (seen.has(line)) continue;
    seen.add(line);
    lines.push(line);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
