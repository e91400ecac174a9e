import { spawnSync } from 'node:child_process';

/** True when the `dtc` binary can be run (oracle tests skip without it). */
export const haveDtc: boolean = spawnSync('dtc', ['--version'], { encoding: 'utf8' }).status === 0;

/** True when the C preprocessor `cpp` can be run. */
export const haveCpp: boolean = spawnSync('cpp', ['--version'], { encoding: 'utf8' }).status === 0;

/** Why oracle tests are skipped, for the test title. */
export const noDtcReason = haveDtc ? '' : ' (SKIPPED: dtc not installed)';

/**
 * Runs `dtc -q -I <inform> -O <outform>` on `input` (stdin) or on a file
 * path, returning stdout bytes; throws with dtc's stderr on failure.
 */
export function runDtc(args: readonly string[], input?: Uint8Array | string): Buffer {
  const r = spawnSync('dtc', ['-q', ...args], { input, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`dtc ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** `dtc -I dts -O dtb` of a file. */
export function dtcCompile(file: string, extra: readonly string[] = []): Uint8Array {
  return new Uint8Array(runDtc(['-I', 'dts', '-O', 'dtb', ...extra, file]));
}

/** `dtc -I dtb -O dts` of a blob. */
export function dtcDecompile(blob: Uint8Array): string {
  return runDtc(['-I', 'dtb', '-O', 'dts', '-'], blob).toString('latin1');
}

/** `dtc -I dtb -O dtb` of a blob: the blob dtc itself writes for that tree. */
export function dtcReencode(blob: Uint8Array): Uint8Array {
  return new Uint8Array(runDtc(['-I', 'dtb', '-O', 'dtb', '-'], blob));
}
