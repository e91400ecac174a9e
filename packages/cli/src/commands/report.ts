import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { decodeSchedule, describeSchedule } from '@kdsim/explore';
import { renderJson } from '../output/json.js';
import { renderReportHtml, reportData } from '../render/report.js';
import type { CommandContext } from './context.js';
import { bootMachine, iommuEdges, machineOptions, type MachineOptions } from './machine.js';

/** `kdsim report`: one self-contained HTML page of the boot. */
export function registerReport(program: Command, ctx: CommandContext): void {
  machineOptions(program.command('report'))
    .description('one self-contained HTML page: summary, device graph, timeline and log')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--title <title>', 'page title', 'kdsim report')
    .option('--json', 'the report\'s data (facts, devices, timeline, log) as JSON instead of the page')
    .action(async (file: string | undefined, opts: MachineOptions & { output?: string; title: string; json?: boolean }) => {
      const k = bootMachine(file, opts);
      const schedule = opts.schedule === undefined ? {} : { schedule: { token: opts.schedule, choices: describeSchedule(decodeSchedule(opts.schedule), k.scheduler) } };
      const data = await reportData(k, { title: opts.title, iommuEdges: iommuEdges(k), ...schedule });
      const { graphSvg: _svg, graph, ...rest } = data;
      const text = opts.json === true ? renderJson('report', { ...rest, devices: graph.nodes }) : renderReportHtml(data);
      if (opts.output === undefined) ctx.io.stdout.write(text);
      else writeFileSync(opts.output, text);
    });
}
