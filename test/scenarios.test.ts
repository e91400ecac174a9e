import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO_PATH, loadScenario, runScenario, runSuite } from '@kdsim/scenario';

const DIR = join(import.meta.dirname, 'scenarios');

describe('scenario regression suite (test/scenarios)', () => {
  const suite = runSuite(DIR);

  it('loads every scenario file', () => {
    expect(suite.entries.length).toBe(readdirSync(DIR).filter((f) => f.endsWith('.yaml')).length);
    expect(suite.entries.filter((e) => e.error !== null).map((e) => e.error?.message)).toEqual([]);
  });

  for (const e of suite.entries) {
    it(`${e.name}`, () => {
      const failed = e.result?.expectations.filter((x) => !x.passed).map((x) => `${x.kind} ${x.subject}: ${x.message}`);
      expect(failed).toEqual([]);
      expect(e.result?.expectations.length).toBeGreaterThan(0);
    });
  }

  it('the built-in default scenario holds its own expectations', () => {
    expect(runScenario(loadScenario(DEFAULT_SCENARIO_PATH)).passed).toBe(true);
  });
});
