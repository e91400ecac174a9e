#!/usr/bin/env node
// npm run bench [-- --json]: every benchmark, as a table or as one JSON object
// (figure name → { value, unit }).
import { fwdevlinkBench } from './fwdevlink.js';
import { legacyDeferredBench } from './legacy-deferred.js';
import { exploreBench } from './explore.js';

const json = process.argv.includes('--json');
const figures = {};
const sections = [
  ['legacy deferred probe (5 000-device DAG)', () => legacyDeferredBench()],
  ['fw_devlink=on (20 000-device tree, random supplier references)', () => fwdevlinkBench()],
  ['explore (40-device async fleet, Xen example)', () => exploreBench()],
];
for (const [title, run] of sections) {
  const out = await run();
  Object.assign(figures, out);
  if (!json) {
    console.log(`\n${title}`);
    for (const [name, { value, unit }] of Object.entries(out)) console.log(`  ${name.padEnd(32)} ${String(value).padStart(14)} ${unit}`);
  }
}
if (json) console.log(JSON.stringify(figures));
