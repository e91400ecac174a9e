import { describe, expect, it } from 'vitest';
import { FirmwareError } from '../errors.js';
import { type Tok, buildFdt, cells, str } from '../testing/fdt-builder.js';
import { decodeFdt } from './fdt-decode.js';
import type { DtNode } from './tree.js';

const simple: Tok[] = [
  ['begin', ''], ['prop', 'model', str('m')],
  ['begin', 'a@1'], ['prop', 'reg', cells(1)], ['endNode'],
  ['endNode'], ['end'],
];

function rejects(blob: Uint8Array, kind: string, offset?: number, msg?: RegExp): FirmwareError {
  let err: unknown;
  try {
    decodeFdt(blob, 'test.dtb');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FirmwareError);
  const fe = err as FirmwareError;
  expect(fe.kind).toBe(kind);
  expect(fe.details.file).toBe('test.dtb');
  if (offset !== undefined) expect(fe.details.offset).toBe(offset);
  if (msg) expect(fe.message).toMatch(msg);
  return fe;
}

const names = (n: DtNode): string[] => n.properties.map((p) => p.name);

describe('FDT header validation (fdt_check_header(), in spec §1.1 order)', () => {
  it('accepts a well-formed v17 blob', () => {
    const t = decodeFdt(buildFdt({ tokens: simple }));
    expect(t.version).toBe(17);
    expect(names(t.root)).toEqual(['model']);
    expect(t.root.children.map((c) => c.name)).toEqual(['a@1']);
  });

  it('rejects a bad magic before looking at anything else', () => {
    rejects(buildFdt({ tokens: simple, version: 1, header: { magic: 0xfeedd00d, totalsize: 1 } }), 'badMagic', 0, /0xfeedd00d/);
  });

  it('rejects version < 2, last_comp_version > 17 and version < last_comp_version as BADVERSION', () => {
    rejects(buildFdt({ tokens: simple, version: 1, lastCompVersion: 1 }), 'badVersion', 0x14);
    rejects(buildFdt({ tokens: simple, version: 17, lastCompVersion: 18 }), 'badVersion', 0x18);
    rejects(buildFdt({ tokens: simple, version: 16, lastCompVersion: 17 }), 'badVersion', 0x14);
  });

  it('checks version before totalsize', () => {
    rejects(buildFdt({ tokens: simple, version: 1, lastCompVersion: 1, header: { totalsize: 3 } }), 'badVersion');
  });

  it('rejects totalsize smaller than the header, above INT_MAX, or larger than the buffer', () => {
    rejects(buildFdt({ tokens: simple, header: { totalsize: 39 } }), 'truncated', 4, /smaller than the 40-byte/);
    rejects(buildFdt({ tokens: simple, header: { totalsize: 0x80000000 } }), 'truncated', 4, /INT_MAX/);
    const b = buildFdt({ tokens: simple });
    rejects(b.subarray(0, b.length - 1), 'truncated', 4, /exceeds the/);
  });

  it('checks totalsize before alignment, and alignment before block bounds', () => {
    rejects(buildFdt({ tokens: simple, header: { totalsize: 30, offMem: 41 } }), 'truncated', 4);
    rejects(buildFdt({ tokens: simple, header: { offMem: 44, offStruct: 0x7ffffff0 } }), 'badAlignment', 0x10);
    rejects(buildFdt({ tokens: simple, header: { offStruct: 58 } }), 'badAlignment', 0x08);
  });

  it('rejects a reservation map, structure or strings block outside [header, totalsize]', () => {
    rejects(buildFdt({ tokens: simple, header: { offMem: 32 } }), 'truncated', 0x10, /off_mem_rsvmap/);
    rejects(buildFdt({ tokens: simple, header: { sizeStruct: 0x1000 } }), 'truncated', 0x08, /structure block/);
    rejects(buildFdt({ tokens: simple, header: { sizeStruct: 0xfffffff0 } }), 'truncated', 0x08, /structure block/);
    rejects(buildFdt({ tokens: simple, header: { sizeStrings: 0x1000 } }), 'truncated', 0x0c, /strings block/);
  });

  it('checks the memory reservation block before the structure block', () => {
    rejects(buildFdt({ tokens: simple, header: { offMem: 8, sizeStruct: 0x1000 } }), 'truncated', 0x10);
  });

  it('rejects a buffer too short to hold the magic or the version fields', () => {
    rejects(new Uint8Array([0xd0, 0x0d]), 'truncated', 0);
    rejects(buildFdt({ tokens: simple }).subarray(0, 20), 'truncated');
  });
});

