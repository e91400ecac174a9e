#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Runs the `kdsim` command with `argv` (without node and script) and returns the exit code. */
export function main(argv: readonly string[]): number {
  process.stdout.write(`kdsim: nothing to run yet (${argv.join(' ')})\n`);
  return 0;
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
