import { driverProbeOnce, Errno, type Device, type DriverSpec, type Kernel } from '@kdsim/core';
import type { DriverDoc } from '../document.js';
import { parseDuration } from '../duration.js';
import { parseErrno } from '../errno-value.js';
import { normaliseName, type BuildContext, type DriverEntry } from '../registry.js';

/**
 * A catalogue entry for an inline test driver (`kernel.drivers`): it matches
 * its `compatible` list, registers `children`, waits for `needs` with a
 * driver-level `-EPROBE_DEFER`, asks driver_deferred_probe_check_state() for
 * `optional` suppliers as an opt-in subsystem does, then returns `result`.
 */
export function inlineDriver(doc: DriverDoc): DriverEntry {
  const result = parseErrno(doc.result ?? 0) ?? -Errno.EINVAL;
  const probeCost = doc.probeTime !== undefined ? parseDuration(doc.probeTime) : undefined;
  return {
    name: doc.name,
    module: doc.module ?? normaliseName(doc.name),
    description: `inline test driver ${doc.name}`,
    level: doc.initcall ?? 'device',
    init(ctx, k) {
      for (const p of doc.providers ?? []) {
        const fwnode = ctx.fwnodes.get(p);
        if (fwnode !== undefined) k.fwnodeDevInitialized(fwnode);
      }
      const spec: DriverSpec = {
        name: doc.name,
        bus: ctx.bus(doc.bus ?? 'platform'),
        matchTable: doc.compatible ?? [],
        probe: (dev) => probe(ctx, k, doc, result, dev),
        probeType: doc.async === true ? 'prefer-async' : undefined,
        probeCost,
      };
      return doc.probeOnce === true ? driverProbeOnce(k, spec) : k.driverRegister(spec);
    },
  };
}

function probe(ctx: BuildContext, k: Kernel, doc: DriverDoc, result: number, dev: Device): number {
  // Children registered before a failure are unregistered by the error path.
  const made = doc.childrenAfterNeeds !== true ? addChildren(ctx, k, doc, dev) : NONE;
  const needs = doc.needs ?? NONE_NAMES;
  for (let i = 0; i < needs.length; i++) {
    if (ctx.deviceOf(needs[i]!)?.bound !== true) return fail(k, made, k.devErrProbe(dev, -Errno.EPROBE_DEFER, `waiting for ${needs[i]!}`));
  }
  const optional = doc.optional ?? NONE_NAMES;
  for (let i = 0; i < optional.length; i++) {
    const n = optional[i]!;
    if (ctx.deviceOf(n)?.bound === true) continue;
    // dd.c: driver_deferred_probe_check_state(): defer, or give up and carry on without it.
    const r = k.deferred.checkState(dev);
    if (r === -Errno.EPROBE_DEFER) return fail(k, made, k.devErrProbe(dev, r, `optional supplier ${n} not ready`));
  }
  const late = doc.childrenAfterNeeds === true ? addChildren(ctx, k, doc, dev) : NONE;
  if (result !== 0) return fail(k, late.length > 0 ? [...made, ...late] : made, k.devErrProbe(dev, result, doc.reason ?? 'probe failed'));
  return 0;
}

const NONE: readonly Device[] = Object.freeze([]);
const NONE_NAMES: readonly string[] = Object.freeze([]);

// Registers the driver's `children` under `dev` (none: no allocation, probes run thousands of times).
function addChildren(ctx: BuildContext, k: Kernel, doc: DriverDoc, dev: Device): readonly Device[] {
  const children = doc.children;
  if (children === undefined || children.length === 0) return NONE;
  return children.map((c) => {
    const fwnode = c.node !== undefined ? ctx.fwnodes.get(c.node) ?? null : null;
    return k.deviceRegister({ name: c.name, bus: ctx.bus(c.bus ?? doc.bus ?? 'platform'), parent: dev, fwnode });
  });
}

// The error path: unregisters what the probe registered, last first, and returns `err`.
function fail(k: Kernel, made: readonly Device[], err: number): number {
  for (let i = made.length - 1; i >= 0; i--) k.deviceDel(made[i]!);
  return err;
}