describe('FDT versions', () => {
  it('accepts v16 (no size_dt_struct: the structure runs to totalsize)', () => {
    const t = decodeFdt(buildFdt({ tokens: simple, version: 16 }));
    expect(t.version).toBe(16);
    expect(t.root.children[0]!.properties[0]!.value).toEqual(cells(1));
  });

  it('v2..v15: node names are full paths and only the leaf is kept (fdt_get_name())', () => {
    const t = decodeFdt(buildFdt({
      version: 3,
      tokens: [['begin', '/'], ['begin', '/cpus'], ['begin', '/cpus/cpu@0'], ['endNode'], ['endNode'], ['endNode'], ['end']],
    }));
    expect(t.root.children[0]!.name).toBe('cpus');
    expect(t.root.children[0]!.children[0]!.name).toBe('cpu@0');
  });

  it('v2..v15: a node name without "/" is a structure error', () => {
    rejects(buildFdt({ version: 3, tokens: [['begin', '/'], ['begin', 'cpus'], ['endNode'], ['endNode'], ['end']] }), 'badStructure');
  });

  it('v2..v15: values of 8+ bytes that start off an 8-byte boundary begin 4 bytes later (fdt_next_tag())', () => {
    const v = cells(0x11111111, 0x22222222);
    const t = decodeFdt(buildFdt({ version: 16 - 1, tokens: [['begin', '/'], ['prop', 'a', cells(7)], ['prop', 'big', v], ['endNode'], ['end']] }));
    expect(t.root.properties.map((p) => [p.name, Array.from(p.value)])).toEqual([['a', [0, 0, 0, 7]], ['big', Array.from(v)]]);
  });

  it('reads boot_cpuid_phys and the reservations up to the first zero-size entry', () => {
    const t = decodeFdt(buildFdt({ tokens: simple, header: { bootCpuid: 3 }, memreserve: [[0x1000n, 0x2000n], [5n, 0n], [7n, 8n]] }));
    expect(t.bootCpuidPhys).toBe(3);
    expect(t.memreserve).toEqual([{ address: 0x1000n, size: 0x2000n }]);
  });
});

