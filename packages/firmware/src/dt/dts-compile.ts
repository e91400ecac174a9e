import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { FirmwareError } from '../errors.js';
import { finishDts } from './dts-checks.js';
import { needsPreprocessor, preprocessDts } from './dts-cpp.js';
import { DtsLexer, type IncludeResolver, type ReadFile, type SrcPos } from './dts-lexer.js';
import { parseDtsTokens } from './dts-parser.js';
import type { DeviceTree } from './tree.js';

/** Options of {@link parseDts} and {@link compileDts}. */
export interface DtsOptions {
  /** The source's file name, for messages and as the base of relative includes (default `<dts>`). */
  readonly file?: string;
  /** Search path for `/include/`, `/incbin/` and the preprocessor's `#include` (dtc `-i`, cpp `-I`). */
  readonly includeDirs?: readonly string[];
  /** Reads an included file (default: the file system); must throw when the file does not exist. */
  readonly readFile?: ReadFile;
  /**
   * Run the C preprocessor first: `'auto'` (default) when the text has
   * `#include`/`#define`/`#if`-style directives, or always / never.
   */
  readonly preprocess?: 'auto' | boolean;
  /** The preprocessor binary (default `cpp`). */
  readonly cpp?: string;
  /** Extra preprocessor definitions (`-Dname=value`). */
  readonly defines?: Readonly<Record<string, string>>;
}

const defaultReadFile: ReadFile = (path) => readFileSync(path);

/** dtc srcpos.c: srcfile_relative_open(): the including file's directory, then the search path. */
function resolver(includeDirs: readonly string[], readFile: ReadFile): IncludeResolver {
  return {
    open(name: string, fromDir: string, pos: SrcPos) {
      const candidates = isAbsolute(name) ? [name] : [join(fromDir, name), ...includeDirs.map((d) => join(d, name))];
      for (const path of candidates) {
        let data: string | Uint8Array;
        try {
          data = readFile(path);
        } catch {
          continue;
        }
        const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
        const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
        return { path, text, bytes };
      }
      throw new FirmwareError('io', {
        file: pos.file, line: pos.line, column: pos.column,
        message: `Couldn't open "${name}": not found in ${candidates.join(', ')}`,
      });
    },
  };
}

/**
 * Compiles DTS source text to the tree `dtc -I dts -O dtb` (dtc 1.6.1) would
 * write: the full dtc source language (labels, references in and out of
 * cells, `/bits/`, C expressions, node merging by path and label,
 * `/delete-node/`, `/delete-property/`, `/omit-if-no-ref/`, `/include/`,
 * `/incbin/`), dtc's error-level checks, and dtc's phandle allocation
 * (`phandle` properties only, as with dtc's default `-H epapr`). Sources with
 * C-preprocessor directives go through `cpp` first, exactly as the kernel
 * build runs it. Overlays (`/plugin/`) are rejected.
 *
 * Throws {@link FirmwareError}: `syntax`, `danglingReference` (unknown label
 * or path), `duplicate` (labels, sibling names, properties, phandles), `io`
 * (includes), `preprocessor`, `unsupported`; each with file, line and column.
 */
export function parseDts(text: string, options: DtsOptions = {}): DeviceTree {
  const file = options.file ?? '<dts>';
  const includeDirs = options.includeDirs ?? [];
  const pre = options.preprocess ?? 'auto';
  let source = text;
  if (pre === true || (pre === 'auto' && needsPreprocessor(text))) {
    source = preprocessDts(text, { file, includeDirs, cpp: options.cpp ?? 'cpp', defines: options.defines ?? {} });
  }
  const dir = file.includes('/') ? dirname(file) : '.';
  const lex = new DtsLexer(source, file, dir, resolver(includeDirs, options.readFile ?? defaultReadFile));
  return finishDts(parseDtsTokens(lex), file);
}

/** Reads `file` (through `options.readFile` if given) and compiles it with {@link parseDts}. */
export function compileDts(file: string, options: Omit<DtsOptions, 'file'> = {}): DeviceTree {
  const read = options.readFile ?? defaultReadFile;
  let data: string | Uint8Array;
  try {
    data = read(file);
  } catch (e) {
    throw new FirmwareError('io', { file, message: `cannot read: ${e instanceof Error ? e.message : String(e)}` });
  }
  const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
  return parseDts(text, { ...options, file });
}
