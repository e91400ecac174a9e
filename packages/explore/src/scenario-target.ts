import { loadScenario, runScenario, type Scenario } from '@kdsim/scenario';
import type { ScheduleStrategy } from '@kdsim/core';
import type { BootHooks, ExploreTarget, TargetRun } from './target.js';

/** A scenario as an explorer target: each boot is `runScenario()` with the explorer's strategy; failed expectations are its failures. */
export function scenarioTarget(scenario: Scenario): ExploreTarget {
  return {
    name: scenario.doc.name,
    boot(strategy: ScheduleStrategy, hooks: BootHooks = {}): TargetRun {
      const r = runScenario(scenario, { strategy, observe: hooks.observe });
      return { kernel: r.kernel, failures: r.expectations.filter((e) => !e.passed).map((e) => `${e.kind} ${e.subject}: ${e.message}`) };
    },
  };
}

/** {@link scenarioTarget} of a scenario file (what worker threads load by path). */
export function scenarioFileTarget(file: string): ExploreTarget {
  return scenarioTarget(loadScenario(file));
}
