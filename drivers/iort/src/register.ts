import type { InitcallLevel, Kernel } from '@kdsim/core';
import { iortInit, type IortInitOptions } from './init.js';

/**
 * A driver-catalogue entry as the scenario layer's registry takes it
 * (structurally its `DriverEntry`; this package sits below the scenario layer).
 */
export interface IortDriverEntry {
  /** Name scenarios write in `builtin`. */
  readonly name: string;
  /** Module name. */
  readonly module: string;
  /** One line for listings. */
  readonly description: string;
  /** Initcall level when built in. */
  readonly level: InitcallLevel;
  /** The module's init. */
  init(ctx: unknown, k: Kernel): number;
}

/** Anything with the scenario registry's `addDriver()`. */
export interface IortDriverRegistry {
  /** Adds or replaces a driver entry. */
  addDriver(entry: IortDriverEntry): unknown;
}

/**
 * Adds `iort` (acpi_iort_init(), subsys_initcall; must come before the ACPI
 * PCI root scan) to a scenario registry. The SMMUv3 driver it feeds matches
 * the devices by name (`arm-smmu-v3`).
 */
export function registerIort(registry: IortDriverRegistry, options: IortInitOptions = {}): void {
  registry.addDriver({
    name: 'iort',
    module: 'iort',
    description: 'ACPI IORT: SMMU/PMCG platform devices with their IORT fwnodes, endpoints resolved at dma_configure',
    level: 'subsys',
    init: (_ctx, k) => (iortInit(k, options), 0),
  });
}
