import { describe, expect, it } from 'vitest';
import { Errno } from '@kdsim/core';

describe('workspace resolution', () => {
  it('resolves @kdsim/core to its sources', () => {
    expect(Errno.ENODEV).toBe(19);
  });
});
