import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { FirmwareError } from '../errors.js';

/**
 * The C preprocessor pass of the kernel's DTS build (scripts/Makefile.lib:
 * cmd_dtc_cpp): `cpp -nostdinc -undef -D__DTS__ -x assembler-with-cpp -I...`.
 * The output keeps cpp's `# <line> "<file>"` markers, which the DTS lexer
 * turns back into source positions.
 */

/** Preprocessor directives that make a source need cpp (dtc itself knows none of them). */
const DIRECTIVE = /^[ \t]*#[ \t]*(?:include|define|undef|ifdef|ifndef|if|elif|else|endif|error|warning|pragma)\b/m;

/** True when `text` uses C-preprocessor directives. */
export function needsPreprocessor(text: string): boolean {
  return DIRECTIVE.test(text);
}

/** Options of {@link preprocessDts}. */
export interface CppOptions {
  /** The source's file name: quote includes resolve from its directory, and markers for it map back to it. */
  readonly file: string;
  /** `-I` directories. */
  readonly includeDirs: readonly string[];
  /** The preprocessor binary (default `cpp`). */
  readonly cpp: string;
  /** Extra `-D` definitions. */
  readonly defines: Readonly<Record<string, string>>;
}

/**
 * Runs `text` through the C preprocessor like the kernel build and returns
 * its output, with cpp's name for standard input replaced by `file`.
 * Throws {@link FirmwareError} `preprocessor` when cpp is missing or fails.
 */
export function preprocessDts(text: string, o: CppOptions): string {
  // quote includes resolve from the source's directory (cpp reads standard input there)
  const fileDir = dirname(resolve(o.file));
  const dir = existsSync(fileDir) ? fileDir : process.cwd();
  const args = ['-nostdinc', '-undef', '-D__DTS__', '-x', 'assembler-with-cpp'];
  for (const d of o.includeDirs) args.push(`-I${resolve(d)}`);
  for (const [k, v] of Object.entries(o.defines)) args.push(`-D${k}=${v}`);
  args.push('-');
  const r = spawnSync(o.cpp, args, { input: text, cwd: dir, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new FirmwareError('preprocessor', {
      file: o.file,
      message: code === 'ENOENT'
        ? `the source uses C-preprocessor directives but the preprocessor "${o.cpp}" is not installed (${r.error.message})`
        : `running the preprocessor "${o.cpp}" failed: ${r.error.message}`,
    });
  }
  if (r.status !== 0) {
    const err = r.stderr.replaceAll('<stdin>', o.file);
    const m = /^(.*?):(\d+):(?:(\d+):)? (?:fatal )?error: (.*)$/m.exec(err);
    throw new FirmwareError('preprocessor', {
      file: m?.[1] ?? o.file,
      ...(m ? { line: Number(m[2]) } : {}),
      ...(m?.[3] !== undefined ? { column: Number(m[3]) } : {}),
      message: `${o.cpp} failed: ${m?.[4] ?? err.trim().split('\n')[0] ?? `exit status ${r.status}`}`,
    });
  }
  // Markers name standard input "<stdin>" and includes relative to `dir`.
  return r.stdout.replace(/^(#(?:line)?[ \t]+[0-9]+[ \t]+)"([^"\n]*)"/gm, (_all, head: string, name: string) => {
    if (name === '<stdin>') return `${head}"${o.file.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
    return `${head}"${name.startsWith('<') || isAbsolute(name) ? name : resolve(dir, name)}"`;
  });
}
