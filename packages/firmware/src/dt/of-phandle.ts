import { Errno } from '@kdsim/core';
import type { OfNode } from './of.js';
import { be32 } from './tree.js';

/** include/linux/of.h: MAX_PHANDLE_ARGS. */
export const MAX_PHANDLE_ARGS = 16;

/** What __of_parse_phandle_with_args() returned, and struct of_phandle_args when that is 0. */
export interface OfPhandleArgsResult {
  /** 0 or a negative errno. */
  readonly errno: number;
  /** The target (null on error, or for a dangling phandle with fixed args, as in Linux). */
  readonly node: OfNode | null;
  /** The arguments (at most MAX_PHANDLE_ARGS; empty on error). */
  readonly args: readonly number[];
}

const fail = (errno: number): OfPhandleArgsResult => ({ errno, node: null, args: [] });

/** One entry met by the phandle iterator. */
export interface OfPhandleEntry {
  /** The raw phandle (0 = empty entry). */
  readonly phandle: number;
  /** The node it resolves to (null for an empty entry, or a dangling one with fixed args). */
  readonly node: OfNode | null;
  /** Argument cells (all of them, before the MAX_PHANDLE_ARGS cut). */
  readonly args: readonly number[];
}

/**
 * base.c: of_phandle_iterator_init()/of_phandle_iterator_next(): walks the
 * entries of `listName` and stops at the first bad one. Yields entries; the
 * return value is 0 at the end of the list, -EINVAL after a bad entry
 * (dangling phandle with `cellsName`, missing `cellsName` property without a
 * fallback count, or an entry shorter than its cell count), or -ENOENT when
 * the property is absent.
 */
export function* ofPhandleIterator(
  np: OfNode, listName: string, cellsName: string | null, cellCount: number,
): Generator<OfPhandleEntry, number> {
  if (cellCount < 0 && cellsName === null) return -Errno.EINVAL;
  const list = np.getProperty(listName);
  if (list === undefined) return -Errno.ENOENT;
  const end = Math.floor(list.length / 4);
  let cur = 0;
  while (cur < end) {
    const phandle = be32(list, cur * 4);
    cur++;
    let count = 0;
    let node: OfNode | null = null;
    if (phandle !== 0) {
      node = np.tree.findNodeByPhandle(phandle);
      if (cellsName !== null) {
        if (node === null) return -Errno.EINVAL; // "could not find phandle"
        const c = node.readU32(cellsName);
        if (c === undefined) {
          if (cellCount < 0) return -Errno.EINVAL; // "could not get #cells"
          count = cellCount;
        } else {
          count = c;
        }
      } else {
        count = cellCount;
      }
      if (cur + count > end) return -Errno.EINVAL; // "#cells = %d found %d"
    }
    const args: number[] = [];
    for (let i = 0; i < count; i++) args.push(be32(list, (cur + i) * 4));
    cur += count;
    yield { phandle, node, args };
  }
  return 0;
}

/**
 * base.c: __of_parse_phandle_with_args(): entry `index` of `listName`.
 * `cellsName` names the target's argument-count property (`#iommu-cells`);
 * `cellCount` is the fixed count when `cellsName` is null, or the fallback
 * when the target lacks `cellsName` (-1: none). Results: the node and at
 * most 16 arguments; -ENOENT for an empty entry (phandle 0) or past the
 * end; -EINVAL for a parse error at or before `index`.
 */
export function ofParsePhandleWithArgs(
  np: OfNode, listName: string, cellsName: string | null, cellCount: number, index: number,
): OfPhandleArgsResult {
  if (index < 0) return fail(-Errno.EINVAL);
  const it = ofPhandleIterator(np, listName, cellsName, cellCount);
  let cur = 0;
  for (;;) {
    const r = it.next();
    if (r.done === true) return fail(r.value === 0 ? -Errno.ENOENT : r.value);
    if (cur === index) {
      if (r.value.phandle === 0) return fail(-Errno.ENOENT);
      return { errno: 0, node: r.value.node, args: r.value.args.slice(0, MAX_PHANDLE_ARGS) };
    }
    cur++;
  }
}

/**
 * base.c: of_count_phandle_with_args(): the number of entries, or the
 * iterator's error (-ENOENT when the property is absent). Without
 * `cellsName` every cell is one entry.
 */
export function ofCountPhandleWithArgs(np: OfNode, listName: string, cellsName: string | null): number {
  if (cellsName === null) {
    const v = np.getProperty(listName);
    return v === undefined ? -Errno.ENOENT : Math.floor(v.length / 4);
  }
  const it = ofPhandleIterator(np, listName, cellsName, -1);
  let n = 0;
  for (;;) {
    const r = it.next();
    if (r.done === true) return r.value === 0 ? n : r.value;
    n++;
  }
}
