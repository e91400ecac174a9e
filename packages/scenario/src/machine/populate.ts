import type { Device, Fwnode, Kernel } from '@kdsim/core';
import type { BuildContext } from '../registry.js';

/** drivers/of/platform.c: of_default_bus_match_table — nodes whose children are populated too. */
const DEFAULT_BUS_MATCH = ['simple-bus', 'simple-mfd', 'isa', 'arm,amba-bus'];

/**
 * platform.c: of_device_make_bus_id() — `<unit-address>.<name>` for a node
 * with a unit address, else the node name. (kdsim uses the unit address as
 * written, not the CPU-translated `reg`.)
 */
export function platformDeviceName(node: Fwnode): string {
  const at = node.name.indexOf('@');
  return at < 0 ? node.name : `${node.name.slice(at + 1)}.${node.name.slice(0, at)}`;
}

/**
 * of_platform_populate(): a platform device for every available child of
 * `root` with a `compatible`, descending into bus nodes (simple-bus, ...);
 * `wanted` may say yes or no per node instead.
 */
export function populatePlatform(
  ctx: BuildContext, k: Kernel, roots: readonly Fwnode[], wanted: (n: Fwnode) => boolean | undefined, descendAll: boolean,
): void {
  const bus = ctx.bus('platform');
  const walk = (node: Fwnode, parent: Device | null): void => {
    // of_platform_bus_create(): requires a compatible, skips unavailable nodes and already-populated ones.
    const want = wanted(node) ?? node.hasProperty('compatible');
    if (!node.isAvailable()) return;
    let dev = parent;
    if (want && k.deviceOfFwnode(node) === undefined) {
      dev = k.deviceRegister({ name: platformDeviceName(node), bus, parent, fwnode: node });
    }
    const compat = node.readStringArray('compatible') ?? [];
    if (descendAll || compat.some((c) => DEFAULT_BUS_MATCH.includes(c))) for (const c of node.children) walk(c, want ? dev : parent);
  };
  for (const r of roots) walk(r, null);
}
