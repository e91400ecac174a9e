import { IommuCore, iommuCore } from '@kdsim/iommu';
import { registerIort } from '@kdsim/driver-iort';
import { catalogueEntries } from './catalogue.js';
import { hardwareStep } from './machine/hardware.js';
import { acpiStep } from './machine/acpi.js';
import { busesStep } from './machine/buses.js';
import { devicesStep } from './machine/devices.js';
import { dtStep } from './machine/dt.js';
import { swnodesStep } from './machine/swnodes.js';
import { deferredTimeoutPolicy } from './policies/deferred-timeout.js';
import { fwDevlinkPolicy } from './policies/fw-devlink.js';
import { ScenarioRegistry } from './registry.js';
import { CORE_STEPS } from './userspace/steps.js';
import { registerVfio } from './vfio-steps.js';
import { smmuv3Step } from './machine/smmuv3.js';
import { virtioMmioStep } from './machine/virtio-mmio.js';
import { registerXen } from '@kdsim/driver-xen-grant-dma';

/**
 * The registry scenarios resolve against: the bus step, software nodes,
 * devicetree and ACPI firmware, the hardware step (PCI, platform and virtio
 * buses, the IOMMU core and VIOT glue), inline devices, every real driver
 * module by its Linux name, the IOMMU groups view, the fw_devlink and
 * deferred-probe-timeout policies and the core userspace steps.
 */
export function defaultRegistry(): ScenarioRegistry {
  const r = new ScenarioRegistry();
  for (const step of [busesStep, acpiStep, dtStep, hardwareStep, smmuv3Step, virtioMmioStep, swnodesStep, devicesStep]) r.addMachineStep(step);
  r.addPolicy(fwDevlinkPolicy).addPolicy(deferredTimeoutPolicy);
  for (const s of CORE_STEPS) r.addStep(s);
  for (const d of catalogueEntries()) r.addDriver(d);
  registerIort(r);
  registerVfio(r);
  registerXen(r);
  // /sys/kernel/iommu_groups, by group number
  r.groups = (k) => (k.hasContainer && k.container.isBound(IommuCore) ? iommuCore(k).groups().map((g) => g.devices) : []);
  return r;
}
