import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FirmwareError } from '../errors.js';
import { dtbCases } from '../testing/dt-fixtures.js';
import { haveDtc, noDtcReason } from '../testing/dtc.js';
import { parseDts } from './dts-compile.js';
import { printDts } from './dts-print.js';
import { decodeFdt } from './fdt-decode.js';
import { encodeFdt } from './fdt-encode.js';
import { Errno } from '@kdsim/core';
import { dtIommuTopology } from './dt-topology.js';
import { dtFuzzTargets } from './index.js';
import { OfTree } from './of.js';
import { ofAddressToResource, ofDmaIsCoherent } from './of-address.js';
import { ofIommuConfigure } from './of-iommu.js';
import { xenDtGrantBackendDomid } from './xen-grant.js';
import { type DtNode, type DtProperty, deviceTree, dtNode, dtProperty } from './tree.js';

const blobs = dtbCases().map((c) => c.dtb);
const texts = dtbCases().map((c) => c.dts ?? '');

/** Runs `parse`, failing on anything but a result or a FirmwareError, and on a call that looks like a hang. */
function survives(parse: () => unknown): boolean {
  const t0 = performance.now();
  try {
    parse();
  } catch (e) {
    if (!(e instanceof FirmwareError)) throw e;
  }
  const ms = performance.now() - t0;
  if (ms > 2000) throw new Error(`took ${ms.toFixed(0)} ms`);
  return true;
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({
    kind: fc.constant('field' as const), at: fc.nat(),
    value: fc.oneof(fc.constantFrom(0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 9, 2, 3, 4), fc.nat()),
  }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(base: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = Uint8Array.from(base);
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    switch (m.kind) {
      case 'truncate': b = b.subarray(0, at); break;
      case 'flip': b[at] = b[at]! ^ (1 << m.bit); break;
      case 'field': {
        // header fields in the first 40 bytes, anything else anywhere
        const off = at & ~3;
        if (off + 4 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(off, m.value >>> 0);
        break;
      }
      case 'insert': {
        const out = new Uint8Array(b.length + m.bytes.length);
        out.set(b.subarray(0, at));
        out.set(m.bytes, at);
        out.set(b.subarray(at), at + m.bytes.length);
        b = out;
        break;
      }
    }
  }
  return b;
}

describe('property: malformed blobs give a tree or a FirmwareError, never a crash or a hang', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (b) => survives(() => decodeFdt(b))), { numRuns: 2000 });
  });

  it('random bytes behind a valid header', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 400 }), fc.nat(16), (body, ver) => {
      const b = new Uint8Array(40 + body.length);
      const dv = new DataView(b.buffer);
      dv.setUint32(0, 0xd00dfeed);
      dv.setUint32(4, b.length);
      dv.setUint32(8, 40);
      dv.setUint32(12, 40 + (body.length >> 1));
      dv.setUint32(16, 40);
      dv.setUint32(20, 2 + ver);
      dv.setUint32(24, 2);
      dv.setUint32(32, body.length - (body.length >> 1));
      dv.setUint32(36, body.length >> 1);
      b.set(body, 40);
      return survives(() => decodeFdt(b));
    }), { numRuns: 2000 });
  });

  it('fixtures mutated by truncation, bit flips, field overwrites and insertions', () => {
    fc.assert(fc.property(fc.nat(blobs.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, ms) =>
      survives(() => decodeFdt(mutate(blobs[i]!, ms)))), { numRuns: 1500 });
  }, 60_000);
});

