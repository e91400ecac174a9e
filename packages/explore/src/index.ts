/**
 * @packageDocumentation
 * Explores the probe orderings a real kernel can take on one machine: seeded
 * random sampling and exhaustive search with sleep-set reduction, checked
 * against the target's expectations and the driver-core invariants; shrinks a
 * failing ordering to a minimal schedule and encodes it as a replay token.
 */
export { ExploreError, type ExploreErrorKind } from './errors.js';
export {
  type Schedule, DEFAULT_SCHEDULE, scheduleOf, chosenOf, deviations, ScheduleReplay, encodeSchedule, decodeSchedule, TOKEN_VERSION,
} from './schedule.js';
export type { ExploreTarget, TargetRun, BootHooks } from './target.js';
export { checkInvariants, type InvariantOptions } from './invariants.js';
export { type RunVerdict, traceHash, scheduleHash, runOnce, runSchedule, checkDeterminism } from './verdict.js';
export { type Footprint, EVERYTHING, independent, FootprintCollector } from './footprint.js';
export {
  explore, exploreAsync, SampleStrategy, runSeed, REAL_CHOICE_KINDS, type ExploreOptions, type ExploreAsyncOptions, type ExploredRun,
  type ExploreResult,
} from './search.js';
export { shrink, type ShrinkOptions, type ShrinkResult } from './shrink.js';
export { describeSchedule } from './report.js';
export { xenGrantDmaStandIn, asyncFleet, type XenStandInOptions, type AsyncFleetOptions } from './examples.js';
export { scenarioTarget, scenarioFileTarget } from './scenario-target.js';
export { type TargetSpec, type ChunkResult, mergeChunks, resolveTarget } from './pool-task.js';
export { exploreParallel, type ParallelOptions } from './pool.js';
