import { Errno, Kernel, KernelModule, SimpleBus, SoftwareNode, parseModuleTimeline, type Device, type DriverSpec, type KernelOptions } from '@kdsim/core';

/**
 * The built-in default machine: a small SoC described with software nodes.
 * An IOMMU-like supplier whose driver is a module loaded late, consumers
 * that defer on it until it binds, one device that never gets its supplier.
 * It shows deferral, the FIFO replay when the module lands, and the timeout.
 * `options` adds kernel options (`recordTrace`).
 */
export function defaultMachine(cmdline = '', options: Pick<KernelOptions, 'recordTrace'> = {}): Kernel {
  const bus = new SimpleBus('platform');
  const soc = new SoftwareNode('soc');
  const iommu = new SoftwareNode('iommu@5000000', soc, { compatible: ['vendor,smmu'] });
  const consumers = ['ethernet@6000000', 'usb@6100000', 'gpu@6200000'].map((n) => new SoftwareNode(n, soc, { compatible: ['vendor,endpoint'] }));
  const orphan = new SoftwareNode('dsp@6300000', soc, { compatible: ['vendor,dsp'] });

  let k!: Kernel;
  const needsIommu = (dev: Device): number =>
    k.deviceOfFwnode(iommu)?.bound === true ? 0 : k.devErrProbe(dev, -Errno.EPROBE_DEFER, `waiting for ${iommu.path}`);
  const endpoint: DriverSpec = { name: 'vendor-endpoint', bus, matchTable: ['vendor,endpoint'], probe: needsIommu };
  const dsp: DriverSpec = { name: 'vendor-dsp', bus, matchTable: ['vendor,dsp'], probe: (dev) => k.devErrProbe(dev, -Errno.EPROBE_DEFER, 'firmware loader not ready') };
  const smmu: DriverSpec = { name: 'vendor-smmu', bus, matchTable: ['vendor,smmu'] };

  const builtin = [
    new KernelModule('platform', { initcalls: [{ level: 'core', name: 'platform_bus_init', fn: (kk) => kk.busRegister(bus) }] }),
    new KernelModule('of_platform', {
      initcalls: [{
        level: 'arch_sync', name: 'of_platform_default_populate_init', fn: (kk) => {
          for (const node of [iommu, ...consumers, orphan]) kk.deviceRegister({ name: node.name.replace(/^(.*)@(.*)$/, '$2.$1'), bus, fwnode: node });
        },
      }],
    }),
    new KernelModule('vendor_endpoint', { initcalls: [{ level: 'device', name: 'endpoint_init', fn: (kk) => kk.driverRegister(endpoint) }] }),
    new KernelModule('vendor_dsp', { initcalls: [{ level: 'device', name: 'dsp_init', fn: (kk) => kk.driverRegister(dsp) }] }),
  ];
  const modules = [new KernelModule('vendor_smmu', { initcalls: [{ level: 'device', name: 'smmu_init', fn: (kk) => kk.driverRegister(smmu) }] })];
  k = new Kernel({
    profile: 'linux-6.12',
    cmdline: `dyndbg="file drivers/base/dd.c +p" ${cmdline}`.trim(),
    builtin,
    modules,
    userspace: parseModuleTimeline('sleep2,vendor_smmu'),
    ...options,
  });
  return k;
}
