// Helpers of the firmware parsers' property tests (ACPI tables).
import fc from 'fast-check';
import { FirmwareError } from '../errors.js';

/** Mutations like bench/fuzz.js: truncation, bit flips, 32/16-bit length/offset/count fields set to nasty values, insertions. */
export const mutation = (base: Uint8Array): fc.Arbitrary<Uint8Array> => fc.oneof(
  fc.nat(base.length).map((n) => base.slice(0, n)),
  fc.array(fc.tuple(fc.nat(Math.max(base.length - 1, 0)), fc.nat(7)), { minLength: 1, maxLength: 8 }).map((flips) => {
    const b = base.slice();
    for (const [at, bit] of flips) if (at < b.length) b[at] = (b[at] ?? 0) ^ (1 << bit);
    return b;
  }),
  fc.tuple(fc.nat(Math.max((base.length >> 2) - 1, 0)), fc.constantFrom(0, 1, 0xffffffff, 0x7fffffff, base.length, base.length + 1, base.length - 1, 0x30, 0x10000), fc.boolean()).map(([w, v, le]) => {
    const b = base.slice();
    if (b.length >= 4) new DataView(b.buffer).setUint32(w * 4, v >>> 0, le);
    return b;
  }),
  fc.tuple(fc.nat(Math.max(base.length - 2, 0)), fc.constantFrom(0, 1, 0xffff, 4, 16, 20, 24, 0x30)).map(([at, v]) => {
    const b = base.slice();
    if (b.length >= 2) new DataView(b.buffer).setUint16(at, v, true);
    return b;
  }),
  fc.tuple(fc.nat(base.length), fc.uint8Array({ maxLength: 24 })).map(([at, ins]) => Uint8Array.from([...base.subarray(0, at), ...ins, ...base.subarray(at)])),
);

/** True for a result or a FirmwareError; anything else (TypeError, RangeError, ...) is rethrown and fails the property. */
export function resultOrFirmwareError(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof FirmwareError) return true;
    throw e;
  }
}
