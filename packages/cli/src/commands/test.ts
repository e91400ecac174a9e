import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { junitXml, runSuite } from '@kdsim/scenario';
import { EXIT_USAGE } from '../output/errors.js';
import { progressBar, type Progress } from '../output/progress.js';
import { renderJson } from '../output/json.js';
import { runOptions, withRunFlags, type RunFlags } from './command.js';
import type { CommandContext } from './context.js';

/** `kdsim test <dir> [--junit FILE]`: run every scenario of a directory; exit 1 if any fails, 2 if any does not load. */
export function registerTest(program: Command, ctx: CommandContext): void {
  withRunFlags(program.command('test'))
    .argument('<dir>', 'directory of *.yaml scenarios')
    .description('run a scenario suite: a table of results, optionally JUnit XML')
    .option('--junit <file>', 'also write a JUnit XML report')
    .option('--json', 'print the results as JSON (docs/output-formats.md)')
    .action((dir: string, opts: RunFlags & { junit?: string; json?: boolean }) => {
      let bar: Progress | null = null;
      const suite = runSuite(dir, {
        ...runOptions(opts),
        onStart: (total) => (bar = progressBar(ctx.io, 'scenarios', total)),
        onScenario: () => bar?.tick(),
      });
      (bar as Progress | null)?.stop();
      const out = ctx.io.stdout;
      if (opts.json === true) {
        out.write(renderJson('test', {
          passed: suite.passed, failed: suite.failed, errors: suite.errors,
          scenarios: suite.entries.map((e) => ({
            file: basename(e.file), name: e.name,
            status: e.error !== null ? 'error' : e.result!.passed ? 'pass' : 'fail',
            error: e.error?.message ?? null,
            failures: e.result?.expectations.filter((x) => !x.passed).map((x) => ({ kind: x.kind, subject: x.subject, message: x.message })) ?? [],
          })),
        }));
      } else {
        const w = Math.max(8, ...suite.entries.map((e) => basename(e.file).length));
        out.write(`${'RESULT'.padEnd(6)}  ${'FILE'.padEnd(w)}  SCENARIO\n`);
        for (const e of suite.entries) {
          if (e.error !== null) {
            out.write(`${'ERROR'.padEnd(6)}  ${basename(e.file).padEnd(w)}  ${e.error.message}\n`);
            continue;
          }
          const r = e.result!;
          out.write(`${(r.passed ? 'PASS' : 'FAIL').padEnd(6)}  ${basename(e.file).padEnd(w)}  ${e.name}\n`);
          for (const x of r.expectations) if (!x.passed) out.write(`${''.padEnd(8 + w)}  ${x.kind} ${x.subject}${x.line !== undefined ? ` (line ${x.line})` : ''}: ${x.message}\n`);
        }
        out.write(`\n${suite.passed} passed, ${suite.failed} failed, ${suite.errors} errors\n`);
      }
      if (opts.junit !== undefined) writeFileSync(opts.junit, junitXml(suite));
      if (suite.errors > 0) ctx.setExit(EXIT_USAGE);
      else if (suite.failed > 0) ctx.setExit(1);
    });
}
