import { FirmwareError } from '../errors.js';

/**
 * The dtc 1.6.1 lexer (dtc-lexer.l), emulated rule by rule: the same start
 * conditions, flex's longest-match with ties going to the earlier rule, the
 * same state changes, `/include/`, and `# <line> "file"` markers that move the
 * source position (which is how preprocessed input maps back to its files).
 */

/** A source position (1-based line and column). */
export interface SrcPos {
  /** File name as the source (or a `#line` marker) names it. */
  readonly file: string;
  /** Line. */
  readonly line: number;
  /** Column. */
  readonly column: number;
}

/** Token kinds of dtc-parser.y; `char` is a single-character token. */
export type TokKind =
  | 'V1' | 'PLUGIN' | 'MEMRESERVE' | 'BITS' | 'DEL_PROP' | 'DEL_NODE' | 'OMIT_NO_REF' | 'INCBIN'
  | 'PROPNODENAME' | 'LITERAL' | 'CHAR_LITERAL' | 'BYTE' | 'STRING' | 'LABEL' | 'REF'
  | 'LSHIFT' | 'RSHIFT' | 'LE' | 'GE' | 'EQ' | 'NE' | 'AND' | 'OR' | 'char' | 'EOF';

/** One token; it is also the source position where it starts. */
export interface Token extends SrcPos {
  /** Kind. */
  readonly kind: TokKind;
  /** The matched text. */
  readonly text: string;
  /** LITERAL / CHAR_LITERAL / BYTE value as a u64 when `small` is -1 (use {@link tokenValue}). */
  readonly num: bigint;
  /** The value as an exact JS number when it is below 2^53, else -1. */
  readonly small: number;
  /** STRING bytes (NUL-terminated), or the name of PROPNODENAME / LABEL / REF. */
  readonly bytes: readonly number[];
  /** PROPNODENAME, LABEL (without `:`), REF (without `&` / braces). */
  readonly str: string;
}

/** Reads an included file; throws when it does not exist. */
export type ReadFile = (path: string) => string | Uint8Array;

/** How the lexer finds `/include/` and `/incbin/` files. */
export interface IncludeResolver {
  /** dtc srcpos.c: srcfile_relative_open(): the directory of the including file first, then each search path. */
  open(name: string, fromDir: string, pos: SrcPos): { path: string; text: string; bytes: Uint8Array };
}

const enum St { INITIAL, V1, PROPNODENAME, BYTESTRING }

/** dtc srcpos.c: MAX_SRCFILE_DEPTH. */
const MAX_SRCFILE_DEPTH = 200;

interface Frame {
  readonly text: string;
  readonly dir: string;
  pos: number;
  name: string;
  line: number;
  col: number;
}

