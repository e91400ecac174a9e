import { Errno, type ErrnoName } from '@kdsim/core';

/** A scenario errno (0, `-22`, `EINVAL`, `-EINVAL`) as the negative number the kernel returns; undefined if unknown. */
export function parseErrno(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value <= 0 ? value : undefined;
  const name = value.trim().replace(/^-/, '');
  if (name === '0') return 0;
  const n = (Errno as Readonly<Record<string, number>>)[name as ErrnoName];
  return n === undefined ? undefined : -n;
}
