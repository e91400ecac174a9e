import type { Command } from 'commander';
import { parseLevel, type Kernel } from '@kdsim/core';
import { defaultMachine } from '../default-machine.js';
import { CliError } from '../output/errors.js';
import type { CommandContext } from './context.js';

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

/** `kdsim run`: boot the built-in default machine and print the summary and dmesg. */
export function registerRun(program: Command, ctx: CommandContext): void {
  program
    .command('run', { isDefault: true })
    .description('boot a machine and show what the kernel did (the built-in default machine for now)')
    .option('--cmdline <cmdline>', 'extra kernel command line', '')
    .option('--level <level>', 'only klog lines at this level or more severe (err, warn, info, debug or 0-7)')
    .option('--no-debug', 'leave out the driver-core debug lines')
    .action((opts: { cmdline: string; level?: string; debug: boolean }) => {
      const level = opts.level === undefined ? undefined : parseLevel(opts.level);
      if (opts.level !== undefined && level === undefined) {
        throw new CliError('usage', `unknown log level '${opts.level}'`, 'use err, warn, info, debug or a number 0-7');
      }
      const k = defaultMachine(opts.cmdline).boot();
      ctx.io.stdout.write(summary(k));
      ctx.io.stdout.write('\ndmesg:\n');
      ctx.io.stdout.write(k.dmesg({ ...(level !== undefined ? { level } : {}), debug: opts.debug }));
    });
}
