import type { FuzzTarget } from '../fuzz.js';

/** Device-tree fuzz targets. */
export const dtFuzzTargets: readonly FuzzTarget[] = [];
