/**
 * @packageDocumentation
 * Scenario files: the YAML schema and loader, the machine builder and its
 * registry (drivers, machine steps, buses, policies, userspace steps), the
 * runner, expectations, diffs between profiles or policies, and suites.
 */
export { ScenarioError, type ScenarioErrorKind, type ScenarioErrorDetails } from './errors.js';
export type * from './document.js';
export { YamlSource } from './source.js';
export { SCENARIO_SCHEMA_PATH, scenarioSchema, validateScenario } from './schema.js';
export {
  ScenarioRegistry, FwnodePaths, normaliseName, type BuildContext, type MachineStep, type DriverEntry, type PolicyEntry, type StepKind, type StepAction, type StepMeta,
  type GroupsProvider, type BusFactory,
} from './registry.js';
export { defaultRegistry } from './defaults.js';
export { loadScenario, parseScenario, isLoadable, type Scenario, type ScenarioFirmware, type CompiledStep, type LoadOptions } from './scenario.js';
export { runScenario, type RunOptions, type RunResult } from './runner.js';
export { evaluateExpectations, evaluateStepExpectations, textMatcher, type ExpectationResult, type ExpectInput } from './expect.js';
export {
  summarize, deferredRows, SUMMARY_SCHEMA_VERSION, type RunSummary, type DeviceRow, type DriverRow, type DeferredRow,
} from './summary.js';
export { parseDuration } from './duration.js';
export { parseErrno } from './errno-value.js';
export { inlineDriver } from './drivers/inline.js';
export { platformDeviceName } from './machine/populate.js';
export { diffScenario, diffSideOptions, type DiffSide, type DiffRow, type ScenarioDiff } from './diff.js';
export { runSuite, type SuiteProgress, type SuiteEntry, type SuiteResult } from './suite.js';
export { junitXml, xmlEscape } from './junit.js';
export { DEFAULT_SCENARIO_PATH } from './default-scenario.js';
export {
  registerVfio, vfioStepKinds, vfioCatalogueEntries, bindPasidTablePolicy, vfioScenarioModule, vfioPciScenarioModule, VFIO_STEP_ARGS, vfioStepRecords, vfioStepOutput,
} from './vfio-steps.js';
export { smmuv3Step } from './machine/smmuv3.js';
