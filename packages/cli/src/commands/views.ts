import type { Command } from 'commander';
import { needs, renderDevlinks, renderNeeds, type NeedsDetail, type NeedsFormat } from '@kdsim/core';
import { loadScenario, runScenario, type RunResult } from '@kdsim/scenario';
import { CliError } from '../output/errors.js';
import { renderJson } from '../output/json.js';
import { runOptions, withRunFlags, type RunFlags } from './command.js';
import type { CommandContext } from './context.js';

type ViewFlags = RunFlags & { json?: boolean };

function view(program: Command, ctx: CommandContext, name: string, description: string, render: (r: RunResult, json: boolean) => string): void {
  withRunFlags(program.command(name))
    .argument('<scenario>', 'scenario file')
    .description(description)
    .option('--json', 'print JSON (docs/output-formats.md)')
    .action((file: string, opts: ViewFlags) => {
      ctx.io.stdout.write(render(runScenario(loadScenario(file), runOptions(opts)), opts.json === true));
    });
}

/** `kdsim devices|deferred|devlinks|groups <scenario>`: one view of the end state of a boot. */
export function registerViews(program: Command, ctx: CommandContext): void {
  view(program, ctx, 'devices', 'every device with its driver or state', (r, asJson) => {
    const s = r.summary;
    if (asJson) return renderJson('devices', { devices: s.devices });
    return s.devices.map((d) => `${d.bus}:${d.name}\t${d.driver ?? `(${d.state})`}\n`).join('');
  });
  view(program, ctx, 'deferred', 'debugfs devices_deferred', (r, asJson) =>
    asJson ? renderJson('deferred', { deferred: r.summary.deferred }) : r.kernel.devicesDeferred());
  view(program, ctx, 'devlinks', '/sys/class/devlink and the devices\' supplier/consumer links', (r, asJson) =>
    asJson ? renderJson('devlinks', { devlinks: r.summary.devlinks }) : renderDevlinks(r.kernel));
  view(program, ctx, 'groups', '/sys/kernel/iommu_groups', (r, asJson) =>
    asJson ? renderJson('groups', { groups: r.summary.groups }) : r.summary.groups.map((g, i) => `${i}\t${g.join(' ')}\n`).join(''));
}

type NeedsFlags = ViewFlags & {
  compatible?: boolean; driver?: boolean; fwnode?: boolean; module?: boolean; graph?: boolean; tsort?: boolean;
  excludeDevlinks?: boolean; excludeParents?: boolean; allowNoDriver?: boolean;
};

/** `kdsim needs <scenario> <device...>`: what a device needs to probe, as scripts/dev-needs.sh prints it. */
export function registerNeeds(program: Command, ctx: CommandContext): void {
  withRunFlags(program.command('needs'))
    .argument('<scenario>', 'scenario file')
    .argument('<device...>', 'device names')
    .description('the probe dependencies of devices (scripts/dev-needs.sh)')
    .option('-c, --compatible', 'print the compatible strings')
    .option('-d, --driver', 'print the driver names')
    .option('-f, --fwnode', 'print the firmware node paths')
    .option('-m, --module', 'print the module names')
    .option('-g, --graph', 'print Graphviz edges')
    .option('-t, --tsort', 'print tsort pairs')
    .option('--exclude-devlinks', 'do not follow device links')
    .option('--exclude-parents', 'do not follow parents')
    .option('--allow-no-driver', 'also follow devices without a driver')
    .option('--json', 'print the edges as JSON (docs/output-formats.md)')
    .action((file: string, names: string[], opts: NeedsFlags) => {
      const r = runScenario(loadScenario(file), runOptions(opts));
      const devices = names.map((n) => {
        const d = r.kernel.device(n);
        if (d === undefined) throw new CliError('usage', `no device '${n}' in ${file}`, `devices: ${r.summary.devices.map((x) => x.name).join(', ')}`);
        return d;
      });
      const edges = needs(devices, { devlinks: opts.excludeDevlinks !== true, parents: opts.excludeParents !== true, allowNoDriver: opts.allowNoDriver === true });
      if (opts.json === true) {
        ctx.io.stdout.write(renderJson('needs', { edges: edges.map((e) => ({ consumer: e.consumer.name, supplier: e.supplier?.name ?? null })) }));
        return;
      }
      const format: NeedsFormat = opts.graph === true ? 'dot' : opts.tsort === true ? 'tsort' : 'list';
      const detail: NeedsDetail = opts.compatible === true ? 'compatible' : opts.driver === true ? 'driver' : opts.fwnode === true ? 'fwnode' : opts.module === true ? 'module' : 'device';
      ctx.io.stdout.write(renderNeeds(edges, format, detail));
    });
}
