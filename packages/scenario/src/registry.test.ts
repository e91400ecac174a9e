import { SoftwareNode } from '@kdsim/core';
import { describe, expect, it } from 'vitest';
import { FwnodePaths } from './registry.js';

describe('FwnodePaths', () => {
  it('finds a node in any index added, the last added first, and nothing elsewhere', () => {
    const a = new SoftwareNode('a', null, {});
    const b = new SoftwareNode('b', null, {});
    const shadow = new SoftwareNode('a', null, {});
    const paths = new FwnodePaths();
    expect(paths.get('/a')).toBeUndefined();
    paths.add(new Map([['/a', a], ['/b', b]]));
    paths.add(new Map([['/a', shadow]]));
    expect(paths.get('/a')).toBe(shadow);
    expect(paths.get('/b')).toBe(b);
    expect(paths.get('/c')).toBeUndefined();
  });
});
