import type { Command } from 'commander';
import { needs, renderDevlinks, renderNeeds, type NeedsDetail, type NeedsFormat } from '@kdsim/core';
import { loadScenario, runScenario, SUMMARY_SCHEMA_VERSION, type RunResult } from '@kdsim/scenario';
import { guarded, json, runOptions, UsageError, withRunFlags, type CliCommand, type CliIo, type RunFlags } from './command.js';

type ViewFlags = RunFlags & { json?: boolean };

function view(program: Command, io: CliIo, name: string, description: string, render: (r: RunResult, json: boolean) => string): void {
  withRunFlags(program.command(name))
    .argument('<scenario>', 'scenario file')
    .description(description)
    .option('--json', `print JSON (schemaVersion ${SUMMARY_SCHEMA_VERSION})`)
    .action((file: string, opts: ViewFlags) => guarded(io, () => {
      io.out(render(runScenario(loadScenario(file), runOptions(opts)), opts.json === true));
    }));
}

/** `kdsim devices|deferred|devlinks|groups <scenario>`: one view of the end state of a boot. */
export const viewCommands: CliCommand = {
  name: 'views',
  register(program, io) {
    view(program, io, 'devices', 'every device with its driver or state', (r, asJson) => {
      const s = r.summary;
      if (asJson) return json({ schemaVersion: s.schemaVersion, devices: s.devices });
      return s.devices.map((d) => `${d.bus}:${d.name}\t${d.driver ?? `(${d.state})`}\n`).join('');
    });
    view(program, io, 'deferred', 'debugfs devices_deferred', (r, asJson) =>
      asJson ? json({ schemaVersion: r.summary.schemaVersion, deferred: r.summary.deferred }) : r.kernel.devicesDeferred());
    view(program, io, 'devlinks', '/sys/class/devlink and the devices\' supplier/consumer links', (r, asJson) =>
      asJson ? json({ schemaVersion: r.summary.schemaVersion, devlinks: r.summary.devlinks }) : renderDevlinks(r.kernel));
    view(program, io, 'groups', 'IOMMU groups', (r, asJson) =>
      asJson ? json({ schemaVersion: r.summary.schemaVersion, groups: r.summary.groups }) : r.summary.groups.map((g, i) => `${i}\t${g.join(' ')}\n`).join(''));
  },
};

type NeedsFlags = ViewFlags & {
  compatible?: boolean; driver?: boolean; fwnode?: boolean; module?: boolean; graph?: boolean; tsort?: boolean;
  excludeDevlinks?: boolean; excludeParents?: boolean; allowNoDriver?: boolean;
};

/** `kdsim needs <scenario> <device...>`: what a device needs to probe, as scripts/dev-needs.sh prints it. */
export const needsCommand: CliCommand = {
  name: 'needs',
  register(program, io) {
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
      .option('--json', `print the edges as JSON (schemaVersion ${SUMMARY_SCHEMA_VERSION})`)
      .action((file: string, names: string[], opts: NeedsFlags) => guarded(io, () => {
        const r = runScenario(loadScenario(file), runOptions(opts));
        const devices = names.map((n) => {
          const d = r.kernel.device(n);
          if (d === undefined) throw new UsageError(`no device '${n}' in ${file}`, `devices: ${r.summary.devices.map((x) => x.name).join(', ')}`);
          return d;
        });
        const edges = needs(devices, { devlinks: opts.excludeDevlinks !== true, parents: opts.excludeParents !== true, allowNoDriver: opts.allowNoDriver === true });
        if (opts.json === true) {
          io.out(json({ schemaVersion: SUMMARY_SCHEMA_VERSION, edges: edges.map((e) => ({ consumer: e.consumer.name, supplier: e.supplier?.name ?? null })) }));
          return;
        }
        const format: NeedsFormat = opts.graph === true ? 'dot' : opts.tsort === true ? 'tsort' : 'list';
        const detail: NeedsDetail = opts.compatible === true ? 'compatible' : opts.driver === true ? 'driver' : opts.fwnode === true ? 'fwnode' : opts.module === true ? 'module' : 'device';
        io.out(renderNeeds(edges, format, detail));
      }));
  },
};
