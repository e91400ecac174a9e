import type { Command } from 'commander';
import { diffScenario, loadScenario } from '@kdsim/scenario';
import { renderJson } from '../output/json.js';
import type { CommandContext } from './context.js';

/** `kdsim diff <scenario> --a X --b Y`: what changes between two profiles or policy overrides. */
export function registerDiff(program: Command, ctx: CommandContext): void {
  program.command('diff')
    .argument('<scenario>', 'scenario file')
    .description('run a scenario twice and list devices whose driver, deferral, group or step errno differ')
    .requiredOption('--a <side>', 'a profile (linux-5.10) or policy override (fw_devlink=strict)')
    .requiredOption('--b <side>', 'a profile or policy override')
    .option('--json', 'print the rows as JSON (docs/output-formats.md)')
    .action((file: string, opts: { a: string; b: string; json?: boolean }) => {
      const d = diffScenario(loadScenario(file), opts.a, opts.b);
      const out = ctx.io.stdout;
      if (opts.json === true) {
        out.write(renderJson('diff', { a: opts.a, b: opts.b, rows: d.rows }));
        return;
      }
      if (d.rows.length === 0) {
        out.write(`no difference between ${opts.a} and ${opts.b}\n`);
        return;
      }
      const w = Math.max(...d.rows.map((r) => r.subject.length), 6);
      out.write(`${'device'.padEnd(w)}  ${'field'.padEnd(8)}  A (${opts.a})  →  B (${opts.b})\n`);
      for (const r of d.rows) out.write(`${r.subject.padEnd(w)}  ${r.field.padEnd(8)}  ${r.a ?? '-'}  →  ${r.b ?? '-'}\n`);
    });
}
