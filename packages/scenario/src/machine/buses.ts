import { KernelModule } from '@kdsim/core';
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
    const doc = ctx.scenario.doc;
    const names = new Set<string>(['platform']);
    for (const d of doc.machine?.devices ?? []) names.add(d.bus ?? 'platform');
    for (const d of doc.kernel?.drivers ?? []) {
      names.add(d.bus ?? 'platform');
      for (const c of d.children ?? []) names.add(c.bus ?? d.bus ?? 'platform');
    }
    // On a hardware machine the bus packages register their own buses.
    for (const n of names) if (!(ctx.scenario.hardware && HARDWARE_BUSES.has(n))) ctx.bus(n);
    ctx.builtin.push(new KernelModule('bus_init', {
      initcalls: [{ level: 'core', name: 'bus_init', fn: (k) => {
        for (const bus of ctx.buses.values()) if (!k.buses.has(bus.name)) k.busRegister(bus);
        return 0;
      } }],
    }));
  },
};
