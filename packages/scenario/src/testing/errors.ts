import { ScenarioError } from '../errors.js';

/** Runs `f` and returns the ScenarioError it throws; fails the test if it throws nothing or something else. */
export function catchScenarioError(f: () => unknown): ScenarioError {
  try {
    f();
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('expected a ScenarioError');
}
