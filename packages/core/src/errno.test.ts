import { describe, expect, it } from 'vitest';
import { Errno, errnoName, formatErrno } from './errno.js';

describe('errno', () => {
  it('names EPROBE_DEFER as the kernel-internal 517', () => {
    expect(Errno.EPROBE_DEFER).toBe(517);
    expect(errnoName(-517)).toBe('EPROBE_DEFER');
  });
  it('formats negative errors as %pe does', () => {
    expect(formatErrno(-Errno.EINVAL)).toBe('-EINVAL');
    expect(formatErrno(-4242)).toBe('-4242');
  });
});
