// Test-only builders for ACPI tables (not exported from the package).

/** Little-endian byte writer. */
export class Bytes {
  readonly b: number[] = [];

  u8(v: number): this {
    this.b.push(v & 0xff);
    return this;
  }

  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }

  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }

  u64(v: bigint | number): this {
    const x = BigInt(v);
    return this.u32(Number(x & 0xffffffffn)).u32(Number((x >> 32n) & 0xffffffffn));
  }

  str(s: string, n = s.length): this {
    for (let i = 0; i < n; i++) this.u8(s.charCodeAt(i) || 0);
    return this;
  }

  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.u8(0);
    return this;
  }

  raw(a: ArrayLike<number>): this {
    for (let i = 0; i < a.length; i++) this.u8(a[i] ?? 0);
    return this;
  }
}

/** Options of {@link acpiTable}. */
export interface TableOptions {
  readonly revision?: number;
  /** Overrides the Length field. */
  readonly length?: number;
  /** Stores a checksum off by this much. */
  readonly checksumDelta?: number;
}

/** A table with a BOCHS/BXPC header, valid checksum unless told otherwise. */
export function acpiTable(signature: string, body: ArrayLike<number>, opts: TableOptions = {}): Uint8Array {
  const h = new Bytes().str(signature, 4).u32(opts.length ?? 36 + body.length).u8(opts.revision ?? 0).u8(0)
    .str('BOCHS ', 6).str('BXPC    ', 8).u32(1).str('BXPC', 4).u32(1).raw(body);
  const t = Uint8Array.from(h.b);
  let sum = 0;
  for (const x of t) sum = (sum + x) & 0xff;
  t[9] = (256 - sum + (opts.checksumDelta ?? 0)) & 0xff;
  return t;
}

/** A reference to a node of the table being built, by index. */
export interface NodeRef {
  readonly node: number;
}

/** One ID mapping. */
export interface MapSpec {
  readonly input: number;
  /** Number of IDs minus one. */
  readonly count: number;
  readonly output: number;
  readonly ref: number | NodeRef;
  readonly flags?: number;
}

/** One IORT node. */
export interface IortNodeSpec {
  readonly type: number;
  readonly rev?: number;
  readonly id?: number;
  /** Type-specific bytes after the 16-byte header. */
  readonly data: ArrayLike<number>;
  readonly maps?: readonly MapSpec[];
  /** Overrides the Length field (the node still occupies its natural size). */
  readonly length?: number;
  readonly mappingCount?: number;
  readonly mappingOffset?: number;
}

/** Options of {@link buildIort}. */
export interface IortSpec extends TableOptions {
  readonly nodes: readonly IortNodeSpec[];
  readonly nodeCount?: number;
  readonly nodeOffset?: number;
  /** Padding bytes between the header and the first node. */
  readonly pad?: number;
  /** Extra bytes appended after the last node. */
  readonly tail?: number;
}

/** Table offset of each node of `spec`. */
export function iortOffsets(spec: IortSpec): number[] {
  const out: number[] = [];
  let at = 48 + (spec.pad ?? 0);
  for (const n of spec.nodes) {
    out.push(at);
    at += 16 + n.data.length + 20 * (n.maps?.length ?? 0);
  }
  return out;
}

/** An IORT with the given nodes laid out back to back, revision 5 by default. */
export function buildIort(spec: IortSpec): Uint8Array {
  const offs = iortOffsets(spec);
  const body = new Bytes().u32(spec.nodeCount ?? spec.nodes.length).u32(spec.nodeOffset ?? 48 + (spec.pad ?? 0)).u32(0).zeros(spec.pad ?? 0);
  spec.nodes.forEach((n) => {
    const natural = 16 + n.data.length + 20 * (n.maps?.length ?? 0);
    const maps = n.maps ?? [];
    body.u8(n.type).u16(n.length ?? natural).u8(n.rev ?? 0).u32(n.id ?? 0)
      .u32(n.mappingCount ?? maps.length).u32(n.mappingOffset ?? (maps.length > 0 ? 16 + n.data.length : 0)).raw(n.data);
    for (const m of maps) {
      const ref = typeof m.ref === 'number' ? m.ref : offs[m.ref.node] ?? 0;
      body.u32(m.input).u32(m.count).u32(m.output).u32(ref).u32(m.flags ?? 0);
    }
  });
  body.zeros(spec.tail ?? 0);
  return acpiTable('IORT', body.b, { revision: 5, ...spec });
}

/** Memory access properties. */
export function mem(cca = 1, flags = 3, hints = 0): number[] {
  return new Bytes().u32(cca).u8(hints).u16(0).u8(flags).b;
}

/** Root complex data (node rev ≥ 1 layout). */
export function rcData(o: { seg?: number; cca?: number; memFlags?: number; ats?: number; limit?: number; pasidCaps?: number } = {}): number[] {
  return new Bytes().raw(mem(o.cca ?? 1, o.memFlags ?? 3)).u32(o.ats ?? 0).u32(o.seg ?? 0).u8(o.limit ?? 64).u16(o.pasidCaps ?? 0).u8(0).b;
}