// Character classes of dtc-lexer.l, as bits of a table over ASCII.
const C_SPACE = 1; // [[:space:]]
const C_DIGIT = 2;
const C_HEX = 4;
const C_LSTART = 8; // [a-zA-Z_]
const C_LCHAR = 16; // [a-zA-Z0-9_]
const C_PNODE = 32; // PROPNODECHAR [a-zA-Z0-9,._+*#?@-]
const C_PATH = 64; // PATHCHAR: PROPNODECHAR or /
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  let k = 0;
  if (' \t\n\v\f\r'.includes(ch)) k |= C_SPACE;
  if (/[0-9]/.test(ch)) k |= C_DIGIT;
  if (/[0-9a-fA-F]/.test(ch)) k |= C_HEX;
  if (/[a-zA-Z_]/.test(ch)) k |= C_LSTART;
  if (/[a-zA-Z0-9_]/.test(ch)) k |= C_LCHAR;
  if (/[a-zA-Z0-9,._+*#?@-]/.test(ch)) k |= C_PNODE | C_PATH;
  if (ch === '/') k |= C_PATH;
  CLASS[c] = k;
}
const cls = (c: number): number => (c < 128 ? CLASS[c]! : 0);
const isDigit = (c: number): boolean => (cls(c) & C_DIGIT) !== 0;
const isHex = (c: number): boolean => (cls(c) & C_HEX) !== 0;
const isLabelStart = (c: number): boolean => (cls(c) & C_LSTART) !== 0;
const isLabelChar = (c: number): boolean => (cls(c) & C_LCHAR) !== 0;
const isPropNodeChar = (c: number): boolean => (cls(c) & C_PNODE) !== 0;
const isPathChar = (c: number): boolean => (cls(c) & C_PATH) !== 0;
const isSpace = (c: number): boolean => (cls(c) & C_SPACE) !== 0;
// Whether c1 after c makes one of the operators << <= >> >= ==.
const isOpSecond = (c: number, c1: number): boolean => c1 === 61 || (c1 === c && c !== 61);

const KEYWORDS: readonly [string, TokKind][] = [
  ['/dts-v1/', 'V1'], ['/plugin/', 'PLUGIN'], ['/memreserve/', 'MEMRESERVE'], ['/bits/', 'BITS'],
  ['/delete-property/', 'DEL_PROP'], ['/delete-node/', 'DEL_NODE'], ['/omit-if-no-ref/', 'OMIT_NO_REF'],
];
const OPERATORS: Readonly<Record<string, TokKind>> = {
  '<<': 'LSHIFT', '>>': 'RSHIFT', '<=': 'LE', '>=': 'GE', '==': 'EQ', '!=': 'NE', '&&': 'AND', '||': 'OR',
};

const textEncoder = new TextEncoder();

/** Appends the UTF-8 bytes of one code point (dtc reads bytes; we read text). */
function pushUtf8(out: number[], s: string, i: number): number {
  const cp = s.codePointAt(i)!;
  if (cp < 0x80) {
    out.push(cp);
    return 1;
  }
  const ch = String.fromCodePoint(cp);
  for (const b of textEncoder.encode(ch)) out.push(b);
  return ch.length;
}

/**
 * C strtol() over a short window, as util.c get_oct_char()/get_hex_char()
 * use it: optional leading white space and sign, an optional 0x for base
 * 16, then digits. Returns the value and how many window chars it used
 * (0 when there are no digits).
 */
function strtolWindow(w: string, base: 8 | 16): [number, number] {
  let i = 0;
  while (i < w.length && isSpace(w.charCodeAt(i))) i++;
  let neg = false;
  if (w[i] === '+' || w[i] === '-') {
    neg = w[i] === '-';
    i++;
  }
  const digit = (c: number): number => {
    const d = isDigit(c) ? c - 48 : (c | 32) >= 97 && (c | 32) <= 102 ? (c | 32) - 87 : 99;
    return d < base ? d : -1;
  };
  if (base === 16 && w[i] === '0' && (w[i + 1] === 'x' || w[i + 1] === 'X') && i + 2 < w.length && digit(w.charCodeAt(i + 2)) >= 0) i += 2;
  const startDigits = i;
  let v = 0;
  while (i < w.length && digit(w.charCodeAt(i)) >= 0) v = v * base + digit(w.charCodeAt(i++));
  if (i === startDigits) return [0, 0];
  return [neg ? -v : v, i];
}

/**
 * dtc data.c: data_copy_escape_string() with util.c: get_escape_char():
 * C escapes (`\a \b \t \n \v \f \r`, up to three octal digits, `\x` and up
 * to two hex digits, anything else stands for itself), then a NUL.
 * Values wrap to a byte, as dtc's `char` does. An escape at the very end
 * takes the closing quote as its character, as in dtc.
 */
export function escapeString(content: string, closing: string, pos: SrcPos): number[] {
  const out: number[] = [];
  // get_escape_char() reads past the content into the closing quote (and the
  // NUL after it), as dtc's yytext does.
  const s = content + closing + '\0';
  let i = 0;
  while (i < content.length) {
    const c = s.charCodeAt(i);
    if (c !== 92) {
      i += pushUtf8(out, s, i);
      continue;
    }
    i++;
    const e = s[i]!;
    switch (e) {
      case 'a': out.push(7); i++; break;
      case 'b': out.push(8); i++; break;
      case 't': out.push(9); i++; break;
      case 'n': out.push(10); i++; break;
      case 'v': out.push(11); i++; break;
      case 'f': out.push(12); i++; break;
      case 'r': out.push(13); i++; break;
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        const [v, used] = strtolWindow(s.slice(i, i + 3), 8);
        out.push(v & 0xff);
        i += used;
        break;
      }
      case 'x': {
        const [v, used] = strtolWindow(s.slice(i + 1, i + 3), 16);
        if (used === 0) throw new FirmwareError('syntax', { ...loc(pos), message: '\\x used with no following hex digits' });
        out.push(v & 0xff);
        i += 1 + used;
        break;
      }
      default:
        i += pushUtf8(out, s, i);
    }
  }
  out.push(0);
  return out;
}

