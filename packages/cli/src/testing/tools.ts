import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export { fixturePath, sharedDir } from '@kdsim/testing';

const runs = (cmd: string, args: readonly string[]): boolean => spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;

/** True when `dtc` runs. */
export const haveDtc: boolean = runs('dtc', ['--version']);
/** True when `iasl` runs. */
export const haveIasl: boolean = runs('iasl', ['-v']);

/** Runs `dtc -q <args>` with `input` on stdin; stdout as latin1 text. */
export function dtc(args: readonly string[], input?: Uint8Array): string {
  const r = spawnSync('dtc', ['-q', ...args], { input, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`dtc ${args.join(' ')}: ${r.stderr.toString()}`);
  return r.stdout.toString('latin1');
}

/** `iasl -d` of a table: the .dsl text iasl writes. */
export function iaslDisassemble(bytes: Uint8Array, name = 'table.bin'): string {
  const dir = mkdtempSync(join(tmpdir(), 'kdsim-iasl-'));
  try {
    const bin = join(dir, name);
    writeFileSync(bin, bytes);
    const r = spawnSync('iasl', ['-d', bin], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`iasl -d ${name}: ${r.stderr}${r.stdout}`);
    return readFileSync(bin.replace(/\.bin$/, '.dsl'), 'latin1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An iasl .dsl without its banner comment (the first 11 lines: version, file name, date). */
export const dslBody = (dsl: string): string => dsl.split('\n').slice(11).join('\n');
