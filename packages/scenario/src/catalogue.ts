import { DEBIAN_6_12_BUILTIN, endpointModules } from '@kdsim/driver-endpoints';
import { armSmmuV3Module } from '@kdsim/driver-arm-smmu-v3';
import { virtioIommuModule } from '@kdsim/driver-virtio-iommu';
import { moduleEntry, type DriverEntry } from './registry.js';
import { vfioCatalogueEntries } from './vfio-steps.js';

/** The bus cores and firmware enumerators the hardware step builds in itself (not drivers a scenario picks). */
export const MACHINE_MODULES: readonly string[] = ['platform', 'virtio', 'pci', 'amba', 'of_platform', 'acpi_pci_root', 'acpi_platform', 'acpi_viot', 'iommu'];

/**
 * Every real driver module the packages provide, by its Linux module name:
 * the endpoint and port drivers, the transports, `arm_smmu_v3` and
 * `virtio_iommu`. (The machine modules are listed too, so a scenario may
 * name them; the hardware step adds them anyway.)
 */
export function catalogueEntries(): DriverEntry[] {
  const out: DriverEntry[] = [];
  for (const m of endpointModules.values()) out.push(moduleEntry(m, `Linux module ${m.name} (@kdsim/driver-endpoints and the bus packages)`));
  out.push(moduleEntry(armSmmuV3Module, 'Linux module arm_smmu_v3: the ARM SMMUv3 driver (@kdsim/driver-arm-smmu-v3)'));
  out.push(moduleEntry(virtioIommuModule, 'Linux module virtio_iommu: the virtio-iommu driver (@kdsim/driver-virtio-iommu)'));
  out.push(...vfioCatalogueEntries());
  return out;
}

/** The drivers Debian 6.12 builds in for `arch`, in link order (machine modules left out). */
export function debianBuiltinDrivers(arch: string): string[] {
  const list = DEBIAN_6_12_BUILTIN[arch === 'x86_64' ? 'amd64' : 'arm64'].filter((m) => !MACHINE_MODULES.includes(m));
  if (arch === 'x86_64') return list;
  // drivers/Makefile: iommu/ links after virtio/ and tty/, before rtc/ (CONFIG_ARM_SMMU_V3=y).
  const at = list.indexOf('virtio_pci');
  return [...list.slice(0, at + 1), 'arm_smmu_v3', ...list.slice(at + 1)];
}

/** The modules Debian 6.12 builds as loadable for `arch`: every other catalogue driver. */
export function debianLoadableDrivers(arch: string): string[] {
  const builtin = new Set(debianBuiltinDrivers(arch));
  return catalogueEntries().map((e) => e.module).filter((m) => !builtin.has(m) && !MACHINE_MODULES.includes(m));
}
