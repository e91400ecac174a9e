import { KernelModule, type Device, type InitcallLevel } from '@kdsim/core';
import type { DeviceDoc } from '../document.js';
import type { MachineStep } from '../registry.js';

/** Registers `machine.devices` in order, each at its initcall level (default arch_sync). */
export const devicesStep: MachineStep = {
  name: 'devices',
  keys: ['devices'],
  build(ctx) {
    const docs = ctx.scenario.doc.machine?.devices ?? [];
    if (docs.length === 0) return;
    const byLevel = new Map<string, DeviceDoc[]>();
    for (const d of docs) {
      const level = d.initcall ?? 'arch_sync';
      byLevel.set(level, [...(byLevel.get(level) ?? []), d]);
    }
    ctx.builtin.push(new KernelModule('inline_devices', {
      initcalls: [...byLevel].map(([level, list]) => ({
        level: level as InitcallLevel,
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
