import { acpiStep } from './machine/acpi.js';
import { busesStep } from './machine/buses.js';
import { devicesStep } from './machine/devices.js';
import { dtStep } from './machine/dt.js';
import { swnodesStep } from './machine/swnodes.js';
import { deferredTimeoutPolicy } from './policies/deferred-timeout.js';
import { fwDevlinkPolicy } from './policies/fw-devlink.js';
import { ScenarioRegistry } from './registry.js';
import { CORE_STEPS } from './userspace/steps.js';

/**
 * A registry with what exists without bus, IOMMU and endpoint-driver
 * packages: the bus step, software nodes, devicetree and ACPI firmware,
 * inline devices, the fw_devlink and deferred-probe-timeout policies and the
 * core userspace steps. Those packages add their entries to it.
 */
export function defaultRegistry(): ScenarioRegistry {
  const r = new ScenarioRegistry();
  for (const step of [busesStep, acpiStep, dtStep, swnodesStep, devicesStep]) r.addMachineStep(step);
  r.addPolicy(fwDevlinkPolicy).addPolicy(deferredTimeoutPolicy);
  for (const s of CORE_STEPS) r.addStep(s);
  return r;
}