function loc(p: SrcPos): { file: string; line: number; column: number } {
  return { file: p.file, line: p.line, column: p.column };
}

/** A syntax error at `p`. */
export function syntaxError(p: SrcPos, message: string): FirmwareError {
  return new FirmwareError('syntax', { ...loc(p), message });
}

const NO_BYTES: readonly number[] = [];

/** The u64 value of a LITERAL, CHAR_LITERAL or BYTE token. */
export function tokenValue(t: Token): bigint {
  return t.small >= 0 ? BigInt(t.small) : t.num;
}
const U64_MAX = (1n << 64n) - 1n;

/** The token stream of one DTS source (and the files it includes). */
export class DtsLexer {
  readonly #frames: Frame[] = [];
  readonly #resolver: IncludeResolver;
  #state = St.INITIAL;
  #dtsVersion = 0;

  /** Starts lexing `text`, named `file`, whose relative includes resolve from `dir`. */
  constructor(text: string, file: string, dir: string, resolver: IncludeResolver) {
    this.#frames.push({ text, dir, pos: 0, name: file, line: 1, col: 1 });
    this.#resolver = resolver;
  }

  /** The include resolver (the parser uses it for `/incbin/`). */
  get resolver(): IncludeResolver {
    return this.#resolver;
  }

  /** The directory relative includes of the current file resolve from. */
  get currentDir(): string {
    return this.#frames[this.#frames.length - 1]!.dir;
  }

