import { FirmwareError } from '../errors.js';
import { type DtsLexer, type SrcPos, type Token, syntaxError, tokenValue } from './dts-lexer.js';
import {
  Data, LNode, Prop, addLabel, deleteNode, getNodeByPath, getNodeByRef, getProperty, mergeNodes,
} from './dts-livetree.js';
import type { DtMemReserve } from './tree.js';

/**
 * The dtc 1.6.1 grammar (dtc-parser.y) as a recursive-descent parser with
 * the same semantic actions: node merging by `/`, `&label` and `&{/path}`,
 * deletions, labels, markers for references, C integer expressions in u64.
 */

/** What the parser produces: dtc's `struct dt_info` before the checks run. */
export interface ParsedDts {
  /** The root node (with deleted entries still in place). */
  readonly root: LNode;
  /** `/memreserve/` entries in source order. */
  readonly memreserve: readonly DtMemReserve[];
  /** treesource.c / livetree.c: guess_boot_cpuid(). */
  readonly bootCpuidPhys: number;
}

// bison's YYMAXDEPTH (10000 stack entries) makes dtc fail on very deep
// nesting with "memory exhausted"; we stop earlier, before JS's own stack
// (an expression level costs about a dozen frames).
const MAX_NESTING = 1000;
const MAX_EXPR_NESTING = 200;
const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);

const describe = (t: Token): string => {
  switch (t.kind) {
    case 'EOF': return 'end of input';
    case 'char': return `'${t.str}'`;
    case 'PROPNODENAME': return `name '${t.str}'`;
    case 'LABEL': return `label '${t.str}:'`;
    case 'REF': return `reference '${t.text}'`;
    case 'STRING': return 'a string';
    case 'LITERAL': case 'CHAR_LITERAL': return `number '${t.text}'`;
    case 'BYTE': return `byte '${t.text}'`;
    default: return `'${t.text}'`;
  }
};

class Parser {
  #tok: Token;
  #depth = 0;
  #exprDepth = 0;

  constructor(private readonly lex: DtsLexer) {
    this.#tok = lex.next();
  }

  get tok(): Token {
    return this.#tok;
  }

  /** The lookahead's kind (a call, so that TypeScript does not narrow it across advance()). */
  k(): Token['kind'] {
    return this.#tok.kind;
  }

  advance(): Token {
    const t = this.#tok;
    this.#tok = this.lex.next();
    return t;
  }

  isChar(c: string): boolean {
    return this.k() === 'char' && this.#tok.str === c;
  }

  fail(expected: string, t: Token = this.#tok): never {
    throw syntaxError(t, `syntax error: found ${describe(t)}, expected ${expected}`);
  }

  expectChar(c: string, expected = `'${c}'`): Token {
    if (!this.isChar(c)) this.fail(expected);
    return this.advance();
  }

  expect(kind: Token['kind'], expected: string): Token {
    if (this.k() !== kind) this.fail(expected);
    return this.advance();
  }

  // sourcefile: headers memreserves devicetree
  sourcefile(): ParsedDts {
    this.headers();
    const memreserve = this.memreserves();
    const root = this.devicetree();
    return { root, memreserve, bootCpuidPhys: guessBootCpuid(root) };
  }

  // headers: header | header headers;  header: DT_V1 ';' [DT_PLUGIN ';']
  headers(): void {
    if (this.k() !== 'V1') this.fail("'/dts-v1/;' (dtc needs the version tag first)");
    while (this.k() === 'V1') {
      this.advance();
      this.expectChar(';');
      if (this.k() === 'PLUGIN') {
        throw new FirmwareError('unsupported', {
          file: this.#tok.file, line: this.#tok.line, column: this.#tok.column,
          message: '/plugin/ (device-tree overlays) is not supported',
        });
      }
    }
  }

  // memreserves: (DT_LABEL* DT_MEMRESERVE integer_prim integer_prim ';')*
  memreserves(): DtMemReserve[] {
    const out: DtMemReserve[] = [];
    while (this.k() === 'LABEL' || this.k() === 'MEMRESERVE') {
      while (this.k() === 'LABEL') this.advance();
      this.expect('MEMRESERVE', "'/memreserve/'");
      const address = this.integerPrim();
      const size = this.integerPrim();
      this.expectChar(';');
      out.push(Object.freeze({ address, size }));
    }
    return out;
  }

