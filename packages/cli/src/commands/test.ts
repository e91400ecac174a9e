import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { junitXml, runSuite } from '@kdsim/scenario';
import { guarded, runOptions, withRunFlags, type CliCommand, type RunFlags } from './command.js';

/** `kdsim test <dir> [--junit FILE]`: run every scenario of a directory; exit 1 if any fails, 2 if any does not load. */
export const testCommand: CliCommand = {
  name: 'test',
  register(program, io) {
    withRunFlags(program.command('test'))
      .argument('<dir>', 'directory of *.yaml scenarios')
      .description('run a scenario suite')
      .option('--junit <file>', 'also write a JUnit XML report')
      .action((dir: string, opts: RunFlags & { junit?: string }) => guarded(io, () => {
        const suite = runSuite(dir, runOptions(opts));
        for (const e of suite.entries) {
          if (e.error !== null) {
            io.out(`ERROR ${basename(e.file)}: ${e.error.message}\n`);
            continue;
          }
          const r = e.result!;
          io.out(`${r.passed ? 'PASS ' : 'FAIL '} ${basename(e.file)}: ${e.name}\n`);
          for (const x of r.expectations) if (!x.passed) io.out(`       ${x.kind} ${x.subject}${x.line !== undefined ? ` (line ${x.line})` : ''}: ${x.message}\n`);
        }
        io.out(`\n${suite.passed} passed, ${suite.failed} failed, ${suite.errors} errors\n`);
        if (opts.junit !== undefined) writeFileSync(opts.junit, junitXml(suite));
        if (suite.errors > 0) io.exit(2);
        else if (suite.failed > 0) io.exit(1);
      }));
  },
};
