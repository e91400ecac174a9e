import { describe, expect, it } from 'vitest';
import { TraceHasher } from './trace-hasher.js';

const digest = (feed: (h: TraceHasher) => void): string => {
  const h = new TraceHasher();
  feed(h);
  return h.digest();
};

describe('TraceHasher', () => {
  it('gives equal digests for equal inputs, as 16 hex digits', () => {
    const a = digest((h) => h.num(1_466_751_000).num(7).str('pci 0000:00:05.0: Added to deferred list'));
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(digest((h) => h.num(1_466_751_000).num(7).str('pci 0000:00:05.0: Added to deferred list'))).toBe(a);
  });

  it('separates strings, so moving a boundary changes the digest', () => {
    expect(digest((h) => h.str('ab').str('c'))).not.toBe(digest((h) => h.str('a').str('bc')));
    expect(digest((h) => h.str('a'))).not.toBe(digest((h) => h.str('a').str('')));
  });

  it('tells apart numbers that differ only above 32 bits, and integers from their text', () => {
    expect(digest((h) => h.num(5))).not.toBe(digest((h) => h.num(5 + 2 ** 32)));
    expect(digest((h) => h.num(0.5))).toBe(digest((h) => h.str('0.5')));
    expect(digest((h) => h.num(5))).not.toBe(digest((h) => h.str('5')));
  });

  it('num4() feeds four numbers as four num() calls do, 32-bit or not', () => {
    const quads: [number, number, number, number][] = [[1, 2, 3, 4], [0, 0xffff_ffff, 7, 1], [2 ** 33, 5, 0.5, 3], [1, 2, 3, -1]];
    for (const q of quads) {
      expect(digest((h) => h.str('x').num4(q[0], q[1], q[2], q[3]).num(9))).toBe(digest((h) => h.str('x').num(q[0]).num(q[1]).num(q[2]).num(q[3]).num(9)));
    }
    expect(digest((h) => h.num4(1, 2, 3, 4))).not.toBe(digest((h) => h.num4(1, 2, 4, 3)));
  });

  it('has no collisions over many near-identical traces', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(digest((h) => h.num(i * 1000).str(`dev${i % 97}`).num(i % 3)));
    expect(seen.size).toBe(20_000);
  });
});
