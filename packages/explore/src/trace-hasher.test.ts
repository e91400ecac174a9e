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

  it('has no collisions over many near-identical traces', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(digest((h) => h.num(i * 1000).str(`dev${i % 97}`).num(i % 3)));
    expect(seen.size).toBe(20_000);
  });
});
