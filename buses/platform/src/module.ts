import { Kernel, KernelModule, driverProbeOnce } from '@kdsim/core';
import type { OfNode } from '@kdsim/firmware';
import { MachineFirmware } from '@kdsim/firmware';
import { AcpiPlatformDevices, acpiCreatePlatformDevices } from './acpi.js';
import { AmbaBus, PlatformBus } from './bus.js';
import { platformDriver, type PlatformDriverSpec } from './driver.js';
import { OfPopulatedFlags, ofPlatformDefaultPopulateInit, type OfPopulateEnv } from './populate.js';

/** The platform bus of kernel `k` (bound by {@link platformBusModule}). */
export function platformBusOf(k: Kernel): PlatformBus {
  return k.container.get(PlatformBus);
}

/** The AMBA bus of kernel `k` (bound by {@link ambaBusModule}), or null. */
export function ambaBusOf(k: Kernel): AmbaBus | null {
  return k.container.isBound(AmbaBus) ? k.container.get(AmbaBus) : null;
}

/**
 * drivers/base/platform.c: platform_bus_init() from driver_init(): the
 * `platform` root device and the `platform` bus. Built in everywhere.
 */
export const platformBusModule = new KernelModule('platform', {
  services: (options) => {
    options.bind(PlatformBus).toResolvedValue((k: Kernel) => new PlatformBus(k), [Kernel]).inSingletonScope();
    options.bind(OfPopulatedFlags).toConstantValue(new OfPopulatedFlags());
  },
  initcalls: [{
    level: 'driver_init',
    name: 'platform_bus_init',
    fn: (k) => {
      const bus = platformBusOf(k);
      bus.root = k.deviceCreate({ name: 'platform', bus: null });
      k.deviceAdd(bus.root);
      return k.busRegister(bus);
    },
  }],
});

/** drivers/amba/bus.c: amba_init() at postcore_initcall (CONFIG_ARM_AMBA). */
export const ambaBusModule = new KernelModule('amba', {
  services: (options) => {
    options.bind(AmbaBus).toResolvedValue((k: Kernel) => new AmbaBus(k), [Kernel]).inSingletonScope();
  },
  initcalls: [{ level: 'postcore', name: 'amba_init', fn: (k) => k.busRegister(k.container.get(AmbaBus)) }],
});

/**
 * Compatibles of the irqchips and clocks Linux initialises before any
 * initcall through IRQCHIP_OF_DECLARE / CLK_OF_DECLARE (of_irq_init(),
 * of_clk_init()): their nodes are OF_POPULATED and their fwnodes
 * initialised, so of_platform_populate() makes no device for them.
 */
export const OF_EARLY_DECLARED: readonly string[] = [
  'arm,gic-v3', 'arm,gic-400', 'arm,cortex-a15-gic', 'arm,cortex-a9-gic', 'arm,cortex-a7-gic', 'arm,arm11mp-gic',
  'fixed-clock', 'fixed-factor-clock',
];

/** The environment of_platform_populate() works in, for kernel `k`. */
export function ofPopulateEnv(k: Kernel): OfPopulateEnv {
  return { k, platform: platformBusOf(k), amba: ambaBusOf(k), flags: k.container.get(OfPopulatedFlags) };
}

/**
 * DT platform devices: early OF_DECLARE init (before the initcalls), then
 * of_platform_default_populate_init() at arch_initcall_sync on the
 * machine's device tree ({@link MachineFirmware}). Built in on DT machines.
 */
export function ofPlatformModule(earlyDeclared: readonly string[] = OF_EARLY_DECLARED): KernelModule {
  const ofRoot = (k: Kernel): OfNode | null => (k.container.isBound(MachineFirmware) ? k.container.get(MachineFirmware).of?.root ?? null : null);
  return new KernelModule('of_platform', {
    initcalls: [{
      level: 'early',
      name: 'of_irq_init+of_clk_init',
      fn: (k) => {
        const root = ofRoot(k);
        if (root === null) return 0;
        const flags = k.container.get(OfPopulatedFlags);
        for (const np of root.tree.allNodes()) {
          if (!np.isAvailable()) continue;
          const compat = np.readStringArray('compatible') ?? [];
          const irq = np.hasProperty('interrupt-controller');
          if (compat.some((c) => earlyDeclared.includes(c) && (irq || !c.includes('gic')))) {
            flags.populated.add(np);
            k.fwnodeDevInitialized(np);
          }
        }
        return 0;
      },
    }, {
      level: 'arch_sync',
      name: 'of_platform_default_populate_init',
      fn: (k) => {
        const root = ofRoot(k);
        if (root === null) {
          k.links.syncState.pauseForDevicetree();
          return -19;
        }
        return ofPlatformDefaultPopulateInit(ofPopulateEnv(k), root);
      },
    }],
  });
}

/**
 * ACPI platform devices ({@link AcpiPlatformDevices}) created during
 * acpi_init() at subsys_initcall. List it after the ACPI PCI root module
 * when devices sit below a host bridge. Built in on ACPI machines.
 */
export const acpiPlatformModule = new KernelModule('acpi_platform', {
  initcalls: [{
    level: 'subsys',
    name: 'acpi_bus_scan(platform)',
    fn: (k) => {
      if (!k.container.isBound(AcpiPlatformDevices)) return 0;
      acpiCreatePlatformDevices(k, platformBusOf(k), k.container.get(AcpiPlatformDevices));
      return 0;
    },
  }],
});

/**
 * platform.c: __platform_driver_probe() — register `spec` for the devices
 * present now only (see core `driverProbeOnce()`): 0, or -ENODEV when
 * nothing bound.
 */
export function platformDriverProbe(k: Kernel, spec: PlatformDriverSpec): number {
  return driverProbeOnce(k, platformDriver(platformBusOf(k), spec));
}
