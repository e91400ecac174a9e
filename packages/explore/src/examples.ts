import {
  Errno, Kernel, KernelModule, NSEC_PER_USEC, SimpleBus, SoftwareNode, driverModule, parseModuleTimeline,
  type Device, type ScheduleStrategy,
} from '@kdsim/core';
import type { BootHooks, ExploreTarget, TargetRun } from './target.js';

/** Options of {@link xenGrantDmaStandIn}. */
export interface XenStandInOptions {
  /** Kernel command line (default `fw_devlink=on`). */
  readonly cmdline?: string;
  /** Kernel profile (default `linux-6.12`). */
  readonly profile?: string;
  /** Number of protected virtio-mmio devices (default 2). */
  readonly consumers?: number;
  /** Userspace module timeline (default `grant_dma_iommu`: the stub loads as soon as init runs). */
  readonly timeline?: string;
}

function populate(k: Kernel, bus: SimpleBus, nodes: readonly SoftwareNode[]): void {
  // of_platform_default_populate_init(): `name@unit` nodes become `unit.name` devices.
  for (const fwnode of nodes) {
    const at = fwnode.name.indexOf('@');
    const name = at < 0 ? fwnode.name : `${fwnode.name.slice(at + 1)}.${fwnode.name.slice(0, at)}`;
    k.deviceRegister({ name, bus, fwnode });
  }
}

/**
 * The Xen grant-DMA story of spec driver-core.md §14.1, built on the core with
 * stand-in drivers that follow the same mechanism: a `xen,grant-dma` node
 * whose only driver is the stub `grant_dma_iommu` module, and virtio-mmio
 * devices with `iommus = <&xen_iommu domid>` whose built-in driver defers
 * through driver_deferred_probe_check_state() (the OF IOMMU glue) while no
 * IOMMU is registered. The expectation: every virtio device probes with its
 * IOMMU (Xen grant DMA). Landing the module after `deferred_probe_timeout`
 * breaks it: the devices give up on the IOMMU and probe without it.
 */
export function xenGrantDmaStandIn(options: XenStandInOptions = {}): ExploreTarget {
  const n = options.consumers ?? 2;
  return {
    name: `xen-grant-dma stand-in (${n} virtio-mmio)`,
    boot(strategy: ScheduleStrategy, hooks: BootHooks = {}): TargetRun {
      const bus = new SimpleBus('platform');
      const xen = new SoftwareNode('xen-grant-dma', null, { compatible: ['xen,grant-dma'], '#iommu-cells': [1] });
      const virtio = Array.from({ length: n }, (_, i) => new SoftwareNode(`virtio@${(0x2000 + 0x200 * i).toString(16)}`, null, {
        compatible: ['virtio,mmio'], iommus: [{ node: xen, args: [1] }],
      }));
      const withoutIommu: string[] = [];
      let k!: Kernel;
      const hasIommu = (): boolean => k.device('xen-grant-dma')?.bound === true;
      const builtin = [
        new KernelModule('platform', { initcalls: [{ level: 'core', name: 'platform_bus_init', fn: (kk) => kk.busRegister(bus) }] }),
        new KernelModule('of_platform', { initcalls: [{ level: 'arch_sync', name: 'of_platform_default_populate_init', fn: (kk) => populate(kk, bus, [xen, ...virtio]) }] }),
        driverModule('virtio_mmio', [{
          name: 'virtio-mmio', bus, matchTable: ['virtio,mmio'],
          probe: (dev: Device) => {
            if (hasIommu()) return 0;
            // of_iommu_configure() → driver_deferred_probe_check_state()
            const r = k.deferred.checkState(dev);
            if (r === -Errno.EPROBE_DEFER) return k.devErrProbe(dev, r, 'IOMMU xen-grant-dma not registered');
            withoutIommu.push(dev.name);
            return 0;
          },
        }]),
      ];
      const modules = [driverModule('grant_dma_iommu', [{ name: 'grant-dma-iommu', bus, matchTable: ['xen,grant-dma'] }], 'subsys')];
      k = new Kernel({
        profile: options.profile ?? 'linux-6.12',
        cmdline: options.cmdline ?? 'fw_devlink=on',
        strategy, builtin, modules,
        userspace: parseModuleTimeline(options.timeline ?? 'grant_dma_iommu'),
      });
      hooks.observe?.(k);
      k.boot();
      return { kernel: k, failures: withoutIommu.map((d) => `${d} probed without its IOMMU (no Xen grant DMA)`) };
    },
  };
}

/** Options of {@link asyncFleet}. */
export interface AsyncFleetOptions {
  /** Devices (default 40). */
  readonly devices?: number;
  /** One supplier per this many devices (default 8): its consumers defer until it binds. */
  readonly groupSize?: number;
}

/**
 * A machine of many devices that probe asynchronously (`PROBE_PREFER_ASYNCHRONOUS`),
 * in groups of one supplier and its consumers; consumers defer through
 * dev_err_probe() until their supplier binds, and each group's drivers are a
 * separate built-in initcall. Every ordering must end with everything bound:
 * a benchmark and a test bed for the explorer's search and reduction.
 */
export function asyncFleet(options: AsyncFleetOptions = {}): ExploreTarget {
  const n = options.devices ?? 40;
  const group = Math.max(1, options.groupSize ?? 8);
  // What does not depend on the boot is built once: the names and the groups.
  const names = Array.from({ length: n }, (_, i) => (i % group === 0 ? `sup${i / group}` : `dev${i}`));
  const groups = Array.from({ length: Math.ceil(n / group) }, (_, g) => names.slice(g * group, (g + 1) * group));
  const driverNames = names.map((name) => `${name}-drv`);
  const matchTables = names.map((name) => [name]);
  return {
    name: `async fleet (${n} devices, groups of ${group})`,
    boot(strategy: ScheduleStrategy, hooks: BootHooks = {}): TargetRun {
      const bus = new SimpleBus('platform');
      let k!: Kernel;
      // Each group's supplier, as populate registers it.
      const suppliers: Device[] = [];
      const builtin: KernelModule[] = [
        new KernelModule('platform', { initcalls: [{ level: 'core', name: 'platform_bus_init', fn: (kk) => kk.busRegister(bus) }] }),
        new KernelModule('populate', {
          initcalls: [{
            level: 'arch_sync', name: 'populate', fn: (kk) => {
              for (let i = 0; i < n; i++) {
                const dev = kk.deviceRegister({ name: names[i]!, bus });
                if (i % group === 0) suppliers.push(dev);
              }
            },
          }],
        }),
      ];
      groups.forEach((members, g) => {
        const supplierName = members[0]!;
        const consumerProbe = (dev: Device): number => {
          const sup = suppliers[g];
          if (sup !== undefined && sup.registered && sup.bound) return 0;
          return k.devErrProbe(dev, -Errno.EPROBE_DEFER, `waiting for ${supplierName}`);
        };
        const specs = members.map((_, j) => ({
          name: driverNames[g * group + j]!, bus, matchTable: matchTables[g * group + j], probeType: 'prefer-async' as const, probeCost: 50 * NSEC_PER_USEC,
          probe: j === 0 ? supplierProbe : consumerProbe,
        }));
        builtin.push(driverModule(`group${g}`, specs));
      });
      k = new Kernel({ profile: 'linux-6.12', strategy, builtin });
      hooks.observe?.(k);
      k.boot();
      const failures = k.devices.filter((d) => !d.bound).map((d) => `${d.name} not bound`);
      return { kernel: k, failures };
    },
  };
}

// A group's supplier binds at once.
function supplierProbe(): number {
  return 0;
}
