import { Errno } from '@kdsim/core';
import type { OfNode } from './of.js';
import { be32 } from './tree.js';

/** What {@link ofMapId} returned and, when that is 0, the target (null: bypass) and output ID. */
export interface OfMapIdResult {
  /** 0 or a negative errno. */
  readonly errno: number;
  /** The matched target, null when nothing matched (or on error). */
  readonly target: OfNode | null;
  /** The translated ID (the input ID when nothing matched; 0 on error). */
  readonly id: number;
}

const fail = (errno: number): OfMapIdResult => ({ errno, target: null, id: 0 });

/** How the caller of {@link ofMapId} asks for the target (base.c: the `target` argument). */
export interface OfMapIdTarget {
  /**
   * `false`: the caller passes no target pointer, so a missing map means
   * "no translation" (OK, ID unchanged) instead of -ENODEV. Default `true`.
   */
  readonly want?: boolean;
  /** The caller already knows the target (e.g. the MSI controller): only entries pointing at it count. */
  readonly preset?: OfNode;
}

/** One decoded `iommu-map`/`msi-map` entry. */
export interface OfMapEntry {
  /** First input ID. */
  readonly idBase: number;
  /** Target phandle. */
  readonly phandle: number;
  /** First output ID. */
  readonly outBase: number;
  /** Number of IDs. */
  readonly length: number;
}

/** Decodes a map property into 4-cell entries; undefined when absent, null when its length is bad. */
export function ofMapEntries(np: OfNode, mapName: string): readonly OfMapEntry[] | null | undefined {
  const raw = np.getProperty(mapName);
  if (raw === undefined) return undefined;
  if (raw.length === 0 || raw.length % 16 !== 0) return null;
  const out: OfMapEntry[] = [];
  for (let o = 0; o < raw.length; o += 16) {
    out.push({ idBase: be32(raw, o), phandle: be32(raw, o + 4), outBase: be32(raw, o + 8), length: be32(raw, o + 12) });
  }
  return out;
}

/**
 * base.c: of_map_id(): translates `id` through `np`'s `mapName`
 * (`iommu-map` or `msi-map`, 4-cell entries `id-base phandle out-base
 * length`), masked by `maskName` (`iommu-map-mask`; all-ones when absent or
 * shorter than a cell). All arithmetic is u32 (`id-base + length` wraps).
 *
 * - map absent: -ENODEV when a target is wanted, else OK with `id` unchanged;
 * - empty map or length not a multiple of 16: -EINVAL ("Bad %s length");
 * - an entry whose id-base has bits outside the mask, reached while
 *   scanning: -EFAULT;
 * - the first matching entry wins; its phandle resolving to nothing: -ENODEV;
 * - no entry matches: OK with no target and `id` unchanged (bypass).
 */
export function ofMapId(np: OfNode, id: number, mapName: string, maskName: string | null, target: OfMapIdTarget = {}): OfMapIdResult {
  const entries = ofMapEntries(np, mapName);
  if (entries === undefined) return target.want === false ? { errno: 0, target: null, id: id >>> 0 } : fail(-Errno.ENODEV);
  if (entries === null) return fail(-Errno.EINVAL);
  const mask = (maskName !== null ? np.readU32(maskName) : undefined) ?? 0xffffffff;
  const masked = (id & mask) >>> 0;
  for (const e of entries) {
    if ((e.idBase & ~mask) !== 0) return fail(-Errno.EFAULT);
    if (masked < e.idBase || masked >= ((e.idBase + e.length) >>> 0)) continue;
    const node = np.tree.findNodeByPhandle(e.phandle);
    if (node === null) return fail(-Errno.ENODEV);
    if (target.preset !== undefined && node !== target.preset) continue;
    return { errno: 0, target: node, id: (masked - e.idBase + e.outBase) >>> 0 };
  }
  return { errno: 0, target: target.preset ?? null, id: id >>> 0 };
}
