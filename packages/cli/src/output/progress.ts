import cliProgress from 'cli-progress';
import type { CliIo } from './io.js';

/** A progress indicator for long work. */
export interface Progress {
  /** Marks `n` more units done. */
  tick(n?: number): void;
  /** Ends the bar (clears it from the terminal). */
  stop(): void;
}

const NO_PROGRESS: Progress = { tick: () => undefined, stop: () => undefined };

/**
 * A progress bar on stderr for `total` units of work, shown only when stderr
 * is a terminal (never in pipes, logs or CI output), and only for work of
 * at least `minTotal` units.
 */
export function progressBar(io: CliIo, label: string, total: number, minTotal = 2): Progress {
  if (io.stderr.isTTY !== true || total < minTotal) return NO_PROGRESS;
  const bar = new cliProgress.SingleBar({
    // cli-progress drives a real tty.WriteStream (cursorTo, clearLine); on a TTY io.stderr is one.
    stream: io.stderr as NodeJS.WritableStream,
    format: `${label} [{bar}] {value}/{total}`,
    clearOnComplete: true,
    hideCursor: true,
    noTTYOutput: false,
  }, cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  return { tick: (n = 1) => bar.increment(n), stop: () => bar.stop() };
}
