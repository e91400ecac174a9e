import type { Device, Kernel, TraceEvent } from '@kdsim/core';

/** What a step touched: device names, or `*` for everything. */
export type Footprint = ReadonlySet<string>;

/** The footprint that conflicts with every other. */
export const EVERYTHING: Footprint = new Set(['*']);

/** True if two steps commute: they touched disjoint devices and neither touched everything. */
export function independent(a: Footprint, b: Footprint): boolean {
  if (a.has('*') || b.has('*')) return false;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const x of small) if (large.has(x)) return false;
  return true;
}

/**
 * Collects, from a kernel's trace, the devices each step touches. A device
 * stands for itself, its parent, its children and the two ends of its device
 * links: a probe reads its suppliers' state through the links, so a step on a
 * supplier and a step on its consumer never commute. Driver registration,
 * module loads and the deferred-probe timeout touch everything. Probe code
 * that looks at another device without a link is not seen (a documented
 * limit of the reduction).
 */
export class FootprintCollector {
  #current = new Set<string>();
  readonly #byName = new Map<string, Device>();
  #seen = 0;

  /** Subscribes to `k`'s trace. */
  constructor(readonly k: Kernel) {
    k.trace$.subscribe((e) => this.#on(e));
  }

  /** Returns what was touched since the last call and starts a new footprint. */
  take(): Footprint {
    const f = this.#current;
    this.#current = new Set();
    return f;
  }

  #device(name: string): void {
    const cur = this.#current;
    if (cur.has(name)) return;
    cur.add(name);
    const devices = this.k.devices;
    for (; this.#seen < devices.length; this.#seen++) this.#byName.set(devices[this.#seen]!.name, devices[this.#seen]!);
    const dev = this.#byName.get(name);
    if (dev === undefined) return;
    if (dev.parent !== null) cur.add(dev.parent.name);
    for (const c of dev.children) cur.add(c.name);
    for (const l of dev.links.suppliers) cur.add(l.supplier.name);
    for (const l of dev.links.consumers) cur.add(l.consumer.name);
  }

  #on(e: TraceEvent): void {
    switch (e.type) {
      case 'device_add': case 'device_del': case 'probe_start': case 'probe_defer': case 'bound': case 'probe_fail':
      case 'probe_reject': case 'unbind': case 'deferred_add': case 'deferred_retry': case 'async_schedule':
      case 'sync_state': case 'livelock':
        this.#device(e.device);
        break;
      case 'devlink_add': case 'devlink_del':
        this.#current.add(e.supplier);
        this.#current.add(e.consumer);
        break;
      case 'driver_register': case 'driver_unregister': case 'module_load': case 'timeout':
        this.#current.add('*');
        break;
      case 'timeout_extend':
        this.#current.add('deferred_probe_timeout');
        break;
      default:
        break;
    }
  }
}
