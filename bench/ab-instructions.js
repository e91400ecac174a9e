// A/B of two builds of kdsim by instructions per ordering, counted by valgrind's cachegrind:
//   node bench/ab-instructions.js BASE_ROOT NEW_ROOT [SCENARIO]
// Wall and CPU time on a shared machine drift by ±20 % within minutes, and the in-process A/B
// (bench/ab-interleaved.js) cannot see a change below about 5 %. An instruction count does not
// drift. Each build explores the scenario (default: the YAML fleet) twice under cachegrind, with
// 3 000 orderings of warm-up and then 1 000 or 2 000 more; the difference of the two counts is
// the cost of 1 000 warm orderings, start-up and warm-up cancelled out. Instructions are not time
// (a cache miss costs more than an add), so a change should also be checked against the clock.
// SCENARIO `fleet` is the code-built 40-device fleet (asyncFleet()), warmed up with 8 000.
// Needs valgrind; the four runs take 2–3 minutes, two at a time. Run it on an otherwise idle
// machine: V8 starts some collections on timers, and a run slowed by other work (under
// valgrind, 50 times slower already) then counts more of them — two A/Bs run at once gave
// +14 % where the same builds measured alone gave −6 %.
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const [baseRoot, newRoot, scenario = 'test/scenarios/async-fleet-40.yaml'] = process.argv.slice(2);
if (baseRoot === undefined || newRoot === undefined) {
  console.error('usage: node bench/ab-instructions.js BASE_ROOT NEW_ROOT [fleet | SCENARIO relative to each root]');
  process.exit(2);
}

// The program each cachegrind run executes: warm up, then explore `extra` more orderings.
const program = (root, extra) => `
const m = await import(${JSON.stringify(`${root}/packages/explore/dist/index.js`)});
const t = ${scenario === 'fleet' ? 'm.asyncFleet({ devices: 40, groupSize: 8 })' : `m.scenarioFileTarget(${JSON.stringify(`${root}/${scenario}`)})`};
await m.exploreAsync(t, { runs: ${scenario === 'fleet' ? 8000 : 3000}, determinism: 'off', stopAtFirst: false });
await m.exploreAsync(t, { runs: ${extra}, seed: 9, determinism: 'off', stopAtFirst: false });
`;

// Instructions executed by the whole process (`I refs`), under cachegrind without cache simulation.
async function instructions(root, extra) {
  const out = join(tmpdir(), `kdsim-cg-${process.pid}-${extra}-${root.replace(/\W/g, '_')}`);
  // --single-threaded: V8 compiles on the main thread, so the count is the same from run to run.
  const { stderr } = await run('valgrind', ['--tool=cachegrind', '--cache-sim=no', `--cachegrind-out-file=${out}`,
    process.execPath, '--single-threaded', '--input-type=module', '-e', program(root, extra)], { maxBuffer: 1 << 24 });
  await rm(out, { force: true });
  const m = /I\s+refs:\s+([\d,]+)/.exec(stderr);
  if (m === null) throw new Error(`cachegrind printed no instruction count for ${root}:\n${stderr.slice(-2000)}`);
  return Number(m[1].replaceAll(',', ''));
}

async function perOrdering(root) {
  const [a, b] = await Promise.all([instructions(root, 1000), instructions(root, 2000)]);
  return (b - a) / 1000;
}

const base = await perOrdering(baseRoot);
const next = await perOrdering(newRoot);
console.log(`instructions per ordering: base ${Math.round(base)}  new ${Math.round(next)}  ratio ${(next / base).toFixed(3)}`);
