#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import type { RegisterCommand } from './commands/command.js';
import type { CommandContext } from './commands/context.js';
import { registerDecode } from './commands/decode.js';
import { registerDiff } from './commands/diff.js';
import { registerExplore } from './commands/explore.js';
import { registerGraph } from './commands/graph.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerTest } from './commands/test.js';
import { registerTrace } from './commands/trace.js';
import { registerNeeds, registerViews } from './commands/views.js';
import { colorsFor } from './output/colors.js';
import { EXIT_USAGE, reportError } from './output/errors.js';
import { processIo, type CliIo } from './output/io.js';

/** Every command in `--help` order; each lives in its own file under `commands/`. */
export const COMMANDS: readonly RegisterCommand[] = [registerRun, registerTest, registerDiff, registerViews, registerNeeds, registerExplore, registerGraph, registerTrace, registerReport, registerDecode];

/**
 * Runs the `kdsim` command with `argv` (without node and script) and
 * resolves to the exit status. Errors never escape: user errors print one
 * line and a hint on stderr.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let code = 0;
  const ctx: CommandContext = { io, colors: colorsFor(io), setExit: (c) => (code = Math.max(code, c)) };
  const program = new Command('kdsim')
    .description('A deterministic simulation of the Linux driver model.')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // commander's own errors (unknown option, missing argument): one line and a hint, like ours.
      outputError: (s, write) => write(`kdsim: ${s.replace(/^error: /, '').trim()}\nhint: see 'kdsim help' or 'kdsim <command> --help'\n`),
    });
  for (const register of COMMANDS) register(program, ctx);
  try {
    await program.parseAsync(['node', 'kdsim', ...argv]);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 1 ? EXIT_USAGE : e.exitCode;
    return reportError(io, e, colorsFor(io, io.stderr));
  }
  return code;
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
