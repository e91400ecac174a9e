#!/usr/bin/env node
// npm run fuzz -- [--count N] [--seed S] [--target NAME] [--max-ms MS]
// Mutates the shared fixtures (truncation, bit flips, length/offset field
// changes, random bytes) and feeds every firmware parser. Anything but a
// result or a FirmwareError is a failure; so is an input that takes longer
// than --max-ms (a hang).
import { readFileSync, existsSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fuzzTargets, FirmwareError } from '@kdsim/firmware';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const count = Number(opt('count', '100000'));
let seed = Number(opt('seed', '1')) >>> 0;
const only = opt('target', null);
const maxMs = Number(opt('max-ms', '1000'));

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = process.env.KDSIM_SHARED ? resolve(process.env.KDSIM_SHARED, 'fixtures') : resolve(root, '../shared/fixtures');

// mulberry32: a small seeded PRNG, so a failing input can be reproduced from its seed.
function rand() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (n) => Math.floor(rand() * n);

function mutate(base) {
  const b = Uint8Array.from(base);
  switch (pick(6)) {
    case 0: return b.subarray(0, pick(b.length + 1)); // truncation
    case 1: { const n = 1 + pick(8); for (let i = 0; i < n && b.length; i++) b[pick(b.length)] ^= 1 << pick(8); return b; } // bit flips
    case 2: { // overwrite an aligned 32-bit field (lengths, offsets, counts) with a nasty value
      if (b.length < 4) return b;
      const at = pick(b.length >>> 2) << 2;
      const nasty = [0, 1, 0xffffffff, 0x7fffffff, b.length, b.length + 1, b.length - 1, pick(0x10000)][pick(8)];
      new DataView(b.buffer, b.byteOffset).setUint32(at, nasty >>> 0, rand() < 0.5);
      return b;
    }
    case 3: { // 16-bit field
      if (b.length < 2) return b;
      const at = pick(b.length - 1);
      new DataView(b.buffer, b.byteOffset).setUint16(at, [0, 1, 0xffff, 4, 16, 24][pick(6)], true);
      return b;
    }
    case 4: { const out = new Uint8Array(pick(512)); for (let i = 0; i < out.length; i++) out[i] = pick(256); return out; } // random bytes
    default: { // insert up to 15 zero bytes
      const at = pick(b.length + 1);
      const ins = pick(16);
      const out = new Uint8Array(b.length + ins);
      out.set(b.subarray(0, at), 0);
      out.set(b.subarray(at), at + ins);
      return out;
    }
  }
}

const targets = fuzzTargets.filter((t) => only === null || t.name === only);
if (targets.length === 0) {
  console.error(`fuzz: no target${only ? ` named ${only}` : 's'}`);
  process.exit(2);
}
const seeds = targets.map((t) => t.seedFiles.map((f) => resolve(fixtures, f)).filter(existsSync).map((p) => readFileSync(p)));
let failures = 0;
let slowest = 0;
// Per target: inputs, failures, time spent in the parser, slowest input.
const per = targets.map(() => ({ inputs: 0, failures: 0, ms: 0, cpuUs: 0, slowest: 0 }));
const start = performance.now();
const cpuStart = process.cpuUsage();
for (let i = 0; i < count; i++) {
  const ti = i % targets.length;
  const t = targets[ti];
  const pool = seeds[ti];
  const startSeed = seed;
  const input = pool.length > 0 && rand() < 0.9 ? mutate(pool[pick(pool.length)]) : mutate(new Uint8Array(0));
  const stat = per[ti];
  stat.inputs++;
  const failuresBefore = failures;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  try {
    t.parse(input, `fuzz-${t.name}-${i}`);
  } catch (e) {
    if (!(e instanceof FirmwareError)) {
      failures++;
      console.error(`fuzz: ${t.name} input #${i} (seed ${startSeed}) threw ${e?.constructor?.name}: ${e?.message}`);
      if (failures > 20) break;
    }
  }
  const dt = performance.now() - t0;
  const dc = process.cpuUsage(c0);
  stat.cpuUs += dc.user + dc.system;
  slowest = Math.max(slowest, dt);
  if (dt > maxMs) {
    failures++;
    console.error(`fuzz: ${t.name} input #${i} (seed ${startSeed}) took ${dt.toFixed(0)} ms`);
  }
  stat.ms += dt;
  stat.slowest = Math.max(stat.slowest, dt);
  stat.failures += failures - failuresBefore;
}
const secs = (performance.now() - start) / 1000;
const cpuAll = process.cpuUsage(cpuStart);
const cpuSecs = (cpuAll.user + cpuAll.system) / 1e6;
// The rate per target counts parser time only (mutation excluded), as CPU time: on a
// shared machine wall time also counts the time other processes had the CPU.
for (let ti = 0; ti < targets.length; ti++) {
  const p = per[ti];
  if (p.inputs === 0) continue;
  const cpu = p.cpuUs / 1e6;
  console.log(`fuzz: ${targets[ti].name.padEnd(10)} ${String(p.inputs).padStart(9)} inputs, ${String(Math.round(p.inputs / cpu)).padStart(8)} inputs/s (parser CPU ${cpu.toFixed(1)} s, wall ${(p.ms / 1000).toFixed(1)} s), slowest ${p.slowest.toFixed(1)} ms wall, ${p.failures} failures`);
}
console.log(`fuzz: ${count} inputs over ${targets.map((t) => t.name).join(', ')} in ${secs.toFixed(1)} s wall, ${cpuSecs.toFixed(1)} s CPU (${Math.round(count / cpuSecs)} inputs/CPU-s), slowest ${slowest.toFixed(1)} ms wall, ${failures} failures`);
process.exit(failures > 0 ? 1 : 0);
