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
    .action((file: string | undefined, opts: MachineOptions & { output?: string }) => {
      const k = bootMachine(file, opts);
      const text = `${JSON.stringify(chromeTrace(k.traceLog, `kdsim ${k.profile.name}`))}\n`;
      if (opts.output === undefined) ctx.io.stdout.write(text);
      else writeFileSync(opts.output, text);
    });
}
