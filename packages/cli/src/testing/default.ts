import type { Kernel } from '@kdsim/core';
import { DEFAULT_SCENARIO_PATH, loadScenario, runScenario } from '@kdsim/scenario';

/** The built-in default scenario, booted with its trace recorded. */
export function bootDefault(): Kernel {
  return runScenario(loadScenario(DEFAULT_SCENARIO_PATH), { recordTrace: true }).kernel;
}
