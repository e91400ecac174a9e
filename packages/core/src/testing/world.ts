// Test support (not exported from the package): a bus, drivers that record their
// own probe calls the KUnit way, and a kernel with them built in.
import { SimpleBus } from '../base/bus.js';
import type { Device } from '../base/device.js';
import type { DriverSpec } from '../base/driver.js';
import { Errno } from '../errno.js';
import { KernelModule } from '../init/module.js';
import type { InitcallLevel } from '../init/initcalls.js';
import { Kernel, type KernelOptions } from '../kernel.js';

/** A kernel with one SimpleBus `sim`, registered at core_initcall, and a probe log. */
export class World {
  readonly bus = new SimpleBus('sim');
  /** `device` for each probe() call, in call order. */
  readonly probes: string[] = [];
  readonly builtin: KernelModule[] = [];
  readonly modules: KernelModule[] = [];

  constructor() {
    this.builtin.push(new KernelModule('sim_bus', { initcalls: [{ level: 'core', name: 'sim_bus_init', fn: (k) => k.busRegister(this.bus) }] }));
  }

  /** A driver named `name` matching devices of the same name (or those in `matches`). */
  driver(name: string, probe: (dev: Device) => number = () => 0, extra: Partial<DriverSpec> = {}): DriverSpec {
    return {
      name,
      bus: this.bus,
      matchTable: extra.matchTable,
      ...extra,
      probe: (dev) => {
        this.probes.push(dev.name);
        return probe(dev);
      },
    };
  }

  /** Built-in code at `level` (devices added, drivers registered). */
  at(level: InitcallLevel, name: string, fn: (k: Kernel) => void): this {
    this.builtin.push(new KernelModule(name, { initcalls: [{ level, name, fn: (k) => { fn(k); } }] }));
    return this;
  }

  /** A loadable module registering `drivers`. */
  module(name: string, drivers: DriverSpec[]): this {
    this.modules.push(new KernelModule(name, { initcalls: [{ level: 'device', name: `${name}_init`, fn: (k) => { for (const d of drivers) k.driverRegister(d); } }] }));
    return this;
  }

  /** Adds devices named `names` on the bus. */
  addDevices(k: Kernel, ...names: string[]): Device[] {
    return names.map((name) => k.deviceRegister({ name, bus: this.bus }));
  }

  kernel(options: KernelOptions = {}): Kernel {
    return new Kernel({ ...options, builtin: [...this.builtin, ...(options.builtin ?? [])], modules: [...this.modules, ...(options.modules ?? [])] });
  }
}

/** A probe that defers until every device in `suppliers` is bound. */
export function needs(k: () => Kernel, ...suppliers: string[]): (dev: Device) => number {
  return () => (suppliers.every((s) => k().device(s)?.bound === true) ? 0 : -Errno.EPROBE_DEFER);
}
