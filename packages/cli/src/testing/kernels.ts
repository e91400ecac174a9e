import { DL_FLAG, Errno, Kernel, KernelModule, SimpleBus, parseModuleTimeline, type Device, type DriverSpec } from '@kdsim/core';

/** A device name built to break HTML, SVG, DOT and script contexts. */
export const HOSTILE = '<img src=x onerror=alert(1)></script><script>alert(2)</script>"\\N&amp;';

/**
 * A small machine with something of everything the renderers draw: a parent
 * and children, a managed link that becomes active, a consumer deferred on a
 * supplier that never binds, a stateless link, a sync-state-only link, an
 * async probe, a module loaded by userspace, and a device whose name is
 * {@link HOSTILE}.
 */
export function linkedMachine(): Kernel {
  const bus = new SimpleBus('sim');
  const drv = (name: string, devices: readonly string[], extra: Partial<DriverSpec> = {}): DriverSpec => ({ name, bus, matchTable: devices, ...extra });
  const builtin = [
    new KernelModule('sim_bus', { initcalls: [{ level: 'core', name: 'sim_bus_init', fn: (k) => k.busRegister(bus) }] }),
    new KernelModule('board', {
      initcalls: [{
        level: 'arch_sync', name: 'board_init', fn: (k) => {
          const soc = k.deviceRegister({ name: 'soc', bus });
          const add = (name: string): Device => k.deviceRegister({ name, bus, parent: soc });
          const [smmu, clk, eth, cam, bad, pmic] = ['smmu', 'clk', 'eth', 'camera', HOSTILE, 'pmic'].map(add) as [Device, Device, Device, Device, Device, Device];
          k.deviceLinkAdd(eth, clk, DL_FLAG.AUTOPROBE_CONSUMER);
          k.deviceLinkAdd(cam, pmic, DL_FLAG.AUTOREMOVE_CONSUMER);
          k.deviceLinkAdd(bad, smmu, DL_FLAG.STATELESS);
          k.deviceLinkAdd(soc, clk, DL_FLAG.SYNC_STATE_ONLY);
        },
      }],
    }),
    new KernelModule('drivers', {
      initcalls: [{
        level: 'device', name: 'drivers_init', fn: (k) => {
          for (const d of [
            drv('soc-drv', ['soc']), drv('clk-drv', ['clk']), drv('eth-drv', ['eth', HOSTILE], { probeType: 'prefer-async' }), drv('cam-drv', ['camera']),
            drv('pmic-drv', ['pmic'], { probe: () => -Errno.EPROBE_DEFER }),
          ]) k.driverRegister(d);
        },
      }],
    }),
  ];
  const modules = [new KernelModule('smmu', { initcalls: [{ level: 'device', name: 'smmu_init', fn: (k) => k.driverRegister(drv('smmu-drv', ['smmu'])) }] })];
  return new Kernel({ profile: 'linux-6.12', builtin, modules, userspace: parseModuleTimeline('sleep1,smmu'), recordTrace: true });
}
