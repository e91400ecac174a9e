import { ContainerModule, type ContainerModuleLoadOptions } from 'inversify';
import type { DriverSpec } from '../base/driver.js';
import type { Kernel } from '../kernel.js';
import type { Initcall, InitcallLevel } from './initcalls.js';

/** What a kernel module is made of. */
export interface KernelModuleSpec {
  /** Initcalls; when loaded as a module they all run as module_init(), in order. */
  readonly initcalls?: readonly Initcall[];
  /** Services the module binds into the kernel's container when loaded (policies, IOMMU drivers...). */
  readonly services?: (options: ContainerModuleLoadOptions) => void;
}

/**
 * A kernel module: an inversify ContainerModule plus its initcalls. Built in,
 * its initcalls run at their levels in link order; loaded at a simulated time,
 * its services are bound and its initcalls run at once, as insmod runs
 * module_init().
 */
export class KernelModule {
  /** The container module carrying this module's services (made on first use). */
  get containerModule(): ContainerModule {
    const services = this.#services;
    return this.#containerModule ??= new ContainerModule((options) => services?.(options));
  }

  #containerModule: ContainerModule | undefined;
  readonly #services: ((options: ContainerModuleLoadOptions) => void) | undefined;
  /** The initcalls. */
  readonly initcalls: readonly Initcall[];
  /** True when the module binds services (loading a module without them leaves the container as it was). */
  readonly hasServices: boolean;

  /** Creates module `name` (`virtio_iommu`; `-` and `_` are equivalent, as for modprobe). */
  constructor(readonly name: string, spec: KernelModuleSpec = {}) {
    this.initcalls = spec.initcalls ?? [];
    this.#services = spec.services;
    this.hasServices = spec.services !== undefined;
  }
}

/**
 * The module_driver() pattern: a module whose init registers `drivers` in
 * order at `level` (default `device`, as module_init() is for built-ins).
 * `drivers` may be a function of the kernel, to use injected services.
 */
export function driverModule(
  name: string,
  drivers: readonly DriverSpec[] | ((k: Kernel) => readonly DriverSpec[]),
  level: InitcallLevel = 'device',
  services?: (options: ContainerModuleLoadOptions) => void,
): KernelModule {
  return new KernelModule(name, {
    initcalls: [{
      level,
      name: `${name}_init`,
      fn: (k) => {
        for (const spec of typeof drivers === 'function' ? drivers(k) : drivers) {
          const r = k.driverRegister(spec);
          if (r < 0) return r;
        }
        return 0;
      },
    }],
    ...(services ? { services } : {}),
  });
}
