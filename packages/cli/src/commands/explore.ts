import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import type { CliStream } from '../output/io.js';
import { renderJson } from '../output/json.js';
import type { CommandContext } from './context.js';
import {
  decodeSchedule, describeSchedule, encodeSchedule, exploreAsync, exploreParallel, mergeChunks, runSchedule, scenarioFileTarget, shrink,
  ExploreError, type ChunkResult, type ExploreTarget, type RunVerdict,
} from '@kdsim/explore';

/** Options of `kdsim explore`. */
interface ExploreCliOptions {
  exhaustive?: boolean;
  runs: string;
  time?: string;
  seed: string;
  seedRange?: string;
  shard?: string;
  workers: string;
  maxDeviations?: string;
  reduction: boolean;
  shrink: boolean;
  replay?: string;
  json?: boolean;
}

function int(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ExploreError('options', what, 'a non-negative integer', `got '${v}'`);
  return n;
}

// `--seed-range a..b` (b exclusive) or `--shard i/n` of `[0, runs)`.
function range(o: ExploreCliOptions): [number, number] {
  const runs = int(o.runs, '--runs');
  if (o.seedRange !== undefined) {
    const m = /^(\d+)\.\.(\d+)$/.exec(o.seedRange);
    if (m === null || Number(m[2]) < Number(m[1])) throw new ExploreError('options', '--seed-range', 'a..b with a ≤ b', `got '${o.seedRange}'`);
    return [Number(m[1]), Number(m[2]) - Number(m[1])];
  }
  if (o.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(o.shard);
    if (m === null || Number(m[2]) === 0 || Number(m[1]) >= Number(m[2])) throw new ExploreError('options', '--shard', 'i/n with 0 ≤ i < n', `got '${o.shard}'`);
    const i = Number(m[1]);
    const n = Number(m[2]);
    const size = Math.ceil(runs / n);
    return [i * size, Math.max(0, Math.min(runs, (i + 1) * size) - i * size)];
  }
  return [0, runs];
}

// stderr progress line, TTY only.
function progress(stderr: CliStream): { tick: (runs: number, failures: number) => void; end: () => void } {
  const tty = stderr.isTTY === true;
  const t0 = performance.now();
  let last = 0;
  return {
    tick(runs, failures) {
      const now = performance.now();
      if (!tty || now - last < 100) return;
      last = now;
      const rate = runs / Math.max(1e-3, (now - t0) / 1000);
      stderr.write(`\r  ${runs} runs, ${rate.toFixed(0)} runs/s, ${failures} failing`);
    },
    end() {
      if (tty) stderr.write('\n');
    },
  };
}

function report(out: CliStream, target: ExploreTarget, verdict: RunVerdict, doShrink: boolean, json: boolean, base: Record<string, unknown>): void {
  let schedule = { choices: verdict.chosen.flatMap((c, i) => (c > 0 ? [[i, c] as const] : [])) };
  let shown = verdict;
  let boots = 0;
  if (doShrink) {
    const s = shrink(target, verdict);
    schedule = { choices: [...s.schedule.choices] };
    shown = s.verdict;
    boots = s.boots;
  }
  const token = encodeSchedule(schedule);
  if (json) {
    out.write(renderJson('explore', { ...base, token, failing: shown.failures, traceHash: shown.hash, shrinkBoots: boots }));
    return;
  }
  out.write(`failing schedule${doShrink ? ` (shrunk in ${boots} boots)` : ''}: ${token}\n`);
  for (const l of describeSchedule(schedule, shown)) out.write(`  ${l}\n`);
  for (const f of shown.failures) out.write(`  ✗ ${f}\n`);
  out.write(`replay: kdsim run <scenario> --schedule ${token}   (or kdsim explore <scenario> --replay ${token})\n`);
}

