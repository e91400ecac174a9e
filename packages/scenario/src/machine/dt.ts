import { KernelModule } from '@kdsim/core';
import { MachineFirmware, OfTree, type DeviceTree, type OfNode } from '@kdsim/firmware';
import type { MachineStep } from '../registry.js';
import { populatePlatform } from './populate.js';

/**
 * A devicetree machine: unflattens the DTB/DTS into the live tree, makes it
 * the machine firmware, and at arch_sync populates platform devices from it
 * (of_platform_default_populate_init(): the root's children with a
 * `compatible`, descending into simple-bus nodes).
 */
export const dtStep: MachineStep = {
  name: 'dt',
  keys: ['dtb', 'dts'],
  build(ctx) {
    const dt = ctx.scenario.firmware.dt;
    if (dt === null) return;
    const { tree, byPath } = treeOf(dt);
    ctx.fwnodes.add(byPath);
    ctx.firmware = new MachineFirmware({ of: tree, acpi: ctx.firmware.acpi });
    // A hardware machine populates through the platform package's of_platform module.
    if (ctx.scenario.hardware) return;
    ctx.builtin.push(new KernelModule('of_platform', {
      initcalls: [{ level: 'arch_sync', name: 'of_platform_default_populate_init', fn: (k) => {
        populatePlatform(ctx, k, tree.root.children, () => undefined, false);
        return 0;
      } }],
    }));
  },
};

// The live tree is read-only to a kernel (OF_POPULATED and every other per-boot
// state live in the kernel), so every run of a scenario unflattens it once, and
// indexes its nodes by path once.
const TREES = new WeakMap<DeviceTree, { readonly tree: OfTree; readonly byPath: ReadonlyMap<string, OfNode> }>();

function treeOf(dt: DeviceTree): { readonly tree: OfTree; readonly byPath: ReadonlyMap<string, OfNode> } {
  let entry = TREES.get(dt);
  if (entry === undefined) {
    const tree = new OfTree(dt);
    entry = { tree, byPath: new Map(tree.allNodes().map((n) => [n.path, n])) };
    TREES.set(dt, entry);
  }
  return entry;
}
