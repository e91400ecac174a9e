import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashSet64 } from './distinct.js';

const hex16 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((n) => n.toString(16).padStart(16, '0'));

describe('HashSet64', () => {
  it('answers add() and size as a Set of the same strings does, across growth and repeats', () => {
    fc.assert(fc.property(fc.array(hex16, { maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 3000 }), (fresh, repeats) => {
      const set = new HashSet64();
      const ref = new Set<string>();
      // Repeats of earlier hashes, interleaved, so growth happens with duplicates around.
      const input = fresh.flatMap((h, i) => (repeats[i] !== undefined && i > 0 ? [h, fresh[repeats[i] % i]!] : [h]));
      for (const h of input) {
        expect(set.add(h)).toBe(!ref.has(h));
        ref.add(h);
      }
      expect(set.size).toBe(ref.size);
    }), { numRuns: 60 });
  });

  it('holds hashes that differ in one word only, the all-zero hash, and upper-case digits', () => {
    const set = new HashSet64();
    for (const h of ['0000000000000000', '0000000000000001', '0000000100000000', 'ffffffffffffffff', 'FFFFFFFFFFFFFFFF']) set.add(h);
    expect(set.size).toBe(4);
    expect(set.add('0000000000000000')).toBe(false);
  });

  it('keeps a million distinct hashes', () => {
    const set = new HashSet64();
    for (let i = 0; i < 1_000_000; i++) set.add((Math.imul(i, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0') + (i >>> 0).toString(16).padStart(8, '0'));
    expect(set.size).toBe(1_000_000);
  });

  it('refuses what is not 16 hex digits, naming it', () => {
    const set = new HashSet64();
    expect(() => set.add('abc')).toThrow(/16 hex digits, got 'abc'/);
    expect(() => set.add('000000000000000g')).toThrow(/got '000000000000000g'/);
  });
});