describe('FDT structure block (unflatten_dt_nodes() over libfdt)', () => {
  it('rejects a leading FDT_NOP before the root: Linux needs FDT_BEGIN_NODE at offset 0', () => {
    rejects(buildFdt({ tokens: [['nop'], ...simple] }), 'badStructure', 56, /starts with FDT_NOP/);
  });

  it('ignores a property that follows a child node, with a warning', () => {
    const t = decodeFdt(buildFdt({
      tokens: [['begin', ''], ['prop', 'a', cells(1)], ['begin', 'c'], ['endNode'], ['prop', 'late', cells(2)], ['endNode'], ['end']],
    }), 'x.dtb');
    expect(names(t.root)).toEqual(['a']);
    expect(t.warnings).toEqual([expect.objectContaining({ file: 'x.dtb', path: '/', message: expect.stringMatching(/after a child/) as string })]);
  });

  it('keeps NOPs between properties invisible', () => {
    const t = decodeFdt(buildFdt({ tokens: [['begin', ''], ['nop'], ['prop', 'a', []], ['nop'], ['prop', 'b', []], ['endNode'], ['end']] }));
    expect(names(t.root)).toEqual(['a', 'b']);
    expect(t.warnings).toEqual([]);
  });

  it('drops a property whose nameoff is out of the strings block with the kernel warning, keeping the rest', () => {
    const t = decodeFdt(buildFdt({ tokens: [['begin', ''], ['prop', 'a', cells(1)], ['prop', 0x999, cells(2)], ['prop', 'b', []], ['endNode'], ['end']] }));
    expect(names(t.root)).toEqual(['a', 'b']);
    // the bad property is the second token after the 8-byte root header and 16-byte first property
    expect(t.warnings.map((w) => w.message)).toEqual(['Cannot locate property at 0x18']);
  });

  it('drops a property whose name has no NUL before the end of the strings block', () => {
    const b = buildFdt({ tokens: [['begin', ''], ['prop', 'abc', []], ['endNode'], ['end']] });
    b[b.length - 1] = 0x78; // overwrite the terminating NUL
    const t = decodeFdt(b);
    expect(t.root.properties).toEqual([]);
    expect(t.warnings[0]!.message).toMatch(/^Cannot locate property at 0x8$/);
  });

  it('tolerates FDT_END while nodes are open: they end there, with a warning', () => {
    const t = decodeFdt(buildFdt({ tokens: [['begin', ''], ['begin', 'a'], ['prop', 'p', []], ['end']] }));
    expect(t.root.children[0]!.name).toBe('a');
    expect(names(t.root.children[0]!)).toEqual(['p']);
    expect(t.warnings[0]!.message).toMatch(/FDT_END with 2 node\(s\) still open/);
  });

  it('ignores tokens after the root node, with a warning', () => {
    const t = decodeFdt(buildFdt({ tokens: [...simple.slice(0, -1), ['begin', 'stray'], ['endNode'], ['raw', 0x77], ['end']] }));
    expect(t.root.children.map((c) => c.name)).toEqual(['a@1']);
    expect(t.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/after the root node/)]);
  });

  it('tolerates a missing FDT_END after a complete root, with a warning', () => {
    const t = decodeFdt(buildFdt({ tokens: simple.slice(0, -1) }));
    expect(t.root.children).toHaveLength(1);
    expect(t.warnings).toHaveLength(1);
  });

  it('rejects an unknown token ("Error -11 processing FDT")', () => {
    rejects(buildFdt({ tokens: [['begin', ''], ['begin', 'a'], ['raw', 0x5], ['endNode'], ['endNode'], ['end']] }), 'badStructure', 56 + 16, /Error -11 processing FDT: unknown token 0x5/);
  });

  it('rejects a property value running past the structure block', () => {
    const b = buildFdt({ tokens: [['begin', ''], ['begin', 'a'], ['prop', 'p', cells(1, 2)], ['endNode'], ['endNode'], ['end']] });
    new DataView(b.buffer).setUint32(56 + 8 + 8 + 4, 0x100); // len of p
    rejects(b, 'badStructure', undefined, /runs past the end/);
  });

  it('rejects a structure block that ends while nodes are open without FDT_END', () => {
    rejects(buildFdt({ tokens: [['begin', ''], ['begin', 'a'], ['endNode']] }), 'badStructure', undefined, /Error -8 processing FDT: structure block ends before FDT_END/);
  });

  it('rejects a node name without NUL inside the structure block', () => {
    const b = buildFdt({ tokens: [['begin', ''], ['begin', 'abcdefg'], ['endNode'], ['endNode'], ['end']], header: { sizeStruct: 14 } });
    rejects(b, 'badStructure', 56 + 8, /Error -11 processing FDT/);
  });

  it('skips nodes nested 63 or more levels deep, with one warning', () => {
    const toks: Tok[] = [['begin', '']];
    for (let i = 1; i <= 65; i++) toks.push(['begin', `n${i}`], ['prop', 'd', cells(i)]);
    for (let i = 0; i <= 65; i++) toks.push(['endNode']);
    toks.push(['end']);
    const t = decodeFdt(buildFdt({ tokens: toks }));
    let n = t.root;
    let depth = 0;
    while (n.children.length > 0) { n = n.children[0]!; depth++; }
    expect(depth).toBe(62);
    expect(t.warnings).toHaveLength(1);
    expect(t.warnings[0]!.message).toMatch(/depth 63/);
  });
});

describe('phandles (populate_properties())', () => {
  const node = (props: Tok[]): DtNode => decodeFdt(buildFdt({ tokens: [['begin', ''], ['begin', 'n'], ...props, ['endNode'], ['endNode'], ['end']] })).root.children[0]!;

  it('takes the first non-zero phandle or linux,phandle in property order', () => {
    expect(node([['prop', 'linux,phandle', cells(7)], ['prop', 'phandle', cells(9)]]).phandle).toBe(7);
    expect(node([['prop', 'phandle', cells(0)], ['prop', 'linux,phandle', cells(5)]]).phandle).toBe(5);
  });

  it('lets ibm,phandle override', () => {
    expect(node([['prop', 'phandle', cells(7)], ['prop', 'ibm,phandle', cells(3)]]).phandle).toBe(3);
  });

  it('ignores a phandle property that is not 4 bytes, with a warning', () => {
    const t = decodeFdt(buildFdt({ tokens: [['begin', ''], ['prop', 'phandle', [0, 0, 1]], ['endNode'], ['end']] }));
    expect(t.root.phandle).toBe(0);
    expect(t.warnings[0]!.message).toMatch(/3 bytes, not 4/);
  });

  it('warns about duplicate phandles; the first node in pre-order keeps it', () => {
    const t = decodeFdt(buildFdt({
      tokens: [['begin', ''], ['begin', 'a'], ['begin', 'deep'], ['prop', 'phandle', cells(1)], ['endNode'], ['endNode'],
        ['begin', 'b'], ['prop', 'phandle', cells(1)], ['endNode'], ['endNode'], ['end']],
    }));
    expect(t.warnings).toEqual([expect.objectContaining({ path: '/b', message: expect.stringMatching(/duplicate phandle 0x1 \(first on \/a\/deep\)/) as string })]);
  });
});
