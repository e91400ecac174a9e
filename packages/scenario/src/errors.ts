import type { FirmwareError } from '@kdsim/firmware';

/** What kind of problem a {@link ScenarioError} reports. */
export type ScenarioErrorKind =
  | 'io'
  | 'yaml'
  | 'schema'
  | 'unknownKey'
  | 'unknownProfile'
  | 'unknownDriver'
  | 'unknownPolicy'
  | 'unknownStep'
  | 'unknownNode'
  | 'unknownDevice'
  | 'missingFirmware'
  | 'firmware'
  | 'timeline'
  | 'unsupported';

/** Where a scenario problem is and what was expected there. */
export interface ScenarioErrorDetails {
  /** The scenario file (or `<inline>`). */
  readonly file: string;
  /** 1-based line in the scenario file, when known. */
  readonly line?: number;
  /** 1-based column, when known. */
  readonly column?: number;
  /** JSON-pointer path in the document (`/kernel/modules`). */
  readonly path: string;
  /** What was found and what was expected. */
  readonly message: string;
  /** The firmware error this one wraps. */
  readonly cause?: FirmwareError;
}

/**
 * The one error class of `@kdsim/scenario`: bad user input (a scenario file
 * and what it names), with the file, line, column, document path and what
 * was expected.
 */
export class ScenarioError extends Error {
  /** Location details. */
  readonly details: ScenarioErrorDetails;

  /** Creates an error of `kind` at the place `details` names. */
  constructor(readonly kind: ScenarioErrorKind, details: ScenarioErrorDetails) {
    super(formatScenarioError(details), details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = 'ScenarioError';
    this.details = details;
  }
}

function formatScenarioError(d: ScenarioErrorDetails): string {
  const pos = d.line !== undefined ? `:${d.line}${d.column !== undefined ? `:${d.column}` : ''}` : '';
  return `${d.file}${pos}: ${d.path === '' ? '/' : d.path}: ${d.message}`;
}
