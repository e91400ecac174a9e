import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { internString } from '@kdsim/core';
import { ScenarioError, type ScenarioErrorKind } from './errors.js';

/**
 * A parsed YAML document that still knows where every value came from, so
 * errors can name a line and column for a JSON-pointer path.
 */
export class YamlSource {
  readonly #doc: Document;
  readonly #lines = new LineCounter();

  /** Parses `text`; YAML syntax errors throw a {@link ScenarioError} of kind `yaml`. */
  constructor(text: string, readonly file: string) {
    this.#doc = parseDocument(text, { lineCounter: this.#lines, prettyErrors: false, uniqueKeys: true });
    const err = this.#doc.errors[0];
    if (err !== undefined) {
      const pos = this.#lines.linePos(err.pos[0]);
      throw new ScenarioError('yaml', { file, line: pos.line, column: pos.col, path: '', message: err.message.split('\n')[0] ?? err.message });
    }
  }

  /** The document as plain data, its strings interned (`internString()` of @kdsim/core). */
  toJS(): unknown {
    return internStrings(this.#doc.toJS());
  }

  /**
   * Line and column of the value at `pointer` (`/kernel/modules/0`); with
   * `key` true, of the key itself. Falls back to the nearest existing ancestor.
   */
  position(pointer: string, key = false): { line: number; column: number } | undefined {
    // The document never changes, and every run of a scenario asks again for each expectation.
    const cacheKey = key ? `k${pointer}` : pointer;
    if (this.#positions.has(cacheKey)) return this.#positions.get(cacheKey);
    const pos = this.#position(pointer, key);
    this.#positions.set(cacheKey, pos);
    return pos;
  }

  readonly #positions = new Map<string, { line: number; column: number } | undefined>();

  #position(pointer: string, key: boolean): { line: number; column: number } | undefined {
    const parts = pointer === '' ? [] : pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let node: unknown = this.#doc.contents;
    let best = node;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const last = i === parts.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === part);
        if (pair === undefined) break;
        node = last && key ? pair.key : pair.value;
      } else if (isSeq(node)) {
        node = node.items[Number(part)];
      } else {
        break;
      }
      if (node === undefined || node === null) break;
      best = node;
    }
    const range = (best as Node | null)?.range;
    if (range === undefined || range === null) return undefined;
    const p = this.#lines.linePos(range[0]);
    return { line: p.line, column: p.col };
  }

  /** A {@link ScenarioError} of `kind` located at `pointer`. */
  error(kind: ScenarioErrorKind, pointer: string, message: string, key = false): ScenarioError {
    const pos = this.position(pointer, key);
    return new ScenarioError(kind, { file: this.file, ...(pos ?? {}), path: pointer, message });
  }
}

/**
 * Replaces every string of a parsed document (in arrays and plain objects, in place) with its
 * internalized copy. The parser hands out a fresh string for each occurrence, so a device's
 * `compatible` and its driver's match table held equal but distinct strings, and every compare
 * of the many a boot makes read both through.
 */
function internStrings(value: unknown): unknown {
  if (typeof value === 'string') return internString(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = internStrings(value[i]);
  } else if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = internStrings(o[k]);
  }
  return value;
}
