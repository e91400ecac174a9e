import { NSEC_PER_MSEC, NSEC_PER_SEC, NSEC_PER_USEC } from '@kdsim/core';

const UNITS: Readonly<Record<string, number>> = { s: NSEC_PER_SEC, ms: NSEC_PER_MSEC, us: NSEC_PER_USEC, ns: 1 };

/** A scenario duration (seconds as a number, or `2s`, `500ms`, `10us`, `3ns`) in nanoseconds; undefined if malformed. */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * NSEC_PER_SEC) : undefined;
  const m = /^(\d+(?:\.\d+)?)(s|ms|us|ns)$/.exec(value.trim());
  return m ? Math.round(Number(m[1]) * UNITS[m[2]!]!) : undefined;
}
