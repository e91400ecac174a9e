import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Kernel } from '@kdsim/core';
import { asyncFleet } from './examples.js';
import { scenarioFileTarget } from './scenario-target.js';
import { SampleStrategy } from './search.js';
import { runOnce } from './verdict.js';
import type { ExploreTarget } from './target.js';

const FLEET_DEVICES = fileURLToPath(new URL('../../../test/scenarios/async-fleet-40-devices.yaml', import.meta.url));

// Everything a boot did that the explorer can see: the klog, every decision and the bind order.
function bootRecord(target: ExploreTarget, seed: number): string {
  let k: Kernel | undefined;
  const v = runOnce(target, new SampleStrategy(7, seed, undefined, true), {}, { observe: (kk) => { k = kk; } });
  const log = k!.klog.records().map((r) => `${r.time} ${r.level} ${r.text}`);
  const decisions = k!.scheduler.decisions.map((d) => `${d.kind} ${d.time} ${d.chosen}/${d.count} ${d.options.join(',')}`);
  return [v.failures.join(';'), ...log, ...decisions, k!.bindOrder.map((d) => d.name).join(',')].join('\n');
}

describe('a scenario file as an explorer target', () => {
  it('boots asyncFleet() written as a scenario exactly as the code-built fleet boots, ordering for ordering', () => {
    const code = asyncFleet({ devices: 40, groupSize: 8 });
    const file = scenarioFileTarget(FLEET_DEVICES);
    for (let seed = 0; seed < 25; seed++) expect(bootRecord(file, seed)).toBe(bootRecord(code, seed));
  });
});
