import type { Colors } from '../output/colors.js';
import type { CliIo } from '../output/io.js';

/** What every command gets from `main`: the streams, colours, and the exit status to set. */
export interface CommandContext {
  /** Streams and environment. */
  readonly io: CliIo;
  /** Colours for stdout (identity when colour is off). */
  readonly colors: Colors;
  /** Sets the exit status `main` returns. */
  setExit(code: number): void;
}
