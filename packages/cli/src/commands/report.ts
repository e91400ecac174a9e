import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { decodeSchedule, describeSchedule } from '@kdsim/explore';
import { buildReport } from '../render/report.js';
import type { CommandContext } from './context.js';
import { bootMachine, machineOptions, type MachineOptions } from './machine.js';

/** `kdsim report`: one self-contained HTML page of the boot. */
export function registerReport(program: Command, ctx: CommandContext): void {
  machineOptions(program.command('report'))
    .description('one self-contained HTML page: summary, device graph, timeline and log')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--title <title>', 'page title', 'kdsim report')
    .action(async (file: string | undefined, opts: MachineOptions & { output?: string; title: string }) => {
      const k = bootMachine(file, opts);
      const schedule = opts.schedule === undefined ? {} : { schedule: { token: opts.schedule, choices: describeSchedule(decodeSchedule(opts.schedule), k.scheduler) } };
      const html = await buildReport(k, { title: opts.title, ...schedule });
      if (opts.output === undefined) ctx.io.stdout.write(html);
      else writeFileSync(opts.output, html);
    });
}
