// A/B of two builds of kdsim in one process: node bench/ab-interleaved.js BASE_ROOT NEW_ROOT [TARGET] [CHUNK] [ROUNDS]
// TARGET is `fleet` (the code-built 40-device fleet), `yaml` (test/scenarios/async-fleet-40.yaml)
// or a scenario path relative to each root. Both builds warm up, then run alternating chunks of
// the same seeded orderings; CPU time is summed per side, so the host's own drift (±20 % within
// minutes on a shared machine) hits both sides alike. Prints orderings per CPU-second and the ratio.
const [baseRoot, newRoot, which = 'yaml', chunkArg = '500', roundsArg = '20'] = process.argv.slice(2);
if (baseRoot === undefined || newRoot === undefined) {
  console.error('usage: node bench/ab-interleaved.js BASE_ROOT NEW_ROOT [fleet|yaml|SCENARIO] [CHUNK] [ROUNDS]');
  process.exit(2);
}
const chunk = Number(chunkArg);
const rounds = Number(roundsArg);
const sides = [];
for (const root of [baseRoot, newRoot]) {
  const m = await import(new URL(`file://${root}/packages/explore/dist/index.js`).href);
  const target = which === 'fleet' ? m.asyncFleet({ devices: 40, groupSize: 8 })
    : m.scenarioFileTarget(`${root}/${which === 'yaml' ? 'test/scenarios/async-fleet-40.yaml' : which}`);
  sides.push({ m, target, cpu: 0, runs: 0 });
}
const warmUp = which === 'fleet' ? 8000 : which === 'yaml' ? 3000 : 400;
for (const s of sides) await s.m.exploreAsync(s.target, { runs: warmUp, determinism: 'off', stopAtFirst: false });
for (let r = 0; r < rounds; r++) {
  // Alternate which side goes first, so neither always runs right after the other's garbage.
  for (const s of r % 2 === 0 ? sides : [...sides].reverse()) {
    const c0 = process.cpuUsage();
    const res = await s.m.exploreAsync(s.target, { runs: chunk, seed: 3, firstIndex: r * chunk, determinism: 'off', stopAtFirst: false });
    const c = process.cpuUsage(c0);
    s.cpu += (c.user + c.system) / 1e6;
    s.runs += res.runs;
  }
}
const [a, b] = sides.map((s) => s.runs / s.cpu);
console.log(`base ${Math.round(a)}  new ${Math.round(b)}  ratio ${(b / a).toFixed(3)}`);