  devicetree(): LNode {
    let root: LNode;
    if (this.isChar('/')) {
      root = this.nodedef('', this.advance());
    } else if (this.k() === 'REF') {
      const ref = this.advance();
      this.nodedef('', ref);
      throw notFound(ref); // only an overlay may start with &ref { }
    } else {
      this.fail("'/ {' (the root node)");
    }
    while (this.k() !== 'EOF') {
      const t = this.#tok;
      if (this.isChar('/')) {
        mergeNodes(root, this.nodedef('', this.advance()));
      } else if (t.kind === 'LABEL') {
        this.advance();
        const ref = this.expect('REF', "'&label' or '&{/path}' after a top-level label");
        const node = this.nodedef('', ref);
        const target = getNodeByRef(root, ref.str);
        if (!target) throw notFound(ref);
        addLabel(target.labels, t.str, t);
        mergeNodes(target, node);
      } else if (t.kind === 'REF') {
        this.advance();
        const node = this.nodedef('', t);
        const target = getNodeByRef(root, t.str);
        if (!target) throw notFound(t);
        mergeNodes(target, node);
      } else if (t.kind === 'DEL_NODE' || t.kind === 'OMIT_NO_REF') {
        this.advance();
        const ref = this.expect('REF', "'&label' or '&{/path}'");
        this.expectChar(';');
        const target = getNodeByRef(root, ref.str);
        if (!target) throw notFound(ref);
        if (t.kind === 'DEL_NODE') deleteNode(target);
        else target.omitIfUnused = true;
      } else {
        this.fail("'/ {', '&ref {', '/delete-node/ &ref;' or end of input");
      }
    }
    return root;
  }

