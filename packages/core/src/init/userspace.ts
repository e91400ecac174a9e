import type { Kernel } from '../kernel.js';
import { NSEC_PER_SEC } from '../time/clock.js';
import type { ThreadBody } from '../time/scheduler.js';

/** One step of the userspace timeline that runs after init starts. */
export type UserspaceStep =
  | { readonly kind: 'insmod'; readonly module: string; readonly params?: Readonly<Record<string, string>> }
  | { readonly kind: 'rmmod'; readonly module: string }
  | { readonly kind: 'sleep'; readonly ns: number }
  | { readonly kind: 'snap'; readonly label: string }
  | { readonly kind: 'wait'; readonly what: string; readonly until: (k: Kernel) => boolean }
  | { readonly kind: 'run'; readonly name: string; readonly fn: (k: Kernel) => void | ThreadBody };

/**
 * Parses a module-load timeline as the calibration machines' init script
 * reads `kt.mods=`: comma-separated module names, `sleepN` (N seconds,
 * decimals allowed) and `snap` (record a snapshot).
 */
export function parseModuleTimeline(spec: string): UserspaceStep[] {
  const steps: UserspaceStep[] = [];
  let snaps = 0;
  for (const item of spec.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const sleep = /^sleep(\d+(?:\.\d+)?)$/.exec(item);
    if (sleep) steps.push({ kind: 'sleep', ns: Math.round(Number(sleep[1]) * NSEC_PER_SEC) });
    else if (item === 'snap') steps.push({ kind: 'snap', label: `snap${snaps++}` });
    else steps.push({ kind: 'insmod', module: item });
  }
  return steps;
}
