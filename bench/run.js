#!/usr/bin/env node
// npm run bench [-- --json]: every benchmark, as a table or as one JSON object
// (figure name → { value, unit }).
//
// Each section runs in a process of its own: a section that ran first would leave
// its heap to the next one's garbage collector and its type feedback in functions
// the next one shares (the kernel, the probe path), and so slow it down.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const json = process.argv.includes('--json');
const sections = [
  ['legacy deferred probe (5 000-device DAG)', './legacy-deferred.js', 'legacyDeferredBench'],
  ['fw_devlink=on (20 000-device tree, random supplier references)', './fwdevlink.js', 'fwdevlinkBench'],
  ['explore (40-device async fleet, Xen example)', './explore.js', 'exploreBench'],
];

function runSection(file, fn) {
  const url = new URL(file, import.meta.url).href;
  const script = `const m = await import(${JSON.stringify(url)}); process.stdout.write(JSON.stringify(await m.${fn}()));`;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 << 20,
  });
  return JSON.parse(out.toString());
}

const figures = {};
for (const [title, file, fn] of sections) {
  const out = runSection(file, fn);
  Object.assign(figures, out);
  if (!json) {
    console.log(`\n${title}`);
    for (const [name, { value, unit }] of Object.entries(out)) console.log(`  ${name.padEnd(38)} ${String(value).padStart(14)} ${unit}`);
  }
}
if (json) console.log(JSON.stringify(figures));
