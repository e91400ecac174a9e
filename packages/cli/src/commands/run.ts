import { parseLevel } from '@kdsim/core';
import { DEFAULT_SCENARIO_PATH, loadScenario, runScenario, SUMMARY_SCHEMA_VERSION, type RunResult } from '@kdsim/scenario';
import { guarded, json, runOptions, UsageError, withRunFlags, type CliCommand, type RunFlags } from './command.js';

/** The text summary of a run: devices, devices_deferred, expectations. */
export function renderRun(r: RunResult): string {
  const s = r.summary;
  const lines = [`${s.scenario}`, `kernel ${s.profile}, ${s.devices.length} devices, ${s.probeAttempts} probe attempts, ended at ${(s.endTime / 1e9).toFixed(6)} s`];
  lines.push('', 'devices:');
  for (const d of s.devices) lines.push(`  ${`${d.bus}:${d.name}`.padEnd(36)} ${d.driver !== null ? `bound to ${d.driver}` : d.state}`);
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
export const runCommand: CliCommand = {
  name: 'run',
  register(program, io) {
    withRunFlags(program.command('run', { isDefault: true }))
      .argument('[scenario]', 'scenario file (default: the built-in default scenario)')
      .description('boot a scenario and show what the kernel did; exit 1 if an expectation fails')
      .option('--level <level>', 'only klog lines at this level or more severe (err, warn, info, debug or 0-7)')
      .option('--no-debug', 'leave out debug klog lines')
      .option('--json', `print the summary, expectations and step results as JSON (schemaVersion ${SUMMARY_SCHEMA_VERSION})`)
      .action((file: string | undefined, opts: RunFlags & { level?: string; debug: boolean; json?: boolean }) => guarded(io, () => {
        const level = opts.level === undefined ? undefined : parseLevel(opts.level);
        if (opts.level !== undefined && level === undefined) throw new UsageError(`unknown log level '${opts.level}'`, 'use err, warn, info, debug or a number 0-7');
        const r = runScenario(loadScenario(file ?? DEFAULT_SCENARIO_PATH), runOptions(opts));
        if (opts.json === true) {
          io.out(json({ ...r.summary, passed: r.passed, expectations: r.expectations, steps: Object.fromEntries(r.stepResults) }));
        } else {
          io.out(renderRun(r));
          io.out('\ndmesg:\n');
          io.out(r.kernel.dmesg({ ...(level !== undefined ? { level } : {}), debug: opts.debug }));
        }
        if (!r.passed) io.exit(1);
      }));
  },
};
