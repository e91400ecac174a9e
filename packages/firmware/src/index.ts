/**
 * @packageDocumentation
 * Firmware readers: flattened device trees and DTS source, OF helpers,
 * ACPI IORT and VIOT tables (binary and acpidump text), and their fwnodes.
 */
export { FirmwareError, type FirmwareErrorDetails, type FirmwareErrorKind } from './errors.js';
