import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { internString } from './intern.js';

describe('internString()', () => {
  it('returns a string equal to its argument, whatever it holds', () => {
    for (const s of ['', '__proto__', 'constructor', '0', '12', '4294967295', '-1', 'arm,smmu-v3', 'ünïcode ✓']) {
      expect(internString(s)).toBe(s);
    }
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => internString(s) === s));
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => internString(s) === s));
  });
});
