import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { deviceGraph, findGraphNode, renderDot, renderSvg } from '../render/graph.js';
import { CliError } from '../output/errors.js';
import { renderJson } from '../output/json.js';
import type { CommandContext } from './context.js';
import { bootMachine, iommuEdges, machineOptions, type MachineOptions } from './machine.js';

const FORMATS = ['dot', 'svg', 'json'] as const;

/** Parses a non-negative integer option. */
export function parseDepth(v: string): number {
  if (!/^\d+$/.test(v)) throw new CliError('usage', `--depth '${v}' is not a whole number`, 'give how many edges to follow, e.g. --depth 2');
  return Number(v);
}

/** `kdsim graph`: the device/link/IOMMU graph as DOT, SVG or JSON. */
export function registerGraph(program: Command, ctx: CommandContext): void {
  machineOptions(program.command('graph'))
    .description('the device / device-link / IOMMU graph as DOT, SVG (rendered in-process) or JSON')
    .option('-f, --format <format>', `output format: ${FORMATS.join(', ')}`, 'dot')
    .option('--json', 'the same as --format json')
    .option('--around <device>', 'only the neighbourhood of this device (bus:name or name)')
    .option('--depth <n>', 'edges to follow from --around', parseDepth, 1)
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (file: string | undefined, opts: MachineOptions & { json?: boolean; format: string; around?: string; depth: number; output?: string }) => {
      if (opts.json === true) opts.format = 'json';
      if (!(FORMATS as readonly string[]).includes(opts.format)) throw new CliError('usage', `unknown graph format '${opts.format}'`, `use one of ${FORMATS.join(', ')}`);
      const k = bootMachine(file, opts);
      const edges = iommuEdges(k);
      const full = deviceGraph(k, { iommuEdges: edges });
      if (opts.around !== undefined && findGraphNode(full, opts.around) === undefined) {
        throw new CliError('notFound', `no device '${opts.around}'`, `devices are named bus:name or name, e.g. ${full.nodes[0]?.id ?? 'platform:foo'}`);
      }
      const g = opts.around === undefined ? full : deviceGraph(k, { iommuEdges: edges, around: opts.around, depth: opts.depth });
      const dot = renderDot(g);
      const text = opts.format === 'json' ? renderJson('graph', g) : opts.format === 'svg' ? await renderSvg(dot) : dot;
      if (opts.output === undefined) ctx.io.stdout.write(text);
      else writeFileSync(opts.output, text);
    });
}