describe('property: the OF helpers never throw on whatever a mutated blob decodes to', () => {
  it('topology, IOMMU configuration, addresses and coherency on every node', () => {
    const env = { lookup: () => ({ ops: 'x', ready: true }), checkState: () => -Errno.EPROBE_DEFER };
    fc.assert(fc.property(fc.nat(blobs.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, ms) => {
      let tree;
      try {
        tree = decodeFdt(mutate(blobs[i]!, ms));
      } catch (e) {
        if (e instanceof FirmwareError) return true;
        throw e;
      }
      const of = new OfTree(tree);
      dtIommuTopology(of);
      for (const n of of.allNodes()) {
        ofIommuConfigure({ node: n }, env);
        ofIommuConfigure({ node: n, pciRids: [0, 8, 0x100] }, env);
        ofDmaIsCoherent(n);
        ofAddressToResource(n);
        xenDtGrantBackendDomid({ node: n });
        n.readStringArray('compatible');
      }
      return true;
    }), { numRuns: 300 });
  }, 60_000);

  it('random trees made of the properties the helpers read', () => {
    const env = { lookup: () => ({ ops: 'x', ready: true }), checkState: () => -Errno.EPROBE_DEFER };
    const names = ['iommus', 'iommu-map', 'iommu-map-mask', '#iommu-cells', 'phandle', 'linux,phandle', 'interconnects',
      'interconnect-names', '#interconnect-cells', 'reg', 'ranges', '#address-cells', '#size-cells', 'status', 'compatible',
      'dma-coherent', 'dma-noncoherent', 'device_type', 'ats-supported'];
    const cellsArb = fc.array(fc.oneof(fc.nat(6), fc.constantFrom(0xffffffff, 0x10000, 0x80000000), fc.nat()), { maxLength: 10 }).map((cs) => {
      const b = new Uint8Array(cs.length * 4);
      cs.forEach((c, i) => new DataView(b.buffer).setUint32(i * 4, c >>> 0));
      return b;
    });
    const propArb = fc.tuple(fc.constantFrom(...names), fc.oneof(cellsArb, fc.constantFrom('okay', 'disabled', 'pci', 'dma-mem', 'xen,grant-dma')
      .map((x) => new TextEncoder().encode(`${x}\0`)), fc.uint8Array({ maxLength: 9 }))).map(([n, v]) => dtProperty(n, v));
    const nodeOf = (depth: number): fc.Arbitrary<DtNode> => fc.tuple(fc.array(propArb, { maxLength: 5 }),
      depth >= 3 ? fc.constant([]) : fc.array(nodeOf(depth + 1), { maxLength: 3 }))
      .map(([ps, ks]) => dtNode('', ps, ks.map((k, i) => dtNode(`n${i}@${i}`, k.properties, k.children))));
    fc.assert(fc.property(nodeOf(0), (root) => {
      const of = new OfTree(deviceTree(root));
      dtIommuTopology(of);
      for (const n of of.allNodes()) {
        ofIommuConfigure({ node: n }, env);
        ofIommuConfigure({ node: n, pciRids: [0, 1, 5] }, env);
        ofIommuConfigure({ node: n, inputId: 2 }, env);
        ofDmaIsCoherent(n);
        ofAddressToResource(n, 0);
        ofAddressToResource(n, 1);
        xenDtGrantBackendDomid({ node: n, pciRid: 1 });
        xenDtGrantBackendDomid({ node: n });
      }
      return true;
    }), { numRuns: 500 });
  }, 60_000);
});

describe('property: malformed DTS text gives a tree or a FirmwareError', () => {
  const tokens = ['/dts-v1/;', '/ {', '};', '{', '}', ';', '=', '<', '>', '[', ']', '"s"', '"\\x"', "'a'", "'\\''", '(', ')', '1', '0x10', '09',
    'a:', '&a', '&{/a}', 'n@1', 'p', '/bits/', '8', '64', '/delete-node/', '/delete-property/', '/omit-if-no-ref/', '/memreserve/',
    '/include/ "x"', '/incbin/("x")', ',', '-', '~', '!', '?', ':', '<<', '/* c */', '// c\n', '\n', '# 1 "f"\n', '/plugin/;', '\\'];

  it('random token soup', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 60 }), (ts) =>
      survives(() => parseDts(ts.join(' '), { preprocess: false, readFile: () => { throw new Error('none'); } }))), { numRuns: 3000 });
  });

  it('random text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) =>
      survives(() => parseDts(`/dts-v1/;\n${s}`, { preprocess: false, readFile: () => { throw new Error('none'); } }))), { numRuns: 2000 });
  });

  it('fixture text mutated', () => {
    fc.assert(fc.property(fc.nat(texts.length - 1), fc.array(mutation, { minLength: 1, maxLength: 3 }), (i, ms) => {
      const bytes = mutate(new TextEncoder().encode(texts[i]), ms);
      return survives(() => dtFuzzTargets.find((t) => t.name === 'dts')!.parse(bytes, 'm.dts'));
    }), { numRuns: 500 });
  }, 60_000);
});

// Trees with names and values dtc accepts, so that they can also go through text.
const nodeChars = 'abcdefghijklmnopqrstuvwxyz0123456789,._+-';
const nameArb = fc.tuple(
  fc.string({ unit: fc.constantFrom(...nodeChars.split('')), minLength: 1, maxLength: 8 }),
  fc.option(fc.string({ unit: fc.constantFrom(...'0123456789abcdef,'.split('')), minLength: 1, maxLength: 6 }), { nil: undefined }),
).map(([b, u]) => (u === undefined ? b : `${b}@${u}`));
const propNameArb = fc.string({ unit: fc.constantFrom(...`${nodeChars}#?`.split('')), minLength: 1, maxLength: 10 })
  .filter((n) => n !== 'name' && n !== 'phandle' && n !== 'linux,phandle' && n !== 'ibm,phandle');
