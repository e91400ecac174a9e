import { KernelModule } from '@kdsim/core';
import { virtioBusOf, type VirtioPciModel } from '@kdsim/bus-virtio';
import type { MsiController } from '@kdsim/iommu';
import { VirtioIommuDeviceModel, type ViommuDeviceInit, type ViommuResvMem } from './device-model.js';
import { VIRTIO_IOMMU_RESV_MEM_T } from './protocol.js';
import { VirtioIommuDriver } from './driver.js';

/**
 * The `virtio_iommu` module (module_virtio_driver(virtio_iommu_drv)): its
 * init registers the `virtio_iommu` driver on the virtio bus; one driver
 * (and iommu_ops) per kernel.
 */
export const virtioIommuModule = new KernelModule('virtio_iommu', {
  initcalls: [{
    level: 'device',
    name: 'virtio_iommu_drv_init',
    fn: (k) => k.driverRegister(new VirtioIommuDriver(k).virtioDriver(virtioBusOf(k))),
  }],
});

/**
 * What QEMU 7.2's x86 machines set on a virtio-iommu-pci (hw/i386/pc.c,
 * pc_machine_device_pre_plug_cb()): the APIC range as the reserved MSI region
 * of every endpoint, so Linux bypasses it instead of adding a software MSI window.
 */
export const QEMU_X86_VIOMMU_RESERVED_REGIONS: readonly ViommuResvMem[] = [{ subtype: VIRTIO_IOMMU_RESV_MEM_T.MSI, start: 0xfee00000n, end: 0xfeefffffn }];

/**
 * What QEMU 7.2's arm virt machine sets on a virtio-iommu-pci (hw/arm/virt.c,
 * virt_machine_device_pre_plug_cb()): the MSI doorbell as every endpoint's MSI region —
 * an ITS's GITS_TRANSLATER page (its second 64 KiB page) or the GICv2m frame — so Linux
 * maps MSIs there untranslated instead of adding a software MSI window. `msi` is the
 * machine's first MSI controller (`msiControllers()` of @kdsim/iommu).
 */
export function qemuArmVirtViommuReservedRegions(msi: MsiController | null): readonly ViommuResvMem[] {
  if (msi === null) return [];
  const start = msi.kind === 'its' ? msi.base + 0x10000n : msi.base;
  return [{ subtype: VIRTIO_IOMMU_RESV_MEM_T.MSI, start, end: msi.base + msi.size - 1n }];
}

/**
 * The transport side of QEMU 7.2's virtio-iommu-pci for the virtio-pci
 * driver: the device's features (QEMU_VIOMMU_FEATURES) and a fresh modelled
 * device in its config space. One per machine (the model holds state).
 */
export function qemuVirtioIommuPciModel(init: ViommuDeviceInit = {}): VirtioPciModel {
  const model = new VirtioIommuDeviceModel(init);
  return { features: model.features, config: { viommu: model } };
}
