import type { Kernel, ScheduleStrategy } from '@kdsim/core';

/** What one boot of a target gave: the kernel after the boot, and the target's own failed expectations. */
export interface TargetRun {
  /** The booted kernel. */
  readonly kernel: Kernel;
  /** Expectations of the scenario that did not hold, one line each (empty: all held). */
  readonly failures: readonly string[];
}

/** Hooks the explorer passes to a boot. */
export interface BootHooks {
  /** Called with the kernel after it is created and before it boots (to observe its trace). */
  readonly observe?: (k: Kernel) => void;
}

/**
 * The one thing the explorer needs from a machine: boot it afresh, with every
 * timing choice made by `strategy`, and say which expectations failed. A
 * target must be deterministic: the same strategy answers give the same boot.
 */
export interface ExploreTarget {
  /** A name for reports. */
  readonly name: string;
  /** Boots the machine once. */
  boot(strategy: ScheduleStrategy, hooks?: BootHooks): TargetRun;
}
