import { cached, KernelModule } from '@kdsim/core';
import type { ScenarioDoc } from '../document.js';
import type { MachineStep } from '../registry.js';
import { HARDWARE_BUSES } from './hardware.js';

/**
 * Creates every bus the scenario names (platform always) and registers them
 * at core_initcall, as platform_bus_init() and the bus drivers do.
 */
export const busesStep: MachineStep = {
  name: 'buses',
  keys: [],
  build(ctx) {
    // On a hardware machine the bus packages register their own buses.
    for (const n of busNames(ctx.scenario.doc)) if (!(ctx.scenario.hardware && HARDWARE_BUSES.has(n))) ctx.bus(n);
    ctx.builtin.push(new KernelModule('bus_init', {
      initcalls: [{ level: 'core', name: 'bus_init', fn: (k) => {
        for (const bus of ctx.buses.values()) if (!k.buses.has(bus.name)) k.busRegister(bus);
        return 0;
      } }],
    }));
  },
};

// The buses a scenario names: the same for every run of it.
const NAMES = new WeakMap<ScenarioDoc, readonly string[]>();

function busNames(doc: ScenarioDoc): readonly string[] {
  return cached(NAMES, doc, namesOf);
}

function namesOf(doc: ScenarioDoc): readonly string[] {
  const set = new Set<string>(['platform']);
  for (const d of doc.machine?.devices ?? []) set.add(d.bus ?? 'platform');
  for (const d of doc.kernel?.drivers ?? []) {
    set.add(d.bus ?? 'platform');
    for (const c of d.children ?? []) set.add(c.bus ?? d.bus ?? 'platform');
  }
  return [...set];
}