  // nodedef: '{' proplist subnodes '}' ';'
  nodedef(name: string, at: SrcPos): LNode {
    const open = this.expectChar('{');
    if (++this.#depth > MAX_NESTING) throw syntaxError(open, `nodes nested deeper than ${MAX_NESTING}`);
    const node = new LNode(at);
    node.name = name;
    let sawSubnode = false;
    while (!this.isChar('}')) {
      const first = this.#tok;
      const labels: Token[] = [];
      let omit = false;
      while (this.k() === 'LABEL' || this.k() === 'OMIT_NO_REF') {
        if (this.k() === 'OMIT_NO_REF') omit = true;
        else labels.push(this.#tok);
        this.advance();
      }
      const t = this.#tok;
      let prop: Prop | undefined;
      if (t.kind === 'DEL_PROP' && !omit) {
        this.advance();
        const n = this.expect('PROPNODENAME', 'a property name');
        this.expectChar(';');
        prop = new Prop(n.str, new Data(), n);
        prop.deleted = true;
      } else if (t.kind === 'DEL_NODE') {
        this.advance();
        const n = this.expect('PROPNODENAME', 'a node name');
        this.expectChar(';');
        const child = new LNode(n);
        child.name = n.str;
        child.deleted = true;
        this.#addChild(node, child, labels, omit);
        sawSubnode = true;
        continue;
      } else if (t.kind === 'PROPNODENAME') {
        this.advance();
        if (this.isChar('{')) {
          const child = this.nodedef(t.str, t);
          this.#addChild(node, child, labels, omit);
          sawSubnode = true;
          continue;
        }
        if (omit) this.fail("'{' (/omit-if-no-ref/ applies to nodes)");
        if (this.isChar(';')) {
          this.advance();
          prop = new Prop(t.str, new Data(), t);
        } else {
          this.expectChar('=', "'=', ';' or '{'");
          prop = new Prop(t.str, this.propdata(), t);
          this.expectChar(';', "',' or ';'");
        }
      } else {
        this.fail(labels.length > 0 || omit ? 'a property or node name' : "a property, a node or '}'", t);
      }
      if (sawSubnode) throw syntaxError(first, 'Properties must precede subnodes');
      for (const l of labels) addLabel(prop.labels, l.str, l);
      node.props.push(prop);
    }
    this.advance();
    this.expectChar(';');
    this.#depth--;
    return node;
  }

  #addChild(parent: LNode, child: LNode, labels: readonly Token[], omit: boolean): void {
    for (const l of labels) addLabel(child.labels, l.str, l);
    if (omit) child.omitIfUnused = true;
    if (!child.deleted) child.parent = parent;
    parent.children.push(child);
  }

  // propdata: (DT_LABEL* item DT_LABEL*) separated by ','
  propdata(): Data {
    const d = new Data();
    for (;;) {
      while (this.k() === 'LABEL') {
        const l = this.advance();
        d.mark('LABEL', l.str, l);
      }
      const t = this.#tok;
      if (t.kind === 'STRING') {
        this.advance();
        for (const b of t.bytes) d.bytes.push(b);
      } else if (t.kind === 'BITS' || this.isChar('<')) {
        d.merge(this.array());
      } else if (this.isChar('[')) {
        this.advance();
        while (this.k() === 'BYTE' || this.k() === 'LABEL') {
          const b = this.advance();
          if (b.kind === 'BYTE') d.bytes.push(b.small);
          else d.mark('LABEL', b.str, b);
        }
        this.expectChar(']', "two hex digits or ']'");
      } else if (t.kind === 'REF') {
        this.advance();
        d.mark('REF_PATH', t.str, t);
      } else if (t.kind === 'INCBIN') {
        this.incbin(d);
      } else {
        this.fail("a string, '<', '[', '/bits/' or a reference");
      }
      while (this.k() === 'LABEL') {
        const l = this.advance();
        d.mark('LABEL', l.str, l);
      }
      if (!this.isChar(',')) return d;
      this.advance();
    }
  }

  // arrayprefix: (DT_BITS DT_LITERAL '<' | '<') (integer_prim | dt_ref | DT_LABEL)* '>'
  array(): Data {
    let bits = 32;
    if (this.k() === 'BITS') {
      this.advance();
      const n = this.expect('LITERAL', 'the element width (8, 16, 32 or 64)');
      if (n.small !== 8 && n.small !== 16 && n.small !== 32 && n.small !== 64) {
        throw syntaxError(n, 'Array elements must be 8, 16, 32 or 64-bits');
      }
      bits = n.small;
    }
    this.expectChar('<');
    const d = new Data();
    for (;;) {
      const t = this.#tok;
      if ((t.kind === 'LITERAL' || t.kind === 'CHAR_LITERAL') && t.small >= 0) {
        // fast path: a plain number below 2^53
        this.advance();
        const v = t.small;
        if (bits < 64 && v > 2 ** bits - 1) throw syntaxError(t, `Value out of range for ${bits}-bit array element`);
        if (bits === 32) d.bytes.push(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
        else if (bits === 8) d.bytes.push(v);
        else if (bits === 16) d.bytes.push(v >>> 8, v & 0xff);
        else d.appendInteger(BigInt(v), 64);
      } else if (t.kind === 'LITERAL' || t.kind === 'CHAR_LITERAL' || this.isChar('(')) {
        const v = this.integerPrim();
        if (bits < 64) {
          const mask = (1n << BigInt(bits)) - 1n;
          // above the mask: all zero (fits) or all one (sign-extended negative)
          if (v > mask && (v | mask) !== U64(-1n)) throw syntaxError(t, `Value out of range for ${bits}-bit array element`);
        }
        d.appendInteger(v, bits);
      } else if (t.kind === 'REF') {
        this.advance();
        if (bits !== 32) throw syntaxError(t, 'References are only allowed in arrays with 32-bit elements.');
        d.mark('REF_PHANDLE', t.str, t);
        d.appendInteger(U64(-1n), bits);
      } else if (t.kind === 'LABEL') {
        this.advance();
        d.mark('LABEL', t.str, t);
      } else if (this.isChar('>')) {
        this.advance();
        return d;
      } else {
        this.fail("a number, '(', a reference or '>'");
      }
    }
  }

  // DT_INCBIN '(' DT_STRING [',' integer_prim ',' integer_prim] ')'
  incbin(d: Data): void {
    const kw = this.advance();
    this.expectChar('(');
    const s = this.expect('STRING', 'a file name');
    let offset = 0n;
    let len = U64(-1n);
    if (this.isChar(',')) {
      this.advance();
      offset = this.integerPrim();
      this.expectChar(',');
      len = this.integerPrim();
    }
    this.expectChar(')');
    const nul = s.bytes.indexOf(0);
    const name = new TextDecoder().decode(new Uint8Array(s.bytes.slice(0, nul)));
    const { bytes } = this.lex.resolver.open(name, this.lex.currentDir, kw);
    const start = offset > BigInt(bytes.length) ? bytes.length : Number(offset);
    const end = len >= BigInt(bytes.length - start) ? bytes.length : start + Number(len);
    for (let i = start; i < end; i++) d.bytes.push(bytes[i]!);
  }

  // integer_prim: DT_LITERAL | DT_CHAR_LITERAL | '(' integer_expr ')'
  integerPrim(): bigint {
    const t = this.#tok;
    if (t.kind === 'LITERAL' || t.kind === 'CHAR_LITERAL') {
      this.advance();
      return tokenValue(t);
    }
    this.expectChar('(', "a number, a character literal or '('");
    if (++this.#exprDepth > MAX_EXPR_NESTING) throw syntaxError(t, `expression nested deeper than ${MAX_EXPR_NESTING}`);
    const v = this.expr();
    this.expectChar(')', "')'");
    this.#exprDepth--;
    return v;
  }

  // integer_trinary: integer_or ['?' integer_expr ':' integer_trinary]
  expr(): bigint {
    const c = this.binary(0);
    if (!this.isChar('?')) return c;
    this.advance();
    if (++this.#exprDepth > MAX_EXPR_NESTING) throw syntaxError(this.#tok, `expression nested deeper than ${MAX_EXPR_NESTING}`);
    const a = this.expr();
    this.expectChar(':');
    const b = this.expr();
    this.#exprDepth--;
    return c !== 0n ? a : b;
  }

  // integer_or .. integer_mul: left-associative binary levels, loosest first.
  binary(level: number): bigint {
    if (level === LEVELS.length) return this.unary();
    let a = this.binary(level + 1);
    for (;;) {
      const op = this.#opAt(level);
      if (op === undefined) return a;
      const opTok = this.advance();
      const b = this.binary(level + 1);
      a = applyBinary(op, a, b, opTok);
    }
  }

  #opAt(level: number): string | undefined {
    const t = this.#tok;
    const key = t.kind === 'char' ? t.str : t.kind;
    return LEVELS[level]!.includes(key) ? key : undefined;
  }

  // integer_unary: integer_prim | '-' integer_unary | '~' integer_unary | '!' integer_unary
  unary(): bigint {
    let sign = 0;
    const ops: string[] = [];
    while (this.isChar('-') || this.isChar('~') || this.isChar('!')) {
      ops.push(this.advance().str);
      if (++sign > MAX_NESTING) throw syntaxError(this.#tok, `more than ${MAX_NESTING} unary operators`);
    }
    let v = this.integerPrim();
    for (let i = ops.length - 1; i >= 0; i--) {
      const op = ops[i];
      v = op === '-' ? U64(-v) : op === '~' ? U64(~v) : v === 0n ? 1n : 0n;
    }
    return v;
  }
}

// Binary operator levels of dtc-parser.y, loosest first.
const LEVELS: readonly (readonly string[])[] = [
  ['OR'], ['AND'], ['|'], ['^'], ['&'], ['EQ', 'NE'], ['<', '>', 'LE', 'GE'], ['LSHIFT', 'RSHIFT'], ['+', '-'], ['*', '/', '%'],
];

function applyBinary(op: string, a: bigint, b: bigint, pos: SrcPos): bigint {
  switch (op) {
    case 'OR': return a !== 0n || b !== 0n ? 1n : 0n;
    case 'AND': return a !== 0n && b !== 0n ? 1n : 0n;
    case '|': return a | b;
    case '^': return a ^ b;
    case '&': return a & b;
    case 'EQ': return a === b ? 1n : 0n;
    case 'NE': return a !== b ? 1n : 0n;
    case '<': return a < b ? 1n : 0n;
    case '>': return a > b ? 1n : 0n;
    case 'LE': return a <= b ? 1n : 0n;
    case 'GE': return a >= b ? 1n : 0n;
    case 'LSHIFT': return b < 64n ? U64(a << b) : 0n;
    case 'RSHIFT': return b < 64n ? a >> b : 0n;
    case '+': return U64(a + b);
    case '-': return U64(a - b);
    case '*': return U64(a * b);
    default:
      if (b === 0n) throw syntaxError(pos, 'Division by zero');
      return op === '/' ? a / b : a % b;
  }
}

function notFound(ref: Token): FirmwareError {
  return new FirmwareError('danglingReference', {
    file: ref.file, line: ref.line, column: ref.column, message: `Label or path ${ref.str} not found`,
  });
}

/**
 * livetree.c: guess_boot_cpuid(): the single-cell `reg` of the first child
 * of `/cpus` (dtc looks at the raw first child, deleted or not), else 0.
 */
function guessBootCpuid(root: LNode): number {
  const cpus = getNodeByPath(root, '/cpus');
  const first = cpus?.children[0];
  if (!first) return 0;
  const reg = getProperty(first, 'reg');
  if (!reg || reg.val.bytes.length !== 4) return 0;
  const b = reg.val.bytes;
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/** Parses a whole DTS source from `lex` (dtc treesource.c: dt_from_source()). */
export function parseDtsTokens(lex: DtsLexer): ParsedDts {
  return new Parser(lex).sourcefile();
}
