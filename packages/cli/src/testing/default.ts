import { fileURLToPath } from 'node:url';
import type { Kernel } from '@kdsim/core';
import { loadScenario, runScenario } from '@kdsim/scenario';

/** The SoC example shipped beside the default scenario: software nodes, a late IOMMU module, a clock link, a DSP that keeps deferring. */
export const SOC_EXAMPLE = fileURLToPath(new URL('../../../scenario/scenarios/soc-late-iommu.yaml', import.meta.url));

/** The SoC example, booted with its trace recorded. */
export function bootSocExample(): Kernel {
  return runScenario(loadScenario(SOC_EXAMPLE), { recordTrace: true }).kernel;
}