const valueArb = fc.oneof(
  fc.uint8Array({ maxLength: 24 }),
  fc.array(fc.string({ unit: fc.constantFrom(...'abc ,\t\n"\\'.split('')), maxLength: 6 }), { minLength: 1, maxLength: 3 })
    .map((ss) => new TextEncoder().encode(ss.map((s) => `${s}\0`).join(''))),
  fc.array(fc.nat(), { maxLength: 6 }).map((cs) => {
    const b = new Uint8Array(cs.length * 4);
    cs.forEach((c, i) => new DataView(b.buffer).setUint32(i * 4, c));
    return b;
  }),
);
const propsArb: fc.Arbitrary<DtProperty[]> = fc.uniqueArray(fc.tuple(propNameArb, valueArb), { maxLength: 5, selector: ([n]) => n })
  .map((ps) => ps.map(([n, v]) => dtProperty(n, v)));
function nodeAt(depth: number): fc.Arbitrary<DtNode> {
  const kids: fc.Arbitrary<[string, DtNode][]> = depth >= 3
    ? fc.constant([])
    : fc.uniqueArray(fc.tuple(nameArb, nodeAt(depth + 1)), { maxLength: 3, selector: ([n]) => n });
  return fc.tuple(propsArb, kids).map(([props, ks]) => dtNode('', props, ks.map(([n, k]) => dtNode(n, k.properties, k.children))));
}
const nodeArb = nodeAt(0);
const treeArb = fc.tuple(nodeArb, fc.array(fc.tuple(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).filter((s) => s !== 0n)), { maxLength: 3 }), fc.nat())
  .map(([root, rsv, cpu]) => deviceTree(root, { memreserve: rsv.map(([address, size]) => ({ address, size })), bootCpuidPhys: cpu }));

describe('property: round trips', () => {
  it('decode(encode(t)) is t', () => {
    fc.assert(fc.property(treeArb, (t) => {
      const back = decodeFdt(encodeFdt(t));
      expect(back.root).toEqual(t.root);
      expect(back.memreserve).toEqual(t.memreserve);
      expect(back.bootCpuidPhys).toBe(t.bootCpuidPhys);
      expect(back.warnings).toEqual([]);
    }), { numRuns: 300 });
  });

  it('compiling the printed DTS gives the same blob', () => {
    fc.assert(fc.property(treeArb, (t) => {
      const blob = encodeFdt(t);
      const again = encodeFdt(parseDts(printDts(decodeFdt(blob)), { preprocess: false }));
      // dtc guesses the boot CPU from /cpus; the generated trees have none
      expect(Buffer.from(again.subarray(40)).equals(Buffer.from(blob.subarray(40)))).toBe(true);
    }), { numRuns: 300 });
  });

  it.skipIf(!haveDtc)(`dtc compiles the printed DTS to the same blob${noDtcReason}`, () => {
    fc.assert(fc.property(treeArb, (t) => {
      const text = printDts(t);
      const r = spawnSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-'], { input: text });
      expect(r.status).toBe(0);
      const mine = encodeFdt(parseDts(text, { preprocess: false }));
      expect(Buffer.from(mine).equals(r.stdout)).toBe(true);
    }), { numRuns: 40 });
  }, 60_000);
});

