/**
 * Little-endian reads over a table's bytes. A read that would leave the
 * buffer yields 0: ACPI parsers in Linux read such bytes out of bounds, and
 * the decoders here record that separately instead of throwing.
 */
export class LeBytes {
  readonly #view: DataView;

  /** Wraps `bytes` (not copied). */
  constructor(readonly bytes: Uint8Array) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Number of bytes. */
  get length(): number {
    return this.bytes.length;
  }

  /** True if `n` bytes starting at `off` are inside the buffer. */
  has(off: number, n: number): boolean {
    return off >= 0 && n >= 0 && off + n <= this.bytes.length;
  }

  /** u8 at `off`. */
  u8(off: number): number {
    return this.has(off, 1) ? this.#view.getUint8(off) : 0;
  }

  /** u16 at `off`. */
  u16(off: number): number {
    return this.has(off, 2) ? this.#view.getUint16(off, true) : 0;
  }

  /** u24 at `off` (iasl prints some reserved fields this way). */
  u24(off: number): number {
    return this.u16(off) | (this.u8(off + 2) << 16);
  }

  /** u32 at `off`. */
  u32(off: number): number {
    return this.has(off, 4) ? this.#view.getUint32(off, true) : 0;
  }

  /** u64 at `off`. */
  u64(off: number): bigint {
    return this.has(off, 8) ? this.#view.getBigUint64(off, true) : 0n;
  }

  /** `n` bytes at `off` as Latin-1 text (NUL bytes kept). */
  ascii(off: number, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.u8(off + i));
    return s;
  }

  /** A NUL-terminated string starting at `off`, read at most up to `end` (exclusive). */
  cstring(off: number, end: number): string {
    let s = '';
    const stop = Math.min(end, this.bytes.length);
    for (let i = off; i < stop; i++) {
      const c = this.bytes[i] ?? 0;
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s;
  }
}

/** `IORT@0xA0`: a table node named by its offset, as the fixtures README names them. */
export function tableNodeName(signature: string, offset: number): string {
  return `${signature}@0x${offset.toString(16).toUpperCase()}`;
}

/** `0x` + lower-case hex, as the kernel's `%#x`. */
export function hex(n: number | bigint): string {
  return '0x' + n.toString(16);
}
