/**
 * A fast 64-bit non-cryptographic hash (two FNV-1a-style 32-bit lanes with
 * different primes and a final avalanche), fed strings and integers without
 * building intermediate strings. It identifies traces within and across runs
 * of the explorer; nothing relies on it resisting deliberate collisions.
 */
export class TraceHasher {
  #a = 0x811c9dc5;
  #b = 0x9747b28c;

  /** Feeds the UTF-16 code units of `s`, then a separator. */
  str(s: string): this {
    let a = this.#a;
    let b = this.#b;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    this.#a = Math.imul(a ^ 0xffff, 0x01000193);
    this.#b = Math.imul(b ^ 0xffff, 0x5bd1e995);
    return this;
  }

  /** Feeds a number: a safe integer as two 32-bit words, anything else as its decimal text. */
  num(n: number): this {
    let lo: number;
    let hi: number;
    if ((n >>> 0) === n) {
      // The usual case, a 32-bit count or index: no division.
      lo = n;
      hi = 0;
    } else {
      if (!Number.isSafeInteger(n)) return this.str(String(n));
      lo = n >>> 0;
      hi = Math.floor(n / 4294967296) >>> 0;
    }
    this.#a = Math.imul(Math.imul(this.#a ^ lo, 0x01000193) ^ hi, 0x01000193);
    this.#b = Math.imul(Math.imul(this.#b ^ lo, 0x5bd1e995) ^ hi, 0x5bd1e995);
    return this;
  }

  /**
   * Feeds four numbers, exactly as `num(w).num(x).num(y).num(z)` would, in one call: a
   * trace hashes four per decision, over a hundred decisions per boot, and the lanes
   * then stay in locals instead of going back to the fields after every number.
   */
  num4(w: number, x: number, y: number, z: number): this {
    if ((w >>> 0) !== w || (x >>> 0) !== x || (y >>> 0) !== y || (z >>> 0) !== z) return this.num(w).num(x).num(y).num(z);
    let a = this.#a;
    let b = this.#b;
    // num() of a 32-bit value: the value, then a zero high word.
    a = Math.imul(Math.imul(a ^ w, 0x01000193), 0x01000193);
    b = Math.imul(Math.imul(b ^ w, 0x5bd1e995), 0x5bd1e995);
    a = Math.imul(Math.imul(a ^ x, 0x01000193), 0x01000193);
    b = Math.imul(Math.imul(b ^ x, 0x5bd1e995), 0x5bd1e995);
    a = Math.imul(Math.imul(a ^ y, 0x01000193), 0x01000193);
    b = Math.imul(Math.imul(b ^ y, 0x5bd1e995), 0x5bd1e995);
    this.#a = Math.imul(Math.imul(a ^ z, 0x01000193), 0x01000193);
    this.#b = Math.imul(Math.imul(b ^ z, 0x5bd1e995), 0x5bd1e995);
    return this;
  }

  /** The hash so far, as 16 hex digits. */
  digest(): string {
    let a = this.#a;
    let b = this.#b;
    // Cross the lanes so every input bit reaches both halves.
    a = Math.imul(a ^ (b >>> 15), 0x85ebca6b);
    b = Math.imul(b ^ (a >>> 13), 0xc2b2ae35);
    a ^= a >>> 16;
    b ^= b >>> 16;
    return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
  }
}
