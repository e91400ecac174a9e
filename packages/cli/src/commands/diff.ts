import { diffScenario, loadScenario, SUMMARY_SCHEMA_VERSION } from '@kdsim/scenario';
import { guarded, json, type CliCommand } from './command.js';

/** `kdsim diff <scenario> --a X --b Y`: what changes between two profiles or policy overrides. */
export const diffCommand: CliCommand = {
  name: 'diff',
  register(program, io) {
    program.command('diff')
      .argument('<scenario>', 'scenario file')
      .description('run a scenario twice and list devices whose driver, deferral, group or step errno differ')
      .requiredOption('--a <side>', 'a profile (linux-5.10) or policy override (fw_devlink=strict)')
      .requiredOption('--b <side>', 'a profile or policy override')
      .option('--json', `print the rows as JSON (schemaVersion ${SUMMARY_SCHEMA_VERSION})`)
      .action((file: string, opts: { a: string; b: string; json?: boolean }) => guarded(io, () => {
        const d = diffScenario(loadScenario(file), opts.a, opts.b);
        if (opts.json === true) {
          io.out(json({ schemaVersion: SUMMARY_SCHEMA_VERSION, a: opts.a, b: opts.b, rows: d.rows }));
          return;
        }
        if (d.rows.length === 0) {
          io.out(`no difference between ${opts.a} and ${opts.b}\n`);
          return;
        }
        const w = Math.max(...d.rows.map((r) => r.subject.length), 6);
        io.out(`${'device'.padEnd(w)}  ${'field'.padEnd(8)}  A (${opts.a})  →  B (${opts.b})\n`);
        for (const r of d.rows) io.out(`${r.subject.padEnd(w)}  ${r.field.padEnd(8)}  ${r.a ?? '-'}  →  ${r.b ?? '-'}\n`);
      }));
  },
};
