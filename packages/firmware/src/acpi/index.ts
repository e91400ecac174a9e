import type { FuzzTarget } from '../fuzz.js';

/** ACPI-table fuzz targets. */
export const acpiFuzzTargets: readonly FuzzTarget[] = [];