  #beginDefault(): void {
    this.#state = this.#dtsVersion === 1 ? St.V1 : St.INITIAL;
  }

  #len = 0;
  #rule = '';

  // Keeps the longer candidate; on a tie the earlier rule (tried first) stays.
  #take(l: number, r: string): void {
    if (l > this.#len) {
      this.#len = l;
      this.#rule = r;
    }
  }

  /** Returns the next token (`EOF` at the end of the outermost file). */
  next(): Token {
    for (;;) {
      const f = this.#frames[this.#frames.length - 1]!;
      const t = f.text;
      const p = f.pos;
      if (p >= t.length) {
        if (this.#frames.length > 1) {
          this.#frames.pop();
          continue;
        }
        return this.#tok('EOF', '', f.name, f.line, f.col);
      }
      const c = t.charCodeAt(p);
      const k = cls(c);
      const st = this.#state;
      if ((k & C_SPACE) !== 0) { // <*>{WS}+
        let e = p + 1;
        while (e < t.length && isSpace(t.charCodeAt(e))) e++;
        this.#advance(f, e - p);
        continue;
      }
      // Fast paths for the common tokens, where only one rule can win.
      if (st === St.PROPNODENAME && (k & C_PNODE) !== 0 && c !== 35) {
        // a name, or a label when the run is label characters followed by ':'
        let e = p + 1;
        let label = (k & C_LSTART) !== 0;
        while (e < t.length) {
          const ke = cls(t.charCodeAt(e));
          if ((ke & C_PNODE) === 0) break;
          if ((ke & C_LCHAR) === 0) label = false;
          e++;
        }
        if (label && t.charCodeAt(e) === 58) return this.#single(f, p, e + 1 - p, 'label');
        return this.#single(f, p, e - p, 'name');
      }
      if (c === 123 || c === 125 || c === 59 || c === 44 || c === 40 || c === 41 || c === 91
        || ((c === 61 || c === 60 || c === 62) && !isOpSecond(c, t.charCodeAt(p + 1)))) {
        // { } ; , ( ) [ and a lone = < >: only <*>. matches (a ',' in a name was taken above)
        return this.#single(f, p, 1, 'dot');
      }
      if (st === St.V1) {
        if ((k & C_DIGIT) !== 0) return this.#single(f, p, this.#literalLen(t, p), 'literal');
        if ((k & C_LSTART) !== 0) {
          let e = p + 1;
          while (e < t.length && isLabelChar(t.charCodeAt(e))) e++;
          if (t.charCodeAt(e) === 58) return this.#single(f, p, e + 1 - p, 'label');
          return this.#single(f, p, 1, 'dot');
        }
      }
      this.#len = 0;
      this.#rule = 'dot';
      // Candidates in dtc-lexer.l rule order; a later rule wins only when longer.
      if (c === 47 /* / */) {
        const c1 = t.charCodeAt(p + 1);
        if (c1 === 42 /* * */) {
          const end = t.indexOf('*/', p + 2);
          if (end >= 0) {
            this.#advance(f, end + 2 - p);
            continue;
          }
        } else if (c1 === 47) {
          const nl = t.indexOf('\n', p + 2);
          if (nl >= 0) {
            this.#advance(f, nl + 1 - p);
            continue;
          }
        } else {
          if (t.startsWith('/include/', p)) this.#take(this.#includeLen(t, p), 'include');
          for (const [kw] of KEYWORDS) if (t.startsWith(kw, p)) this.#take(kw.length, kw);
          if (st <= St.V1 && t.startsWith('/incbin/', p)) this.#take(8, 'incbin');
        }
      } else if (c === 35 /* # */) {
        if (p === 0 || t.charCodeAt(p - 1) === 10) this.#take(this.#lineDirectiveLen(t, p), 'line');
        if (st === St.PROPNODENAME) this.#take(this.#nameLen(t, p), 'name');
      } else if (c === 34 /* " */) {
        this.#take(this.#stringLen(t, p), 'string');
      } else if (c === 39 /* ' */) {
        this.#take(this.#charLiteralLen(t, p), 'charlit');
      } else if (c === 38 /* & */) {
        let e = p + 1;
        while (e < t.length && isLabelChar(t.charCodeAt(e))) e++;
        if (e > p + 1 && isLabelStart(t.charCodeAt(p + 1))) this.#take(e - p, 'labelref');
        if (t.startsWith('&{/', p)) {
          let q = p + 3;
          while (q < t.length && isPathChar(t.charCodeAt(q))) q++;
          if (t.charCodeAt(q) === 125) this.#take(q + 1 - p, 'pathref');
        }
        if (st === St.INITIAL && t.charCodeAt(p + 1) === 47) {
          let q = p + 2;
          while (q < t.length && isPathChar(t.charCodeAt(q))) q++;
          this.#take(q - p, 'oldpathref');
        }
        if (t.charCodeAt(p + 1) === 38) this.#take(2, 'op');
      } else {
        if ((k & C_LSTART) !== 0) {
          let e = p + 1;
          while (e < t.length && isLabelChar(t.charCodeAt(e))) e++;
          if (t.charCodeAt(e) === 58) this.#take(e + 1 - p, 'label');
        }
        if (st === St.V1 && (k & C_DIGIT) !== 0) this.#take(this.#literalLen(t, p), 'literal');
        if (st === St.BYTESTRING) {
          if ((k & C_HEX) !== 0 && isHex(t.charCodeAt(p + 1))) this.#take(2, 'byte');
          if (c === 93 /* ] */) this.#take(1, 'bsend');
        }
        if (st === St.PROPNODENAME && ((k & C_PNODE) !== 0 || c === 92)) this.#take(this.#nameLen(t, p), 'name');
        if (c === 60 || c === 62 || c === 61 || c === 33 || c === 124) {
          const c1 = t.charCodeAt(p + 1); // << >> <= >= == != ||
          if ((c1 === 61 && c !== 124) || (c1 === c && c !== 61 && c !== 33)) this.#take(2, 'op');
        }
      }
      const len = this.#len === 0 ? 1 : this.#len; // <*>. — any other character is a token of its own
      const rule = this.#rule;
      const text = t.slice(p, p + len);
      const file = f.name;
      const line = f.line;
      const col = f.col;
      this.#advance(f, len);
      const tok = this.#act(rule, text, file, line, col, f);
      if (tok !== null) return tok;
    }
  }

  /** A token that cannot span lines (names, labels, literals, single characters). */
  #single(f: Frame, p: number, len: number, rule: string): Token {
    const text = f.text.slice(p, p + len);
    const col = f.col;
    f.pos = p + len;
    f.col = col + len;
    return this.#act(rule, text, f.name, f.line, col, f)!;
  }

  #tok(kind: TokKind, text: string, file: string, line: number, column: number, num: bigint | number = 0, bytes: readonly number[] = NO_BYTES, str = ''): Token {
    return typeof num === 'number'
      ? { kind, text, num: 0n, small: num, bytes, str, file, line, column }
      : { kind, text, num, small: -1, bytes, str, file, line, column };
  }

  #advance(f: Frame, len: number): void {
    const t = f.text;
    const end = f.pos + len;
    let lastNl = -1;
    let lines = 0;
    for (let i = f.pos; i < end; i++) {
      if (t.charCodeAt(i) === 10) {
        lines++;
        lastNl = i;
      }
    }
    if (lastNl < 0) {
      f.col += len;
    } else {
      f.line += lines;
      f.col = end - lastNl;
    }
    f.pos = end;
  }

  /** The action of the matched rule; null for text that yields no token. */
  #act(rule: string, text: string, file: string, line: number, col: number, f: Frame): Token | null {
    switch (rule) {
      case 'skip':
        return null;
      case 'include': {
        const q = text.indexOf('"');
        this.#pushFile(text.slice(q + 1, -1), { file, line, column: col });
        return null;
      }
      case 'line': {
        // srcpos_set_line(): the file name is an escaped string; the line is
        // that of the next line, hence the -1 (the newline adds it back).
        const m = /^#(?:line)?[ \t]+([0-9]+)[ \t]+"/.exec(text)!;
        const q1 = text.indexOf('"');
        const q2 = text.lastIndexOf('"');
        const fn = escapeString(text.slice(q1 + 1, q2), '"', { file, line, column: col });
        if (fn.indexOf(0) !== fn.length - 1) throw syntaxError({ file, line, column: col }, 'nul in line number directive');
        f.name = new TextDecoder().decode(new Uint8Array(fn.slice(0, -1)));
        f.line = Number.parseInt(m[1]!, 10) - 1;
        return null;
      }
      case 'string':
        return this.#tok('STRING', text, file, line, col, 0, escapeString(text.slice(1, -1), '"', { file, line, column: col }));
      case 'charlit': {
        const d = escapeString(text.slice(1, -1), "'", { file, line, column: col });
        if (d.length === 1) throw syntaxError({ file, line, column: col }, 'Empty character literal');
        if (d.length > 2) throw syntaxError({ file, line, column: col }, `Character literal has ${d.length - 1} characters instead of 1`);
        return this.#tok('CHAR_LITERAL', text, file, line, col, d[0]);
      }
      case 'label':
        return this.#tok('LABEL', text, file, line, col, 0, NO_BYTES, text.slice(0, -1));
      case 'literal':
        return this.#tok('LITERAL', text, file, line, col, parseLiteral(text, file, line, col));
      case 'labelref':
        return this.#tok('REF', text, file, line, col, 0, NO_BYTES, text.slice(1));
      case 'pathref':
        return this.#tok('REF', text, file, line, col, 0, NO_BYTES, text.slice(2, -1));
      case 'oldpathref':
        return this.#tok('REF', text, file, line, col, 0, NO_BYTES, text.slice(1));
      case 'byte':
        return this.#tok('BYTE', text, file, line, col, Number.parseInt(text, 16));
      case 'bsend':
        this.#beginDefault();
        return this.#tok('char', text, file, line, col, 0, NO_BYTES, ']');
      case 'name':
        this.#beginDefault();
        return this.#tok('PROPNODENAME', text, file, line, col, 0, NO_BYTES, text.charCodeAt(0) === 92 ? text.slice(1) : text);
      case 'incbin':
        return this.#tok('INCBIN', text, file, line, col);
      case 'op':
        return this.#tok(OPERATORS[text]!, text, file, line, col);
      case 'dot': {
        const ch = text;
        if (ch === '[') this.#state = St.BYTESTRING;
        if (ch === '{' || ch === ';') this.#state = St.PROPNODENAME;
        return this.#tok('char', text, file, line, col, 0, NO_BYTES, ch);
      }
      default: {
        // keywords
        const kw = KEYWORDS.find(([k]) => k === rule)!;
        const kind = kw[1];
        if (kind === 'V1') {
          this.#dtsVersion = 1;
          this.#beginDefault();
        } else if (kind === 'MEMRESERVE' || kind === 'BITS') {
          this.#beginDefault();
        } else if (kind === 'DEL_PROP' || kind === 'DEL_NODE' || kind === 'OMIT_NO_REF') {
          this.#state = St.PROPNODENAME;
        }
        return this.#tok(kind, text, file, line, col);
      }
    }
  }

  #pushFile(name: string, pos: SrcPos): void {
    if (this.#frames.length >= MAX_SRCFILE_DEPTH) {
      throw new FirmwareError('io', { ...loc(pos), message: `Includes nested too deeply (${MAX_SRCFILE_DEPTH}) at "${name}"` });
    }
    const opened = this.#resolver.open(name, this.currentDir, pos);
    const dir = opened.path.includes('/') ? opened.path.slice(0, opened.path.lastIndexOf('/')) || '/' : '.';
    this.#frames.push({ text: opened.text, dir, pos: 0, name: opened.path, line: 1, col: 1 });
  }

  // {STRING}: \"([^\\"]|\\.)*\"   (flex "." excludes newline)
  #stringLen(t: string, p: number): number {
    let i = p + 1;
    while (i < t.length) {
      const c = t.charCodeAt(i);
      if (c === 34) return i + 1 - p;
      if (c === 92) {
        if (i + 1 >= t.length || t.charCodeAt(i + 1) === 10) return 0;
        i += 2;
      } else {
        i++;
      }
    }
    return 0;
  }

  // {CHAR_LITERAL}: '([^']|\\')*' — longest match: a quote preceded by a
  // backslash may continue the literal, any other quote must end it.
  #charLiteralLen(t: string, p: number): number {
    let best = 0;
    for (let i = p + 1; i < t.length; i++) {
      if (t.charCodeAt(i) !== 39) continue;
      best = i + 1 - p;
      if (i - 1 <= p || t.charCodeAt(i - 1) !== 92) break;
    }
    return best;
  }

  // "/include/"{WS}*{STRING}
  #includeLen(t: string, p: number): number {
    let i = p + 9;
    while (i < t.length && isSpace(t.charCodeAt(i))) i++;
    if (t.charCodeAt(i) !== 34) return 0;
    const s = this.#stringLen(t, i);
    return s === 0 ? 0 : i + s - p;
  }

  // ^"#"(line)?[ \t]+[0-9]+[ \t]+{STRING}([ \t]+[0-9]+)?
  #lineDirectiveLen(t: string, p: number): number {
    const tryFrom = (start: number): number => {
      let i = start;
      const blanks = (): boolean => {
        const s = i;
        while (t.charCodeAt(i) === 32 || t.charCodeAt(i) === 9) i++;
        return i > s;
      };
      const digits = (): boolean => {
        const s = i;
        while (isDigit(t.charCodeAt(i))) i++;
        return i > s;
      };
      if (!blanks() || !digits() || !blanks() || t.charCodeAt(i) !== 34) return 0;
      const s = this.#stringLen(t, i);
      if (s === 0) return 0;
      i += s;
      const save = i;
      if (!(blanks() && digits())) i = save;
      return i - p;
    };
    return Math.max(tryFrom(p + 1), t.startsWith('line', p + 1) ? tryFrom(p + 5) : 0);
  }

  // <PROPNODENAME>\\?{PROPNODECHAR}+
  #nameLen(t: string, p: number): number {
    let i = t.charCodeAt(p) === 92 ? p + 1 : p;
    const s = i;
    while (i < t.length && isPropNodeChar(t.charCodeAt(i))) i++;
    return i > s ? i - p : 0;
  }

  // <V1>([0-9]+|0[xX][0-9a-fA-F]+)(U|L|UL|LL|ULL)?
  #literalLen(t: string, p: number): number {
    let i = p;
    while (isDigit(t.charCodeAt(i))) i++;
    let n = i - p;
    if (t.charCodeAt(p) === 48 && (t.charCodeAt(p + 1) | 32) === 120 && isHex(t.charCodeAt(p + 2))) {
      let j = p + 2;
      while (isHex(t.charCodeAt(j))) j++;
      n = Math.max(n, j - p);
    }
    // (U|L|UL|LL|ULL)?
    const a = t.charCodeAt(p + n);
    const b = t.charCodeAt(p + n + 1);
    if (a === 85 /* U */) {
      if (b !== 76 /* L */) return n + 1;
      return t.charCodeAt(p + n + 2) === 76 ? n + 3 : n + 2;
    }
    if (a === 76) return b === 76 ? n + 2 : n + 1;
    return n;
  }
}

