// Test support (not exported from the package): a bus, drivers that record their
// own probe calls the KUnit way, and a kernel with them built in.
import { SimpleBus } from '../base/bus.js';
import type { Device } from '../base/device.js';
import type { DriverSpec } from '../base/driver.js';
import { Errno } from '../errno.js';
import type { Fwnode } from '../fwnode/fwnode.js';
import { SoftwareNode, type SwnodePropertyValue } from '../fwnode/swnode.js';
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

  /**
   * Adds one device per firmware node, as of_platform_populate() would: named
   * like a DT platform device (`iommu@5000000` → `5000000.iommu`), its parent
   * the device of the nearest ancestor node that has one.
   */
  fwDevices(k: Kernel, ...nodes: Fwnode[]): Device[] {
    return nodes.map((fwnode) => {
      let parent: Device | null = null;
      for (let p = fwnode.parent; p !== null && parent === null; p = p.parent) parent = k.deviceOfFwnode(p) ?? null;
      return k.deviceRegister({ name: dtName(fwnode), bus: this.bus, fwnode, parent });
    });
  }

  kernel(options: KernelOptions = {}): Kernel {
    return new Kernel({ ...options, builtin: [...this.builtin, ...(options.builtin ?? [])], modules: [...this.modules, ...(options.modules ?? [])] });
  }
}

/** A probe that defers until every device in `suppliers` is bound. */
export function needs(k: () => Kernel, ...suppliers: string[]): (dev: Device) => number {
  return () => (suppliers.every((s) => k().device(s)?.bound === true) ? 0 : -Errno.EPROBE_DEFER);
}

/** of_device_make_bus_id(): `name@unit` → `unit.name`; plain names stay. */
export function dtName(node: Fwnode): string {
  const at = node.name.indexOf('@');
  return at < 0 ? node.name : `${node.name.slice(at + 1)}.${node.name.slice(0, at)}`;
}

/** A software node standing in for a DT node: `node('iommu@5000000', soc, { compatible: ['arm,smmu-v3'] })`. */
export function node(name: string, parent: SoftwareNode | null = null, props: Readonly<Record<string, SwnodePropertyValue>> = {}): SoftwareNode {
  return new SoftwareNode(name, parent, props);
}

/** A reference to `target` with `args` (PROPERTY_ENTRY_REF()). */
export function ref(target: SoftwareNode, ...args: number[]): { node: SoftwareNode; args: number[] } {
  return { node: target, args };
}

/** Every dmesg line of `k` that contains `text`. */
export function lines(k: Kernel, text: string): string[] {
  return k.klog.records().filter((r) => r.text.includes(text)).map((r) => r.text);
}
