import { createColors } from 'picocolors';
import type { CliIo, CliStream } from './io.js';

/** The colour functions a command uses (identity functions when colour is off). */
export type Colors = ReturnType<typeof createColors>;

/**
 * Colour on `stream` only when it is a terminal, `NO_COLOR` is unset or empty
 * (no-color.org) and `TERM` is not `dumb`. Unlike picocolors' own default,
 * `CI` or `FORCE_COLOR` never colour a pipe: piped output stays plain text.
 */
export function colorEnabled(io: CliIo, stream: CliStream = io.stdout): boolean {
  const noColor = io.env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return false;
  if (io.env['TERM'] === 'dumb') return false;
  return stream.isTTY === true;
}

/** picocolors bound to {@link colorEnabled} for `stream`. */
export function colorsFor(io: CliIo, stream: CliStream = io.stdout): Colors {
  return createColors(colorEnabled(io, stream));
}