/** The DT_LITERAL action: strtoull(text, &e, 0) and dtc's suffix and range checks. */
function parseLiteral(text: string, file: string, line: number, column: number): bigint | number {
  let base = 10;
  let i = 0;
  if (text.length > 2 && text.charCodeAt(0) === 48 && (text.charCodeAt(1) | 32) === 120 && isHex(text.charCodeAt(2))) {
    base = 16;
    i = 2;
  } else if (text.charCodeAt(0) === 48) {
    base = 8;
    i = 1;
  }
  const start = i;
  let small = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const d = c <= 57 ? c - 48 : (c | 32) - 87;
    if (d < 0 || d >= base || (c > 57 && (c | 32) < 97)) break;
    small = small * base + d;
  }
  // strtoull() stopped at i; only U/L may follow
  for (let k = i; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c !== 85 && c !== 76) throw syntaxError({ file, line, column }, `Bad integer literal '${text}'`);
  }
  if (small <= Number.MAX_SAFE_INTEGER) return small;
  const digits = text.slice(start, i);
  const v = BigInt(base === 16 ? `0x${digits}` : base === 8 ? `0o${digits}` : digits);
  if (v > U64_MAX) throw syntaxError({ file, line, column }, `Integer literal '${text}' out of range`);
  return v;
}
