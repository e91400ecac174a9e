#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { parseLevel, type Kernel } from '@kdsim/core';
import { defaultMachine } from './default-machine.js';
import { registerExplore } from './commands/explore.js';

/** A summary of a boot: who bound, what is deferred and why. */
export function summary(k: Kernel): string {
  const lines: string[] = [`kernel ${k.profile.name}, ${k.devices.length} devices, ${k.stats.probeAttempts} probe attempts, ended at ${(k.clock.now / 1e9).toFixed(6)} s`];
  lines.push('', 'devices:');
  for (const d of k.devices) {
    if (!d.registered) continue;
    const state = d.bound ? `bound to ${d.driver?.name ?? '?'}` : d.deferredNode.list !== null ? 'deferred' : 'no driver';
    lines.push(`  ${d.busName.padEnd(32)} ${state}`);
  }
  const deferred = k.devicesDeferred();
  lines.push('', 'devices_deferred:', deferred === '' ? '  (none)' : deferred.trimEnd().split('\n').map((l) => `  ${l}`).join('\n'));
  return `${lines.join('\n')}\n`;
}

/** Runs the `kdsim` command with `argv` (without node and script) and returns the exit code. */
export function main(argv: readonly string[]): number {
  const { program, code } = buildProgram();
  try {
    program.parse(['node', 'kdsim', ...argv]);
  } catch (e) {
    const exitCode = (e as { exitCode?: number }).exitCode;
    return typeof exitCode === 'number' ? exitCode : 1;
  }
  return code();
}

/** As {@link main}, awaiting commands that run asynchronously (`explore --workers`). */
export async function mainAsync(argv: readonly string[]): Promise<number> {
  const { program, code } = buildProgram();
  try {
    await program.parseAsync(['node', 'kdsim', ...argv]);
  } catch (e) {
    const exitCode = (e as { exitCode?: number }).exitCode;
    if (typeof exitCode === 'number') return exitCode;
    process.stderr.write(`kdsim: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  return code();
}

function buildProgram(): { program: Command; code: () => number } {
  let code = 0;
  const program = new Command('kdsim')
    .description('A deterministic simulation of the Linux driver model.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  program
    .command('run', { isDefault: true })
    .description('boot a machine and show what the kernel did (the built-in default machine for now)')
    .option('--cmdline <cmdline>', 'extra kernel command line', '')
    .option('--level <level>', 'only klog lines at this level or more severe (err, warn, info, debug or 0-7)')
    .option('--no-debug', 'leave out the driver-core debug lines')
    .action((opts: { cmdline: string; level?: string; debug: boolean }) => {
      const level = opts.level === undefined ? undefined : parseLevel(opts.level);
      if (opts.level !== undefined && level === undefined) {
        process.stderr.write(`kdsim: unknown log level '${opts.level}'\nhint: use err, warn, info, debug or a number 0-7\n`);
        code = 2;
        return;
      }
      const k = defaultMachine(opts.cmdline).boot();
      process.stdout.write(summary(k));
      process.stdout.write('\ndmesg:\n');
      process.stdout.write(k.dmesg({ ...(level !== undefined ? { level } : {}), debug: opts.debug }));
    });
  registerExplore(program, (c) => { code = c; });
  return { program, code: () => code };
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void mainAsync(process.argv.slice(2)).then((c) => { process.exitCode = c; });
}
