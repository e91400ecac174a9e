/**
 * A set of 64-bit hashes given as 16 hex digits ({@link scheduleHash}), kept
 * as pairs of 32-bit words in a typed array with open addressing. An
 * exploration adds one hash per boot, tens of millions in an hour: as a
 * `Set<string>` that is about 110 bytes of JavaScript heap per boot, which
 * the collector must trace and which runs a long exploration out of heap;
 * here it is 16 bytes or less per hash, outside the collected heap.
 */
export class HashSet64 {
  // Slot i holds words 2i (high) and 2i + 1 (low); (0, 0) marks an empty slot, so the
  // hash 0000000000000000 is counted apart.
  #slots = new Uint32Array(2 * 1024);
  #mask = 1023;
  #used = 0;
  #hasZero = false;

  /** Hashes held. */
  get size(): number {
    return this.#used + (this.#hasZero ? 1 : 0);
  }

  /** Adds `hex` (16 hex digits); returns true if it was not held yet. */
  add(hex: string): boolean {
    if (hex.length !== 16) throw new RangeError(`expected a hash of 16 hex digits, got '${hex}'`);
    const hi = word(hex, 0);
    const lo = word(hex, 8);
    if (hi === 0 && lo === 0) {
      const added = !this.#hasZero;
      this.#hasZero = true;
      return added;
    }
    if (!this.#insert(hi, lo)) return false;
    // Kept at most half full, so a probe ends soon at an empty slot.
    if (2 * ++this.#used > this.#mask + 1) this.#grow();
    return true;
  }

  #insert(hi: number, lo: number): boolean {
    const slots = this.#slots;
    const mask = this.#mask;
    // The low word is already a well-mixed hash: it picks the first slot.
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const h = slots[2 * i]!;
      const l = slots[2 * i + 1]!;
      if (h === 0 && l === 0) {
        slots[2 * i] = hi;
        slots[2 * i + 1] = lo;
        return true;
      }
      if (h === hi && l === lo) return false;
    }
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Uint32Array(old.length * 2);
    this.#mask = old.length - 1;
    for (let i = 0; i < old.length; i += 2) {
      const hi = old[i]!;
      const lo = old[i + 1]!;
      if (hi !== 0 || lo !== 0) this.#insert(hi, lo);
    }
  }
}

// The 32-bit word of the 8 hex digits of `hex` from `at`.
function word(hex: string, at: number): number {
  let w = 0;
  for (let i = at; i < at + 8; i++) {
    const c = hex.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) throw new RangeError(`expected a hash of 16 hex digits, got '${hex}'`);
    w = (w << 4) | d;
  }
  return w >>> 0;
}
