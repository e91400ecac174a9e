/**
 * @packageDocumentation
 * Firmware readers: flattened device trees and DTS source, OF helpers,
 * ACPI IORT and VIOT tables (binary and acpidump text), and their fwnodes.
 */
import { acpiFuzzTargets } from './acpi/index.js';
import { dtFuzzTargets } from './dt/index.js';
import type { FuzzTarget } from './fuzz.js';

export { FirmwareError, type FirmwareErrorDetails, type FirmwareErrorKind } from './errors.js';
export type { FuzzTarget } from './fuzz.js';
export * from './dt/index.js';
export * from './acpi/index.js';
export { MachineFirmware, type MachineFirmwareInit } from './machine.js';

/** Every parser that `npm run fuzz` and the property tests exercise. */
export const fuzzTargets: readonly FuzzTarget[] = [...dtFuzzTargets, ...acpiFuzzTargets];
