/** A writable text stream as the command sees it (a TTY or not). */
export interface CliStream {
  /** Writes text. */
  write(text: string): unknown;
  /** True when the stream is a terminal. */
  readonly isTTY?: boolean;
}

/**
 * Where a command writes and what it knows about its terminal: the process's
 * streams by default, captured streams in tests.
 */
export interface CliIo {
  /** Standard output: results only. */
  readonly stdout: CliStream;
  /** Standard error: errors, hints and progress. */
  readonly stderr: CliStream;
  /** The environment (`NO_COLOR`, `TERM`). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The running process's streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}
