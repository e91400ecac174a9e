import type { CliIo } from '../output/io.js';

/** A {@link CliIo} that records what a command writes. */
export interface CapturedIo extends CliIo {
  /** Everything written to stdout. */
  out(): string;
  /** Everything written to stderr. */
  err(): string;
}

/** Captured streams; `tty` makes both look like terminals. */
export function captureIo(options: { tty?: boolean; env?: Record<string, string> } = {}): CapturedIo {
  let out = '';
  let err = '';
  const isTTY = options.tty ?? false;
  return {
    stdout: { isTTY, write: (s: string) => (out += s) },
    stderr: { isTTY, write: (s: string) => (err += s) },
    env: options.env ?? {},
    out: () => out,
    err: () => err,
  };
}
