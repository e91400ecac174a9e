import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ScenarioError } from './errors.js';
import { runScenario, type RunOptions, type RunResult } from './runner.js';
import { loadScenario, type LoadOptions } from './scenario.js';

/** One scenario file of a suite: its run, or the error that stopped it loading or running. */
export interface SuiteEntry {
  /** The file (absolute). */
  readonly file: string;
  /** The scenario name, or the file name when it did not load. */
  readonly name: string;
  /** The run, when it loaded and ran. */
  readonly result: RunResult | null;
  /** The user error, when it did not. */
  readonly error: ScenarioError | null;
}

/** A suite run. */
export interface SuiteResult {
  /** The directory. */
  readonly dir: string;
  /** One entry per `*.yaml`/`*.yml` file, in name order. */
  readonly entries: readonly SuiteEntry[];
  /** Scenarios whose expectations all held. */
  readonly passed: number;
  /** Scenarios with a failed expectation. */
  readonly failed: number;
  /** Scenarios that did not load or run. */
  readonly errors: number;
}

/** Progress callbacks of {@link runSuite} (a CLI draws its bar from them). */
export interface SuiteProgress {
  /** Called once with the number of scenario files found. */
  readonly onStart?: (total: number) => void;
  /** Called after each scenario file, run or not. */
  readonly onScenario?: (file: string) => void;
}

/** Runs every `*.yaml` (and `*.yml`) file in `dir`, in name order. */
export function runSuite(dir: string, options: RunOptions & LoadOptions & SuiteProgress = {}): SuiteResult {
  const abs = resolve(dir);
  const files = readdirSync(abs).filter((f) => /\.ya?ml$/.test(f)).sort();
  options.onStart?.(files.length);
  const entries: SuiteEntry[] = files.map((f) => {
    const file = join(abs, f);
    try {
      const s = loadScenario(file, options);
      return { file, name: s.doc.name, result: runScenario(s, options), error: null };
    } catch (e) {
      if (e instanceof ScenarioError) return { file, name: f, result: null, error: e };
      throw e;
    } finally {
      options.onScenario?.(file);
    }
  });
  return {
    dir: abs,
    entries,
    passed: entries.filter((e) => e.result?.passed === true).length,
    failed: entries.filter((e) => e.result?.passed === false).length,
    errors: entries.filter((e) => e.error !== null).length,
  };
}
