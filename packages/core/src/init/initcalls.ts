import type { Kernel } from '../kernel.js';
import type { ThreadBody } from '../time/scheduler.js';

/**
 * Initcall levels in the order do_initcalls() runs them (include/linux/init.h),
 * each followed by its `_sync` level. `driver_init` is the driver-core set-up
 * that runs before any initcall (drivers/base/init.c: driver_init()).
 */
export const INITCALL_LEVELS = [
  'driver_init', 'early', 'pure', 'core', 'core_sync', 'postcore', 'postcore_sync', 'arch', 'arch_sync',
  'subsys', 'subsys_sync', 'fs', 'fs_sync', 'rootfs', 'device', 'device_sync', 'late', 'late_sync',
] as const;

/** An initcall level name. */
export type InitcallLevel = (typeof INITCALL_LEVELS)[number];

/**
 * An initcall: code run once at `level` when built in, or from module_init()
 * when its module is loaded. It may return a thread body when it needs to wait
 * (flush_work(), wait_event()).
 */
export interface Initcall {
  /** The level a built-in copy runs at. */
  readonly level: InitcallLevel;
  /** Name for traces (`deferred_probe_initcall`). */
  readonly name: string;
  /** The code. A number return is the initcall's result (logged if negative). */
  readonly fn: (k: Kernel) => void | number | ThreadBody;
}

/** True if `x` is a generator (an initcall that waits). */
export function isThreadBody(x: unknown): x is ThreadBody {
  return typeof x === 'object' && x !== null && typeof (x as ThreadBody).next === 'function' && typeof (x as ThreadBody)[Symbol.iterator] === 'function';
}
