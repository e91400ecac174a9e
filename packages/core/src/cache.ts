/** A Map or WeakMap used as a cache: what {@link cached} needs of it. */
export interface Cache<K, V> {
  /** The value stored for `key`, or undefined. */
  get(key: K): V | undefined;
  /** Stores `value` for `key`. */
  set(key: K, value: V): unknown;
}

/**
 * The value `cache` holds for `key`, made by `make(key)` and stored the first time it is
 * asked for. For what depends on read-only input alone (a firmware node, a parsed
 * scenario) and is asked for by every kernel that boots it. `make` must not return
 * undefined, which the cache cannot tell from "not made yet".
 */
export function cached<K, V>(cache: Cache<K, V>, key: K, make: (key: K) => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = make(key);
    cache.set(key, value);
  }
  return value;
}
