/**
 * A parser exposed to property-based tests and to `npm run fuzz`: any input
 * must give a result or a {@link FirmwareError}, never another exception or a hang.
 */
export interface FuzzTarget {
  /** Short name, e.g. `fdt`, `iort`. */
  readonly name: string;
  /** Fixture files (relative to `shared/fixtures/`) used as seeds for mutation. */
  readonly seedFiles: readonly string[];
  /** Parses one input; throws only FirmwareError. */
  parse(bytes: Uint8Array, file: string): unknown;
}
