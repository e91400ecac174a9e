/**
 * Version of every `--json` document kdsim writes. It changes only when a
 * field is removed or changes meaning; adding a field keeps it.
 */
export const JSON_SCHEMA_VERSION = 1;

/** The envelope of every `--json` document: version, command, then the command's data. */
export type JsonEnvelope<T extends object> = { readonly schemaVersion: typeof JSON_SCHEMA_VERSION; readonly command: string } & T;

/** Wraps a command's data in the versioned envelope. */
export function jsonEnvelope<T extends object>(command: string, data: T): JsonEnvelope<T> {
  return { schemaVersion: JSON_SCHEMA_VERSION, command, ...data };
}

/** The envelope as the text a command prints: two-space indentation, one trailing newline. */
export function renderJson<T extends object>(command: string, data: T): string {
  return `${JSON.stringify(jsonEnvelope(command, data), null, 2)}\n`;
}
