#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import type { CliCommand, CliIo } from './commands/command.js';
import { diffCommand } from './commands/diff.js';
import { runCommand } from './commands/run.js';
import { testCommand } from './commands/test.js';
import { needsCommand, viewCommands } from './commands/views.js';

/** Every sub-command, in `--help` order. Each lives in its own file under `commands/`. */
export const COMMANDS: readonly CliCommand[] = [runCommand, testCommand, diffCommand, viewCommands, needsCommand];

/** Runs the `kdsim` command with `argv` (without node and script) and returns the exit code. */
export function main(argv: readonly string[]): number {
  let code = 0;
  const io: CliIo = {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    exit: (c) => {
      code = Math.max(code, c);
    },
  };
  const program = new Command('kdsim')
    .description('A deterministic simulation of the Linux driver model.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  for (const c of COMMANDS) c.register(program, io);
  try {
    program.parse(['node', 'kdsim', ...argv]);
  } catch (e) {
    const exitCode = (e as { exitCode?: number }).exitCode;
    return typeof exitCode === 'number' ? (exitCode === 1 ? 2 : exitCode) : 1;
  }
  return code;
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
