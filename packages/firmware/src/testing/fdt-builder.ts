/** A token of a hand-built structure block. */
export type Tok =
  | readonly ['begin', string]
  | readonly ['endNode']
  | readonly ['prop', string | number, Uint8Array | readonly number[]]
  | readonly ['nop']
  | readonly ['end']
  | readonly ['raw', number];

/** What {@link buildFdt} writes; header fields can be overridden after layout. */
export interface FdtSpec {
  readonly tokens: readonly Tok[];
  readonly version?: number;
  readonly lastCompVersion?: number;
  readonly memreserve?: readonly (readonly [bigint, bigint])[];
  /** Extra strings appended to the strings block (names of props are added automatically). */
  readonly header?: Partial<Record<'magic' | 'totalsize' | 'offStruct' | 'offStrings' | 'offMem' | 'sizeStrings' | 'sizeStruct' | 'bootCpuid', number>>;
  /** Bytes appended after the strings block (inside totalsize). */
  readonly tail?: number;
}

/** Big-endian u32 cells as bytes. */
export function cells(...v: number[]): Uint8Array {
  const out = new Uint8Array(v.length * 4);
  const dv = new DataView(out.buffer);
  v.forEach((x, i) => dv.setUint32(i * 4, x >>> 0));
  return out;
}

/** A NUL-terminated string as bytes. */
export function str(s: string): Uint8Array {
  return new Uint8Array([...Buffer.from(s, 'latin1'), 0]);
}

/**
 * Builds a blob like libfdt's sequential writer lays it out (header, memory
 * reservations, structure, strings), with every token exactly as given, so
 * tests can write malformed structure blocks.
 */
export function buildFdt(spec: FdtSpec): Uint8Array {
  const version = spec.version ?? 17;
  const hdr = version >= 17 ? 40 : version >= 3 ? 36 : 32;
  const strs: string[] = [];
  const strOff = new Map<string, number>();
  let strLen = 0;
  const nameoff = (n: string | number): number => {
    if (typeof n === 'number') return n;
    let o = strOff.get(n);
    if (o === undefined) {
      o = strLen;
      strOff.set(n, o);
      strs.push(n);
      strLen += n.length + 1;
    }
    return o;
  };
  const st: number[] = [];
  const u32 = (x: number): void => { st.push((x >>> 24) & 0xff, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff); };
  const pad = (): void => { while (st.length % 4 !== 0) st.push(0); };
  for (const t of spec.tokens) {
    switch (t[0]) {
      case 'begin': u32(1); for (const c of Buffer.from(t[1], 'latin1')) st.push(c); st.push(0); pad(); break;
      case 'endNode': u32(2); break;
      case 'prop': {
        const v = Array.from(t[2]);
        u32(3); u32(v.length); u32(nameoff(t[1]));
        if (version < 16 && v.length >= 8 && st.length % 8 !== 0) u32(0);
        st.push(...v); pad(); break;
      }
      case 'nop': u32(4); break;
      case 'end': u32(9); break;
      case 'raw': u32(t[1]); break;
    }
  }
  const mem = spec.memreserve ?? [];
  const offMem = (hdr + 7) & ~7;
  const offStruct = offMem + (mem.length + 1) * 16;
  const offStrings = offStruct + st.length;
  const total = offStrings + strLen + (spec.tail ?? 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  const h = spec.header ?? {};
  dv.setUint32(0, h.magic ?? 0xd00dfeed);
  dv.setUint32(4, h.totalsize ?? total);
  dv.setUint32(8, h.offStruct ?? offStruct);
  dv.setUint32(12, h.offStrings ?? offStrings);
  dv.setUint32(16, h.offMem ?? offMem);
  dv.setUint32(20, version);
  dv.setUint32(24, spec.lastCompVersion ?? Math.min(version, 16));
  dv.setUint32(28, h.bootCpuid ?? 0);
  if (version >= 3) dv.setUint32(32, h.sizeStrings ?? strLen);
  if (version >= 17) dv.setUint32(36, h.sizeStruct ?? st.length);
  mem.forEach(([a, s], i) => { dv.setBigUint64(offMem + 16 * i, a); dv.setBigUint64(offMem + 16 * i + 8, s); });
  out.set(st, offStruct);
  let o = offStrings;
  for (const s of strs) { out.set(Buffer.from(s, 'latin1'), o); o += s.length + 1; }
  return out;
}