// A small DTS grammar with the constructs that interact: labels, references
// in and out of cells, merges by path and label, deletions, omit-if-no-ref,
// expressions, /bits/, explicit phandles. Many outputs are invalid; dtc and
// the compiler must then both refuse.
export const dtsArbForTest = (() => {
  const label = fc.constantFrom('c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm');
  const maybeLabel = fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: label });
  const nodeName = fc.constantFrom('p', 'x,y', 'cpus', 'q@2');
  // constructs dtc refuses are kept rare, so that most sources are valid
  const propName = fc.oneof({ weight: 200, arbitrary: fc.constantFrom('p', 'q', 'reg', '#x-cells', 'r,s', 'compatible') },
    { weight: 1, arbitrary: fc.constantFrom('phandle', 'linux,phandle', 'name') });
  const ref = fc.oneof({ weight: 100, arbitrary: fc.constantFrom('&a', '&b', '&{/n}', '&{/m@1}', '&{/}') },
    { weight: 1, arbitrary: fc.constantFrom('&c', '&{/n/p}', '&{/zz}', '&j') });
  const num = fc.oneof(fc.constantFrom('0', '1', '7', '0x10', '0xffffffff', '010', "'a'"),
    fc.tuple(fc.nat(300), fc.constantFrom('+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^', '<', '==', '&&', '||'), fc.nat(12))
      .map(([x, op, y]) => `(${x} ${op} ${(op === '/' || op === '%') && y === 0 ? 3 : y})`),
    fc.tuple(fc.nat(3), fc.nat(9), fc.nat(9)).map(([c, x, y]) => `(${c} ? ${x} : ${y})`));
  const cellItem = fc.oneof({ weight: 4, arbitrary: num }, { weight: 2, arbitrary: ref }, { weight: 1, arbitrary: label.map((l) => `${l}x:`) });
  const small = fc.oneof(fc.nat(255).map(String), fc.constantFrom("'z'", '(1 + 2)', '(-1)', '(~0)'));
  const value = fc.oneof(
    fc.array(cellItem, { maxLength: 4 }).map((xs) => `<${xs.join(' ')}>`),
    fc.tuple(fc.constantFrom(8, 16, 64), fc.array(small, { maxLength: 3 })).map(([b, xs]) => `/bits/ ${b} <${xs.join(' ')}>`),
    fc.constantFrom('"s"', '"t\\n"', '[01 02]', '[]', '"n"'),
    ref,
  );
  const propBody = fc.tuple(maybeLabel, fc.array(value, { maxLength: 3 }), fc.nat(9));
  const props = fc.uniqueArray(fc.tuple(propName, propBody), { maxLength: 3, selector: ([n]) => n })
    .map((ps) => ps.map(([n, [l, vs, del]]) => del === 0 ? `/delete-property/ ${n};`
      : `${l !== undefined ? `${l}p: ` : ''}${n}${vs.length > 0 ? ` = ${vs.join(', ')}` : ''};`).join(' '));
  const nodeAtDepth = (depth: number): fc.Arbitrary<string> => {
    const child: fc.Arbitrary<string> = depth >= 2 ? fc.constant('{ }') : nodeAtDepth(depth + 1);
    const kid = fc.tuple(maybeLabel, fc.nat(5), child, fc.nat(9));
    return fc.tuple(
      props,
      fc.uniqueArray(fc.tuple(nodeName, kid), { maxLength: 3, selector: ([n]) => n }),
    ).map(([ps, cs]) => `{ ${ps} ${cs.map(([n, [l, omit, body, del]]) => del === 0 ? `/delete-node/ ${n};`
      : `${omit === 0 ? '/omit-if-no-ref/ ' : ''}${l !== undefined ? `${l}: ` : ''}${n} ${body};`).join(' ')} }`);
  };
  const node = nodeAtDepth(0);
  const top = fc.oneof(
    { weight: 3, arbitrary: node.map((b) => `/ ${b};`) },
    { weight: 3, arbitrary: fc.tuple(ref, node).map(([r, b]) => `${r} ${b};`) },
    { weight: 2, arbitrary: fc.tuple(label, ref, node).map(([l, r, b]) => `${l}: ${r} ${b};`) },
    { weight: 1, arbitrary: ref.map((r) => `/delete-node/ ${r};`) },
    { weight: 1, arbitrary: ref.map((r) => `/omit-if-no-ref/ ${r};`) },
  );
  // the root always has /n (label a) and /m@1 (label b), so that most references resolve
  return fc.tuple(fc.array(fc.tuple(fc.nat(9), fc.nat(9)), { maxLength: 2 }), props, node, node, fc.array(top, { maxLength: 3 }))
    .map(([rsv, ps, n, m, rest]) => `/dts-v1/;\n${rsv.map(([x, y]) => `/memreserve/ ${x} ${y};\n`).join('')}`
      + `/ { ${ps} a: n ${n}; b: m@1 ${m}; };\n${rest.join('\n')}\n`);
})();

describe('property: the compiler agrees with dtc on generated sources', () => {
  it.skipIf(!haveDtc)(`same blob when dtc accepts, an error when dtc refuses${noDtcReason}`, () => {
    let accepted = 0;
    fc.assert(fc.property(dtsArbForTest, (text) => {
      const r = spawnSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-'], { input: text });
      // dtc itself crashing (1.6.1 double-frees a `name` property that references a label) is no answer.
      fc.pre(r.signal === null);
      let mine: Uint8Array | FirmwareError;
      try {
        mine = encodeFdt(parseDts(text, { preprocess: false }));
      } catch (e) {
        if (!(e instanceof FirmwareError)) throw e;
        mine = e;
      }
      if (r.status === 0) {
        accepted++;
        // deviation: a deleted root makes dtc write a node-less blob; we refuse it
        if (mine instanceof FirmwareError && mine.kind === 'unsupported' && r.stdout.readUInt32BE(36) === 4) return;
        if (mine instanceof FirmwareError) throw new Error(`dtc accepts, we refuse: ${mine.message}\n${text}`);
        expect(Buffer.from(mine).equals(r.stdout), text).toBe(true);
      } else if (!(mine instanceof FirmwareError)) {
        throw new Error(`dtc refuses (${r.stderr.toString().trim()}), we accept:\n${text}`);
      }
    }), { numRuns: Number(process.env["KDSIM_DTC_RUNS"] ?? 600) });
    expect(accepted).toBeGreaterThan(200); // the generator must reach valid sources too
  }, 120_000);
});
