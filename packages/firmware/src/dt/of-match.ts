import type { OfNode } from './of.js';

/**
 * base.c: __of_device_is_compatible(): how well `np` matches. A compatible
 * match scores INT_MAX/2 - 4 * (its index in `compatible`), compared
 * case-insensitively (of_compat_cmp()); a matching `type` (device_type)
 * adds 2 and a matching node `name` adds 1; any requested criterion that
 * does not match gives 0.
 */
export function ofDeviceIsCompatible(np: OfNode, compat: string | null, type: string | null = null, name: string | null = null): number {
  let score = 0;
  if (compat !== null && compat !== '') {
    const list = np.compatibleForMatch();
    const want = compat.toLowerCase();
    const index = list.indexOf(want);
    if (index < 0) return 0;
    score = Math.floor(0x7fffffff / 2) - (index << 2);
  }
  if (type !== null && type !== '') {
    if (!np.isType(type)) return 0;
    score += 2;
  }
  if (name !== null && name !== '') {
    if (!np.nameEq(name)) return 0;
    score++;
  }
  return score;
}

/** One entry of a driver's of_match_table (struct of_device_id). */
export interface OfDeviceId {
  /** `compatible` string, or empty. */
  readonly compatible?: string;
  /** `device_type`, or empty. */
  readonly type?: string;
  /** Node name, or empty. */
  readonly name?: string;
}

/** base.c: __of_match_node(): the best-scoring entry of `table` for `np` (first wins a tie), or null. */
export function ofMatchNode<T extends OfDeviceId>(table: readonly T[], np: OfNode): T | null {
  let best: T | null = null;
  let bestScore = 0;
  for (const m of table) {
    const score = ofDeviceIsCompatible(np, m.compatible ?? null, m.type ?? null, m.name ?? null);
    if (score > bestScore) {
      best = m;
      bestScore = score;
    }
  }
  return best;
}
