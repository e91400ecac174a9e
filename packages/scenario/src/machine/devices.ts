import { cached, KernelModule, type Device, type InitcallLevel } from '@kdsim/core';
import type { DeviceDoc } from '../document.js';
import type { MachineStep } from '../registry.js';

/** Registers `machine.devices` in order, each at its initcall level (default arch_sync). */
export const devicesStep: MachineStep = {
  name: 'devices',
  keys: ['devices'],
  build(ctx) {
    const docs = ctx.scenario.doc.machine?.devices ?? [];
    if (docs.length === 0) return;
    ctx.builtin.push(new KernelModule('inline_devices', {
      initcalls: [...byLevelOf(docs)].map(([level, list]) => ({
        level,
        name: `inline_devices_${level}`,
        fn: (k) => {
          for (const d of list) {
            const parent: Device | null = d.parent !== undefined ? k.device(d.parent) ?? null : null;
            const fwnode = d.node !== undefined ? ctx.fwnodes.get(d.node) ?? null : null;
            k.deviceRegister({ name: d.name, bus: ctx.bus(d.bus ?? 'platform'), parent, fwnode });
          }
          return 0;
        },
      })),
    }));
  },
};

// The devices of each initcall level, in order: the same for every run of a scenario.
const BY_LEVEL = new WeakMap<readonly DeviceDoc[], ReadonlyMap<InitcallLevel, readonly DeviceDoc[]>>();

function byLevelOf(docs: readonly DeviceDoc[]): ReadonlyMap<InitcallLevel, readonly DeviceDoc[]> {
  return cached(BY_LEVEL, docs, groupByLevel);
}

function groupByLevel(docs: readonly DeviceDoc[]): ReadonlyMap<InitcallLevel, readonly DeviceDoc[]> {
  const m = new Map<InitcallLevel, DeviceDoc[]>();
  for (const d of docs) {
    const level = d.initcall ?? 'arch_sync';
    const list = m.get(level);
    if (list === undefined) m.set(level, [d]);
    else list.push(d);
  }
  return m;
}
