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
        ...(doc.async === true ? { probeType: 'prefer-async' as const } : {}),
        ...(probeCost !== undefined ? { probeCost } : {}),
      };
      return doc.probeOnce === true ? driverProbeOnce(k, spec) : k.driverRegister(spec);
    },
  };
}

function probe(ctx: BuildContext, k: Kernel, doc: DriverDoc, result: number, dev: Device): number {
  const made: Device[] = [];
  const fail = (err: number): number => {
    // The error path unregisters what the probe registered.
    for (const c of made.reverse()) k.deviceDel(c);
    return err;
  };
  const addChildren = (): void => {
    for (const c of doc.children ?? []) {
      const fwnode = c.node !== undefined ? ctx.fwnodes.get(c.node) ?? null : null;
      made.push(k.deviceRegister({ name: c.name, bus: ctx.bus(c.bus ?? doc.bus ?? 'platform'), parent: dev, fwnode }));
    }
  };
  if (doc.childrenAfterNeeds !== true) addChildren();
  for (const n of doc.needs ?? []) {
    if (ctx.deviceOf(n)?.bound !== true) return fail(k.devErrProbe(dev, -Errno.EPROBE_DEFER, `waiting for ${n}`));
  }
  for (const n of doc.optional ?? []) {
    if (ctx.deviceOf(n)?.bound === true) continue;
    // dd.c: driver_deferred_probe_check_state(): defer, or give up and carry on without it.
    const r = k.deferred.checkState(dev);
    if (r === -Errno.EPROBE_DEFER) return fail(k.devErrProbe(dev, r, `optional supplier ${n} not ready`));
  }
  if (doc.childrenAfterNeeds === true) addChildren();
  if (result !== 0) return fail(k.devErrProbe(dev, result, doc.reason ?? 'probe failed'));
  return 0;
}
