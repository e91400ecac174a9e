import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { chromeTrace } from '../render/trace.js';
import type { CommandContext } from './context.js';
import { bootMachine, machineOptions, type MachineOptions } from './machine.js';

/** `kdsim trace`: the boot as Chrome/Perfetto trace-event JSON. */
export function registerTrace(program: Command, ctx: CommandContext): void {
  machineOptions(program.command('trace'))
    .description('the boot as Chrome/Perfetto trace-event JSON (open in ui.perfetto.dev or chrome://tracing)')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--json', 'accepted for uniformity: the output is JSON already (trace-event format, not wrapped, so viewers open it)')
    .action((file: string | undefined, opts: MachineOptions & { output?: string; json?: boolean }) => {
      const k = bootMachine(file, opts);
      const text = `${JSON.stringify(chromeTrace(k.traceLog, `kdsim ${k.profile.name}`))}\n`;
      if (opts.output === undefined) ctx.io.stdout.write(text);
      else writeFileSync(opts.output, text);
    });
}
