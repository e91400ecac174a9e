/**
 * @packageDocumentation
 * The `kdsim` command: run scenarios and render what the kernel did.
 */
export { main, COMMANDS } from './main.js';
export { guarded, runOptions, withRunFlags, json, UsageError, type CliCommand, type CliIo, type RunFlags } from './commands/command.js';
export { renderRun } from './commands/run.js';
