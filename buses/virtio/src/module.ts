import { Kernel, KernelModule, driverModule } from '@kdsim/core';
import { pciBusOf } from '@kdsim/bus-pci';
import { platformBusOf } from '@kdsim/bus-platform';
import { VirtioBus } from './bus.js';
import { VirtioHardware } from './hardware.js';
import { virtioMmioDriver } from './mmio-transport.js';
import { virtioPciDriver } from './pci-transport.js';

/** The virtio bus of kernel `k` (bound by {@link virtioBusModule}). */
export function virtioBusOf(k: Kernel): VirtioBus {
  return k.container.get(VirtioBus);
}

/** The machine's {@link VirtioHardware}, or defaults when none is bound. */
export function virtioHardwareOf(k: Kernel): VirtioHardware {
  return k.container.isBound(VirtioHardware) ? k.container.get(VirtioHardware) : new VirtioHardware();
}

/** virtio.c: virtio_init() at core_initcall — binds {@link VirtioBus} and registers `virtio`. */
export const virtioBusModule = new KernelModule('virtio', {
  services: (options) => {
    options.bind(VirtioBus).toResolvedValue((k: Kernel) => new VirtioBus(k), [Kernel]).inSingletonScope();
  },
  initcalls: [{ level: 'core', name: 'virtio_init', fn: (k) => k.busRegister(virtioBusOf(k)) }],
});

/** The `virtio_pci` module (module_pci_driver(virtio_pci_driver)): registers the `virtio-pci` driver. */
export const virtioPciModule = driverModule('virtio_pci', (k) => [virtioPciDriver(k, pciBusOf(k), virtioBusOf(k), () => virtioHardwareOf(k))]);

/** The `virtio_mmio` module: registers the `virtio-mmio` platform driver. */
export const virtioMmioModule = driverModule('virtio_mmio', (k) => [virtioMmioDriver(k, platformBusOf(k), virtioBusOf(k), () => virtioHardwareOf(k))]);