/** SMMUv3 data. */
export function smmuV3Data(o: { base?: bigint; flags?: number; model?: number; gsiv?: readonly [number, number, number, number]; pxm?: number; idIndex?: number } = {}): number[] {
  const g = o.gsiv ?? [0x6a, 0x6b, 0x6d, 0x6c];
  return new Bytes().u64(o.base ?? 0x09050000n).u32(o.flags ?? 1).u32(0).u64(0).u32(o.model ?? 0)
    .u32(g[0]).u32(g[1]).u32(g[2]).u32(g[3]).u32(o.pxm ?? 0).u32(o.idIndex ?? 0).b;
}

/** ITS group data. */
export function itsData(ids: readonly number[]): number[] {
  const b = new Bytes().u32(ids.length);
  for (const id of ids) b.u32(id);
  return b.b;
}

/** Named component data, name NUL-padded to a multiple of 4 bytes. */
export function ncData(o: { name: string; flags?: number; cca?: number; memFlags?: number; limit?: number }): number[] {
  const b = new Bytes().u32(o.flags ?? 0).raw(mem(o.cca ?? 1, o.memFlags ?? 3)).u8(o.limit ?? 48).str(o.name).u8(0);
  while ((b.b.length + 16) % 4 !== 0) b.u8(0);
  return b.b;
}

/** PMCG data (node rev ≥ 1). */
export function pmcgData(o: { base?: bigint; overflowGsiv?: number; nodeRef?: number } = {}): number[] {
  return new Bytes().u64(o.base ?? 0x1000n).u32(o.overflowGsiv ?? 0).u32(o.nodeRef ?? 0).u64(0x2000n).b;
}

/** RMR data with descriptors right after the fixed part. */
export function rmrData(o: { flags?: number; descs: readonly (readonly [bigint, bigint])[] }): number[] {
  const b = new Bytes().u32(o.flags ?? 0).u32(o.descs.length).u32(o.descs.length > 0 ? 28 : 0);
  for (const [base, len] of o.descs) b.u64(base).u64(len).u32(0);
  return b.b;
}

/** SMMUv1/v2 data with its global, context and PMU interrupt arrays. */
export function smmuData(o: { base?: bigint; model?: number; flags?: number; ctx?: readonly number[]; pmu?: readonly number[] } = {}): number[] {
  const ctx = o.ctx ?? [];
  const pmu = o.pmu ?? [];
  const g = 16 + 44;
  const b = new Bytes().u64(o.base ?? 0x2b400000n).u64(0x10000n).u32(o.model ?? 3).u32(o.flags ?? 0)
    .u32(g).u32(ctx.length).u32(g + 16).u32(pmu.length).u32(g + 16 + 8 * ctx.length)
    .u32(0x20).u32(1).u32(0x21).u32(0);
  for (const c of ctx) b.u32(c).u32(1);
  for (const p of pmu) b.u32(p).u32(0);
  return b.b;
}

/** One VIOT node. */
export type ViotNodeSpec =
  | { readonly type: 1; readonly epStart: number; readonly segStart?: number; readonly segEnd?: number; readonly bdfStart: number; readonly bdfEnd: number; readonly output: number | NodeRef; readonly length?: number }
  | { readonly type: 2; readonly endpoint: number; readonly address: bigint; readonly output: number | NodeRef; readonly length?: number }
  | { readonly type: 3; readonly segment?: number; readonly bdf: number; readonly length?: number }
  | { readonly type: 4; readonly address: bigint; readonly length?: number }
  | { readonly type: number; readonly raw: ArrayLike<number>; readonly length?: number };

/** Options of {@link buildViot}. */
export interface ViotSpec extends TableOptions {
  readonly nodes: readonly ViotNodeSpec[];
  readonly nodeCount?: number;
  readonly nodeOffset?: number;
}

function viotNodeSize(n: ViotNodeSpec): number {
  if ('raw' in n) return 4 + n.raw.length;
  return n.type === 1 || n.type === 2 ? 24 : 16;
}

/** A VIOT (revision 0) with the given nodes back to back from offset 48. */
export function buildViot(spec: ViotSpec): Uint8Array {
  const offs: number[] = [];
  let at = 48;
  for (const n of spec.nodes) {
    offs.push(at);
    at += viotNodeSize(n);
  }
  const ref = (r: number | NodeRef): number => (typeof r === 'number' ? r : offs[r.node] ?? 0);
  const b = new Bytes().u16(spec.nodeCount ?? spec.nodes.length).u16(spec.nodeOffset ?? 48).zeros(8);
  for (const n of spec.nodes) {
    b.u8(n.type).u8(0).u16(n.length ?? viotNodeSize(n));
    if ('raw' in n) b.raw(n.raw);
    else if (n.type === 1 && 'epStart' in n) b.u32(n.epStart).u16(n.segStart ?? 0).u16(n.segEnd ?? 0).u16(n.bdfStart).u16(n.bdfEnd).u16(ref(n.output)).zeros(6);
    else if (n.type === 2 && 'endpoint' in n) b.u32(n.endpoint).u64(n.address).u16(ref(n.output)).zeros(6);
    else if (n.type === 3 && 'bdf' in n) b.u16(n.segment ?? 0).u16(n.bdf).zeros(8);
    else if (n.type === 4 && 'address' in n) b.zeros(4).u64(n.address);
  }
  return acpiTable('VIOT', b.b, spec);
}
