import type { ChoiceKind } from '@kdsim/core';
import { ExploreError } from './errors.js';
import type { InvariantOptions } from './invariants.js';
import type { ExploreTarget } from './target.js';

/**
 * How a worker thread builds a target: import `module` (a URL or package
 * name), call its export `export` with `args`. Plain data, so it crosses
 * threads and processes.
 */
export interface TargetSpec {
  /** Module URL or package name. */
  readonly module: string;
  /** Name of the exported factory. */
  readonly export: string;
  /** Arguments (JSON-able). */
  readonly args: readonly unknown[];
}

/** One range of random runs, sent to a worker. @internal */
export interface ChunkTask {
  readonly target: TargetSpec;
  readonly seed: number;
  readonly from: number;
  readonly to: number;
  readonly stopAtFirst: boolean;
  readonly kinds: readonly ChoiceKind[];
  readonly invariants?: InvariantOptions;
}

/** What a worker found in one range (also the JSON shape shard results merge by). */
export interface ChunkResult {
  /** First run index of the range. */
  readonly from: number;
  /** One past the last run index of the range. */
  readonly to: number;
  /** Runs done (fewer than the range when stopped at a failure). */
  readonly runs: number;
  /** Failing runs seen. */
  readonly failures: number;
  /** The lowest failing run of the range, with its dense choices. */
  readonly failure: { readonly index: number; readonly chosen: readonly number[]; readonly failures: readonly string[]; readonly hash: string } | null;
}

/** Builds the target a spec names. */
export async function resolveTarget(spec: TargetSpec): Promise<ExploreTarget> {
  let mod: Record<string, unknown>;
  try {
    mod = await import(spec.module) as Record<string, unknown>;
  } catch (e) {
    throw new ExploreError('target', `target module '${spec.module}'`, 'an importable module', e instanceof Error ? e.message : String(e));
  }
  const f = mod[spec.export];
  if (typeof f !== 'function') throw new ExploreError('target', `target module '${spec.module}'`, `an exported factory '${spec.export}'`);
  return (f as (...a: unknown[]) => ExploreTarget)(...spec.args);
}

/**
 * Merges range results, from workers or from shard processes: runs and
 * failures add up, and the failure kept is the lowest-index one — so the
 * answer does not depend on how the range was split or which part finished
 * first.
 */
export function mergeChunks(parts: readonly ChunkResult[]): ChunkResult {
  let from = Infinity;
  let to = -Infinity;
  let runs = 0;
  let failures = 0;
  let failure: ChunkResult['failure'] = null;
  for (const p of parts) {
    from = Math.min(from, p.from);
    to = Math.max(to, p.to);
    runs += p.runs;
    failures += p.failures;
    if (p.failure !== null && (failure === null || p.failure.index < failure.index)) failure = p.failure;
  }
  return { from: parts.length > 0 ? from : 0, to: parts.length > 0 ? to : 0, runs, failures, failure };
}