/** Registers `kdsim explore` and `kdsim explore-merge` on `program`. */
export function registerExplore(program: Command, ctx: CommandContext): void {
  const setCode = (code: number): void => ctx.setExit(code);
  program
    .command('explore <scenario>')
    .description('run the scenario under many kernel-reachable orderings; shrink the first failing one to a replay token')
    .option('--exhaustive', 'every ordering (sleep-set reduction) instead of seeded random samples')
    .option('--runs <n>', 'budget: boots to run', '1000')
    .option('--time <seconds>', 'budget: wall time (measured outside the simulation)')
    .option('--seed <n>', 'base seed of the random runs', '1')
    .option('--seed-range <a..b>', 'random runs a (inclusive) to b (exclusive): one shard of a larger search')
    .option('--shard <i/n>', 'shard i of n of [0, runs)')
    .option('--workers <n>', 'worker threads for random runs', '1')
    .option('--max-deviations <n>', 'exhaustive: at most n non-default choices per ordering')
    .option('--no-reduction', 'exhaustive: do not skip orders of steps on unrelated devices')
    .option('--no-shrink', 'report the failing schedule as found')
    .option('--replay <token>', 'replay one schedule and describe it instead of exploring')
    .option('--json', 'one JSON object (shard results merge with `kdsim explore-merge`)')
    .action(async (file: string, o: ExploreCliOptions) => {
      const path = resolve(file);
      const target = scenarioFileTarget(path);
      const json = o.json === true;
      if (o.replay !== undefined) {
        const schedule = decodeSchedule(o.replay);
        const v = runSchedule(target, schedule);
        if (json) ctx.io.stdout.write(renderJson('explore', { token: o.replay, failures: v.failures, hash: v.hash, choices: describeSchedule(schedule, v) }));
        else {
          ctx.io.stdout.write(`schedule ${o.replay}: ${schedule.choices.length} non-default choice(s), trace ${v.hash.slice(0, 12)}\n`);
          for (const l of describeSchedule(schedule, v)) ctx.io.stdout.write(`  ${l}\n`);
          for (const f of v.failures) ctx.io.stdout.write(`  ✗ ${f}\n`);
          if (v.failures.length === 0) ctx.io.stdout.write('  all expectations and invariants held\n');
        }
        setCode(v.failures.length > 0 ? 1 : 0);
        return;
      }
      const seed = int(o.seed, '--seed');
      const [first, runs] = range(o);
      const t0 = performance.now();
      const limit = o.time !== undefined ? Number(o.time) * 1000 : Infinity;
      const shouldStop = (): boolean => performance.now() - t0 > limit;
      const bar = progress(ctx.io.stderr);
      if (o.exhaustive === true) {
        let n = 0;
        let fails = 0;
        const r = await exploreAsync(target, {
          mode: 'exhaustive', runs, reduction: o.reduction, shouldStop,
          ...(o.maxDeviations !== undefined ? { maxDeviations: int(o.maxDeviations, '--max-deviations') } : {}),
          onRun: (run) => { n++; if (run.verdict.failures.length > 0 && !run.redundant) fails++; bar.tick(n, fails); },
        });
        bar.end();
        const base = { mode: 'exhaustive', runs: r.runs, redundant: r.redundant, complete: r.complete, distinctTraces: r.distinctTraces };
        if (r.failure === null) {
          ctx.io.stdout.write(json ? renderJson('explore', { ...base, failure: null }) : `${r.runs} orderings (${r.redundant} redundant), ${r.complete ? 'space covered' : 'budget reached'}: no failure\n`);
          setCode(0);
          return;
        }
        report(ctx.io.stdout, target, r.failure.verdict, o.shrink, json, base);
        setCode(1);
        return;
      }
      const workers = int(o.workers, '--workers');
      let result: ChunkResult;
      if (workers > 1) {
        const ac = new AbortController();
        const timer = Number.isFinite(limit) ? setTimeout(() => ac.abort(), limit) : null;
        let n = 0;
        let fails = 0;
        result = await exploreParallel({ module: '@kdsim/explore', export: 'scenarioFileTarget', args: [path] }, {
          seed, first, runs, workers, signal: ac.signal, onChunk: (c) => { n += c.runs; fails += c.failures; bar.tick(n, fails); },
        });
        if (timer !== null) clearTimeout(timer);
      } else {
        let n = 0;
        let fails = 0;
        const r = await exploreAsync(target, { seed, firstIndex: first, runs, shouldStop, onRun: (run) => { n++; if (run.verdict.failures.length > 0) fails++; bar.tick(n, fails); } });
        result = {
          from: first, to: first + runs, runs: r.runs, failures: r.failures,
          failure: r.failure === null ? null : { index: r.failure.index, chosen: [...r.failure.verdict.chosen], failures: [...r.failure.verdict.failures], hash: r.failure.verdict.hash },
        };
      }
      bar.end();
      const base = { mode: 'random', seed, ...result };
      if (result.failure === null) {
        const ran = result.runs < runs ? `${result.runs} of ${runs} orderings (seeds ${first}..${first + runs}, time budget reached)` : `${result.runs} orderings (seeds ${first}..${first + runs})`;
        ctx.io.stdout.write(json ? renderJson('explore', base) : `${ran}: no failure\n`);
        setCode(0);
        return;
      }
      if (!json) ctx.io.stdout.write(`run ${result.failure.index} of seed ${seed} fails\n`);
      report(ctx.io.stdout, target, runSchedule(target, { choices: result.failure.chosen.flatMap((c, i) => (c > 0 ? [[i, c] as const] : [])) }), o.shrink, json, base);
      setCode(1);
    });
  program
    .command('explore-merge <results...>')
    .description('merge `kdsim explore --json` shard results: runs add up, the lowest failing index wins')
    .action((files: string[]) => {
      const parts = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as ChunkResult);
      const m = mergeChunks(parts);
      ctx.io.stdout.write(renderJson('explore-merge', m));
      setCode(m.failure === null ? 0 : 1);
    });
}
