import type { KernelModule } from '@kdsim/core';
import { acpiPciRootModule, pciBusModule } from '@kdsim/bus-pci';
import { acpiPlatformModule, ambaBusModule, ofPlatformModule, platformBusModule } from '@kdsim/bus-platform';
import { virtioBusModule, virtioMmioModule, virtioPciModule } from '@kdsim/bus-virtio';
import { ambaPl011Module, gpioKeysModule, gpioPl061Module, qemuFwCfgModule, rtcPl031Module } from './arm-virt.js';
import { agpgartModule, ahciModule, e1000eModule, intelAgpModule, nvmeModule } from './pci-endpoints.js';
import { pciHostGenericModule } from './pci-host-generic.js';
import { pcieportModule, shpchpModule } from './pcieport.js';
import { virtioBlkModule, virtioNetModule, virtioRngModule } from './virtio-drivers.js';

const ofPlatform = ofPlatformModule();

/**
 * Every module this package and the bus packages provide, by the name Linux
 * gives it (`_` form; `virtio-rng` and `virtio_rng` are the same to
 * insmod): the bus cores, the DT/ACPI enumerators, and the drivers. The
 * scenario layer picks built-ins and loadable modules from it.
 */
export const endpointModules: ReadonlyMap<string, KernelModule> = new Map([
  pciBusModule, acpiPciRootModule, platformBusModule, ambaBusModule, ofPlatform, acpiPlatformModule, virtioBusModule,
  virtioPciModule, virtioMmioModule, pcieportModule, shpchpModule, pciHostGenericModule,
  virtioNetModule, virtioRngModule, virtioBlkModule, e1000eModule, ahciModule, nvmeModule, agpgartModule, intelAgpModule,
  ambaPl011Module, gpioPl061Module, rtcPl031Module, gpioKeysModule, qemuFwCfgModule,
].map((m) => [m.name, m]));

/**
 * What the Debian 6.12 kernels of the calibration machines build in, among
 * the modules above, in link order (which decides the order of built-in
 * drivers registering at the same initcall level). Everything else in the
 * catalogue is a loadable module there.
 */
export const DEBIAN_6_12_BUILTIN: Readonly<Record<'amd64' | 'arm64', readonly string[]>> = {
  amd64: ['platform', 'virtio', 'pci', 'acpi_pci_root', 'acpi_platform', 'pcieport', 'shpchp', 'virtio_pci', 'agpgart', 'intel_agp'],
  arm64: ['platform', 'virtio', 'pci', 'amba', 'of_platform', 'amba_pl011', 'gpio_pl061', 'pcieport', 'shpchp', 'pci_host_generic', 'virtio_pci', 'rtc_pl031'],
};

/** The built-in modules of {@link DEBIAN_6_12_BUILTIN} for `arch`, in link order. */
export function debianBuiltins(arch: 'amd64' | 'arm64'): KernelModule[] {
  return DEBIAN_6_12_BUILTIN[arch].map((n) => endpointModules.get(n)!);
}

/** The loadable modules for `arch`: the catalogue minus the built-ins. */
export function debianLoadable(arch: 'amd64' | 'arm64'): KernelModule[] {
  const builtin = new Set(DEBIAN_6_12_BUILTIN[arch]);
  return [...endpointModules.values()].filter((m) => !builtin.has(m.name));
}
