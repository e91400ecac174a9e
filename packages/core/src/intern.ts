/**
 * The engine's shared copy of `s`: equal content, and the same string each time. V8 keeps one
 * copy of every string used as a property name (its string table) and tells two of them apart
 * by identity alone, as it does string literals in source. Strings read from a scenario file or
 * from firmware are fresh copies, which compare character by character, and a boot compares
 * them thousands of times (driver matching, lookups by name). Only speed depends on this: the
 * result always equals `s`.
 */
export function internString(s: string): string {
  // A property name is interned; Object.keys() hands back that copy (an array index excepted).
  return Object.keys({ [s]: 0 })[0] ?? s;
}
