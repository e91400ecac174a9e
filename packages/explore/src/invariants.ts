import { isSyncStateOnly, type Kernel } from '@kdsim/core';

/** Which built-in invariants a run is checked against. */
export interface InvariantOptions {
  /** No consumer bound while a managed link to a mandatory supplier is not active. */
  readonly links?: boolean;
  /** Every device with a matching driver ends bound, deferred with a reason, or failed its probe. */
  readonly settled?: boolean;
  /** The boot ended idle, not stuck or at the step cap. */
  readonly ended?: boolean;
}

/**
 * The driver-core invariants every ordering must keep, checked on the kernel
 * after its boot. Each failure is one line naming the invariant and the
 * devices, with no timestamps, so equal failures compare equal across
 * schedules.
 */
export function checkInvariants(k: Kernel, options: InvariantOptions = {}): string[] {
  const out: string[] = [];
  if (options.links !== false) {
    for (const dev of k.devices) {
      if (!dev.registered || !dev.bound) continue;
      for (const l of dev.links.suppliers) {
        // core.c: device_links_check_suppliers() gates probe on every managed, not sync-state-only link.
        if (!l.managed || isSyncStateOnly(l.flags)) continue;
        if (l.status !== 'ACTIVE') out.push(`links: ${dev.name} bound while its link to supplier ${l.supplier.name} is ${l.status}`);
      }
    }
  }
  if (options.settled !== false) {
    for (const dev of k.devices) {
      if (!dev.registered || dev.dead || dev.bound || dev.bus === null) continue;
      const bus = dev.bus;
      const drv = bus.drivers.find((d) => bus.match(dev, d) > 0);
      if (drv === undefined) continue;
      if (dev.deferredNode.list === k.deferred.pending) {
        if (dev.deferredReason === null) out.push(`settled: ${dev.name} deferred without a reason`);
      } else if (dev.deferredNode.list !== null) {
        out.push(`settled: ${dev.name} left on the deferred active list`);
      } else if (dev.probeAttempts === 0) {
        out.push(`settled: ${dev.name} matches driver ${drv.name} but was never probed`);
      }
    }
  }
  if (options.ended !== false) {
    const r = k.runResult;
    if (r !== null && r.end !== 'idle') out.push(`ended: boot ${r.end}${r.blocked.length > 0 ? ` (${r.blocked.map((b) => `${b.thread}: ${b.what}`).join('; ')})` : ''}`);
  }
  return out;
}
