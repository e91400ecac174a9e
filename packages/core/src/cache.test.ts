import { describe, expect, it } from 'vitest';
import { cached } from './cache.js';

describe('cached()', () => {
  it('makes the value of each key once and hands back the stored one after', () => {
    const made: string[] = [];
    const cache = new Map<string, { key: string }>();
    const make = (key: string): { key: string } => {
      made.push(key);
      return { key };
    };
    const a = cached(cache, 'a', make);
    expect(cached(cache, 'a', make)).toBe(a);
    expect(cached(cache, 'b', make)).toEqual({ key: 'b' });
    expect(made).toEqual(['a', 'b']);
  });

  it('keeps a null value as made, and works over a WeakMap', () => {
    let calls = 0;
    const cache = new WeakMap<object, null>();
    const key = {};
    expect(cached(cache, key, () => (calls++, null))).toBeNull();
    expect(cached(cache, key, () => (calls++, null))).toBeNull();
    expect(calls).toBe(1);
  });
});
