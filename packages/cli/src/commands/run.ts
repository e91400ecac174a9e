import type { Command } from 'commander';
import { parseLevel } from '@kdsim/core';
import { DEFAULT_SCENARIO_PATH, loadScenario, runScenario, type RunResult } from '@kdsim/scenario';
import { CliError } from '../output/errors.js';
import { renderJson } from '../output/json.js';
import { runOptions, withRunFlags, type RunFlags } from './command.js';
import type { CommandContext } from './context.js';

/** The text summary of a run: devices, devices_deferred, groups, expectations. */
export function renderRun(r: RunResult): string {
  const s = r.summary;
  const lines = [`${s.scenario}`, `kernel ${s.profile}, ${s.devices.length} devices, ${s.probeAttempts} probe attempts, ended at ${(s.endTime / 1e9).toFixed(6)} s`];
  lines.push('', 'devices:');
  for (const d of s.devices) lines.push(`  ${(d.bus === '' ? d.name : `${d.bus}:${d.name}`).padEnd(36)} ${d.driver !== null ? `bound to ${d.driver}` : d.state}`);
  lines.push('', 'devices_deferred:');
  if (s.deferred.length === 0) lines.push('  (none)');
  for (const d of s.deferred) lines.push(`  ${d.device}\t${d.reason}`);
  if (s.groups.length > 0) {
    lines.push('', 'iommu groups:');
    s.groups.forEach((g, i) => lines.push(`  ${i}: ${g.join(' ')}`));
  }
  if (r.expectations.length > 0) {
    const failed = r.expectations.filter((e) => !e.passed).length;
    lines.push('', `expectations: ${r.expectations.length - failed} passed, ${failed} failed`);
    for (const e of r.expectations) if (!e.passed) lines.push(`  FAIL ${e.kind} ${e.subject}${e.line !== undefined ? ` (line ${e.line})` : ''}: ${e.message}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `kdsim run [scenario]`: boot a scenario (the built-in default without one), print the summary and dmesg. */
export function registerRun(program: Command, ctx: CommandContext): void {
  withRunFlags(program.command('run', { isDefault: true }))
    .argument('[scenario]', 'scenario file (default: the built-in default scenario)')
    .description('boot a scenario and show what the kernel did; exit 1 if an expectation fails')
    .option('--level <level>', 'only klog lines at this level or more severe (err, warn, info, debug or 0-7)')
    .option('--debug', 'include the driver-core debug lines (dyndbg of dd.c, core.c, bus.c)')
    .option('--json', 'print the summary, expectations and step results as JSON (docs/output-formats.md)')
    .action((file: string | undefined, opts: RunFlags & { level?: string; debug?: boolean; json?: boolean }) => {
      const level = opts.level === undefined ? undefined : parseLevel(opts.level);
      if (opts.level !== undefined && level === undefined) throw new CliError('usage', `unknown log level '${opts.level}'`, 'use err, warn, info, debug or a number 0-7');
      const r = runScenario(loadScenario(file ?? DEFAULT_SCENARIO_PATH), runOptions(opts));
      const out = ctx.io.stdout;
      if (opts.json === true) {
        out.write(renderJson('run', { ...r.summary, passed: r.passed, expectations: r.expectations, steps: Object.fromEntries(r.stepResults) }));
      } else {
        out.write(renderRun(r));
        out.write('\ndmesg:\n');
        out.write(r.kernel.dmesg({ ...(level !== undefined ? { level } : {}), debug: opts.debug === true }));
      }
      if (!r.passed) ctx.setExit(1);
    });
}
