import { dtcNormalize } from './dtc-normalize.js';
import type { DeviceTree, DtNode, DtProperty } from './tree.js';

// C isprint() in the C locale.
const isPrint = (c: number): boolean => c >= 0x20 && c <= 0x7e;
// dtc treesource.c: isstring(): printable, NUL, or one of "\a\b\t\n\v\f\r".
const isStringChar = (c: number): boolean => isPrint(c) || c === 0 || (c >= 7 && c <= 13);

/** How dtc prints a value it has no type for: a string list, 32-bit cells or bytes. */
export type DtValueGuess = 'string' | 'cells' | 'bytes';

/** dtc treesource.c: guess_value_type() for a value without type markers. */
export function guessValueType(v: Uint8Array): DtValueGuess {
  const len = v.length;
  let notString = 0;
  let nul = 0;
  for (let i = 0; i < len; i++) {
    const c = v[i]!;
    if (!isStringChar(c)) notString++;
    if (c === 0) nul++;
  }
  if (v[len - 1] === 0 && notString === 0 && nul <= len - nul) return 'string';
  if (len % 4 === 0) return 'cells';
  return 'bytes';
}

const ESCAPES: Readonly<Record<number, string>> = {
  7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\', 0x22: '\\"', 0: '\\0',
};

// dtc treesource.c: write_propval_string(): one quoted string, inner NULs as \0.
function writeString(v: Uint8Array): string {
  let s = '"';
  for (let i = 0; i < v.length - 1; i++) {
    const c = v[i]!;
    const e = ESCAPES[c];
    if (e !== undefined) s += e;
    else if (isPrint(c)) s += String.fromCharCode(c);
    else s += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s + '"';
}

// dtc treesource.c: write_propval_int() for 4-byte cells ("0x%02x") and bytes ("%02x").
function writeCells(v: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i + 4 <= v.length; i += 4) {
    const x = ((v[i]! << 24) | (v[i + 1]! << 16) | (v[i + 2]! << 8) | v[i + 3]!) >>> 0;
    parts.push(`0x${x.toString(16).padStart(2, '0')}`);
  }
  return `<${parts.join(' ')}>`;
}

function writeBytes(v: Uint8Array): string {
  const parts: string[] = [];
  for (const c of v) parts.push(c.toString(16).padStart(2, '0'));
  return `[${parts.join(' ')}]`;
}

/** dtc treesource.c: write_propval(): `name;` or `name = <value>;` with the guessed type. */
export function formatProperty(p: DtProperty): string {
  if (p.value.length === 0) return `${p.name};`;
  const g = guessValueType(p.value);
  const body = g === 'string' ? writeString(p.value) : g === 'cells' ? writeCells(p.value) : writeBytes(p.value);
  return `${p.name} = ${body};`;
}

/**
 * Prints a tree as DTS text identical to `dtc -I dtb -O dts` (dtc 1.6.1,
 * treesource.c: dt_to_source()): `/dts-v1/;`, the reservations, then the
 * nodes with tab indentation, a blank line before each child, and each
 * value printed as a string, cells or bytes by dtc's guess. Like dtc, a
 * redundant `name` property is not printed.
 */
export function printDts(tree: DeviceTree): string {
  const t = dtcNormalize(tree);
  const out: string[] = ['/dts-v1/;\n\n'];
  for (const r of t.memreserve) {
    const hex16 = (x: bigint): string => `0x${BigInt.asUintN(64, x).toString(16).padStart(16, '0')}`;
    out.push(`/memreserve/\t${hex16(r.address)} ${hex16(r.size)};\n`);
  }
  // Iterative, so that a deep tree cannot overflow the stack.
  const stack: { node: DtNode; level: number; close: boolean }[] = [{ node: t.root, level: 0, close: false }];
  while (stack.length > 0) {
    const { node, level, close } = stack.pop()!;
    const indent = '\t'.repeat(level);
    if (close) {
      out.push(`${indent}};\n`);
      continue;
    }
    // write_tree_source_node(): every child is preceded by a blank line.
    out.push(`${level > 0 ? '\n' : ''}${indent}${node.name === '' ? '/' : node.name} {\n`);
    for (const p of node.properties) out.push(`${indent}\t${formatProperty(p)}\n`);
    stack.push({ node, level, close: true });
    for (let i = node.children.length - 1; i >= 0; i--) stack.push({ node: node.children[i]!, level: level + 1, close: false });
  }
  return out.join('');
}
