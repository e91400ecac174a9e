// Test support (not exported): a kernel with the PCI bus and a topology.
import { Kernel, type DriverSpec, type InitcallLevel, type KernelOptions, driverModule } from '@kdsim/core';
import { acpiPciRootModule, pciBusModule, PciTopology } from '../module.js';
import type { PciHostEntry } from '../input.js';
import { PciBus } from '../bus.js';

export const DYNDBG = 'dyndbg="file drivers/base/dd.c +p; file drivers/base/core.c +p; file drivers/base/bus.c +p"';

/** A kernel whose ACPI root scan enumerates `hosts`; `drivers(bus)` are built in at device_initcall. */
export function pciKernel(
  hosts: readonly PciHostEntry[], drivers: (bus: PciBus) => DriverSpec[] = () => [], options: KernelOptions = {}, level: InitcallLevel = 'device',
): Kernel {
  const topo = new PciTopology(hosts);
  let bus: PciBus | null = null;
  const k = new Kernel({
    cmdline: DYNDBG,
    config: { arch: 'x86_64' },
    ...options,
    builtin: [
      pciBusModule,
      acpiPciRootModule,
      driverModule('test_drivers', (kk) => drivers(bus ??= kk.container.get(PciBus)), level),
      ...(options.builtin ?? []),
    ],
    configure: (c) => {
      c.bind(PciTopology).toConstantValue(topo);
      options.configure?.(c);
    },
  });
  return k;
}

/** Klog texts of `k`. */
export function texts(k: Kernel): string[] {
  return k.klog.records().map((r) => r.text);
}
