import { fileURLToPath } from 'node:url';

/** The built-in default scenario `kdsim run` runs without an argument (`packages/scenario/scenarios/default.yaml`). */
export const DEFAULT_SCENARIO_PATH = fileURLToPath(new URL('../scenarios/default.yaml', import.meta.url));
