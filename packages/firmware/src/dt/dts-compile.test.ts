import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FirmwareError } from '../errors.js';
import { dtcCompile, haveCpp, haveDtc, noDtcReason, runDtc } from '../testing/dtc.js';
import { catchError, sharedDir } from '@kdsim/testing';
import { compileDts, parseDts } from './dts-compile.js';
import { decodeFdt } from './fdt-decode.js';
import { encodeFdt } from './fdt-encode.js';
import { printDts } from './dts-print.js';

const here = dirname(fileURLToPath(import.meta.url));
const testdata = resolve(here, 'testdata');
const fixtures = resolve(sharedDir(), 'fixtures/dt');

const sources = [
  ...readdirSync(fixtures).filter((f) => f.endsWith('.source.dts')).map((f) => resolve(fixtures, f)),
  ...readdirSync(testdata).filter((f) => f.endsWith('.dts') && f !== 'cpp.dts').map((f) => resolve(testdata, f)),
];

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

describe('DTS compiler against dtc 1.6.1', () => {
  for (const file of sources) {
    const name = file.slice(file.lastIndexOf('/') + 1);
    it.skipIf(!haveDtc)(`${name}: same bytes as dtc -I dts -O dtb${noDtcReason}`, () => {
      expect(same(encodeFdt(compileDts(file)), dtcCompile(file))).toBe(true);
    });
  }

  it('the fixture sources compile to the fixture blobs', () => {
    for (const base of ['linux-example-virtio-mmio-iommu', 'xen-grant-dma-mmio']) {
      const blob = new Uint8Array(readFileSync(resolve(fixtures, `${base}.dtb`)));
      expect(same(encodeFdt(compileDts(resolve(fixtures, `${base}.source.dts`))), blob)).toBe(true);
    }
  });

  it.skipIf(!haveDtc)(`re-compiles every printed fixture DTS to the dtc blob${noDtcReason}`, () => {
    for (const f of readdirSync(fixtures).filter((x) => x.endsWith('.dts') && !x.endsWith('.source.dts'))) {
      const text = readFileSync(resolve(fixtures, f), 'latin1');
      const mine = encodeFdt(parseDts(text, { file: f }));
      expect(same(mine, new Uint8Array(runDtc(['-I', 'dts', '-O', 'dtb', '-'], text))), f).toBe(true);
    }
  });

  it.skipIf(!haveDtc)(`accepts what dtc only warns about, and drops redundant name properties like dtc${noDtcReason}`, () => {
    const warnOnly = [
      '/ { foo = <1>; foo { }; };',
      '/ { #address-cells = "x"; status = <1>; model = <1>; device_type = <1>; compatible = <1>; label = <1>; };',
      '/ { n { reg = <1 2 3>; }; aliases { a = "/nope"; bad = <1>; }; chosen { bootargs = <1>; stdout-path = <1>; }; };',
      '/ { interrupts = <1>; interrupt-parent = <5>; clocks = <5>; n@1 { }; m@1 { }; };',
      '/ { a: n { }; b { x = <&a 1>; p = &a; }; }; / { n { name = "n"; }; };',
      '/ { name = ""; n@1 { name = "n"; z; }; };',
    ];
    for (const body of warnOnly) {
      const text = `/dts-v1/;\n${body}\n`;
      const mine = encodeFdt(parseDts(text, { preprocess: false }));
      expect(same(mine, new Uint8Array(runDtc(['-I', 'dts', '-O', 'dtb', '-'], text))), body).toBe(true);
    }
  });

  it.skipIf(!haveDtc || !haveCpp)(`a source with #include/#define/#if goes through cpp like the kernel build${noDtcReason}`, () => {
    const file = resolve(testdata, 'cpp.dts');
    const pre = spawnSync('cpp', ['-nostdinc', '-undef', '-D__DTS__', '-x', 'assembler-with-cpp', `-I${testdata}`, file], { encoding: 'utf8' });
    expect(pre.status).toBe(0);
    const oracle = new Uint8Array(runDtc(['-I', 'dts', '-O', 'dtb', '-'], pre.stdout));
    const t = compileDts(file);
    expect(same(encodeFdt(t), oracle)).toBe(true);
    expect(t.bootCpuidPhys).toBe(2); // guess_boot_cpuid(): first child of /cpus
  });
});

describe('DTS compiler behaviour', () => {
  it('allocates phandles in pre-order, skipping explicit values, counter never reset', () => {
    const t = compileDts(resolve(testdata, 'phandles.dts'));
    const ph = Object.fromEntries(t.root.children.map((c) => [c.name, c.phandle]));
    expect(ph).toEqual({ a: 1, b: 3, c: 4, d: 2, e: 5, self: 7, both: 6, f: 10, g: 9, h: 8 });
    // dtc's default -H epapr adds "phandle" only, at the end of the node
    const both = t.root.children.find((c) => c.name === 'both')!;
    expect(both.properties.map((p) => p.name)).toEqual(['linux,phandle', 'phandle']);
  });

  it('prints a compiled tree as dtc prints the blob', () => {
    const file = resolve(testdata, 'merge.dts');
    const blob = encodeFdt(compileDts(file));
    expect(printDts(decodeFdt(blob))).toContain('\tc = "back at its old place";\n\td = <0x04>;');
  });
});

function error(text: string, opts: Parameters<typeof parseDts>[1] = {}): FirmwareError {
  return catchError(FirmwareError, () => parseDts(text, { file: 't.dts', ...opts }));
}

describe('DTS errors say where and what', () => {
  const cases: [string, string, string, number, number, RegExp][] = [
    ['unknown label in cells', '/dts-v1/;\n/ {\n\ta = <&nope>;\n};\n', 'danglingReference', 3, 7, /non-existent node or label "nope"/],
    ['unknown path outside cells', '/dts-v1/;\n/ { a = &{/x/y}; };\n', 'danglingReference', 2, 9, /"\/x\/y"/],
    ['unknown label to merge into', '/dts-v1/;\n/ { };\n&lbl { };\n', 'danglingReference', 3, 1, /Label or path lbl not found/],
    ['duplicate label', '/dts-v1/;\n/ {\n\tl: a { };\n\tl: b { };\n};\n', 'duplicate', 4, 2, /Duplicate label 'l' on \/b and \/a/],
    ['duplicate sibling names', '/dts-v1/;\n/ {\n\tn { };\n\tn { };\n};\n', 'duplicate', 4, 2, /Duplicate node name/],
    ['duplicate property', '/dts-v1/;\n/ { p; p = <1>; };\n', 'duplicate', 2, 5, /Duplicate property name/],
    ['duplicate explicit phandle', '/dts-v1/;\n/ {\n\ta { phandle = <1>; };\n\tb { phandle = <1>; };\n};\n', 'duplicate', 4, 6, /duplicated phandle 0x1 \(seen before at \/a\)/],
    ['bad cell width', '/dts-v1/;\n/ { a = /bits/ 12 <1>; };\n', 'syntax', 2, 16, /8, 16, 32 or 64-bits/],
    ['value out of range', '/dts-v1/;\n/ { a = /bits/ 8 <256>; };\n', 'syntax', 2, 19, /out of range for 8-bit/],
    ['reference in a 16-bit array', '/dts-v1/;\n/ { l: a { }; b = /bits/ 16 <&l>; };\n', 'syntax', 2, 30, /only allowed in arrays with 32-bit/],
    ['unterminated string', '/dts-v1/;\n/ {\n\ta = "abc;\n};\n', 'syntax', 3, 6, /found '"'/],
    ['property after a child', '/dts-v1/;\n/ { c { }; p; };\n', 'syntax', 2, 12, /Properties must precede subnodes/],
    ['missing /dts-v1/', '/ { };\n', 'syntax', 1, 1, /\/dts-v1\//],
    ['division by zero', '/dts-v1/;\n/ { a = <(1 / 0)>; };\n', 'syntax', 2, 13, /Division by zero/],
    ['bad octal literal', '/dts-v1/;\n/ { a = <09>; };\n', 'syntax', 2, 10, /Bad integer literal '09'/],
    ['empty char literal', "/dts-v1/;\n/ { a = <''>; };\n", 'syntax', 2, 10, /Empty character literal/],
    ['bad node name character', '/dts-v1/;\n/ { a#b { }; };\n', 'syntax', 2, 5, /Bad character '#' in node name/],
    ['phandle pointing elsewhere', '/dts-v1/;\n/ { x: x { }; y { phandle = <&x>; }; };\n', 'syntax', 2, 19, /reference to another node/],
    ['overlays', '/dts-v1/;\n/plugin/;\n/ { };\n', 'unsupported', 2, 1, /plugin/],
  ];
  for (const [what, text, kind, line, column, msg] of cases) {
    it(`${what}: ${kind} at ${line}:${column}`, () => {
      const e = error(text);
      expect({ kind: e.kind, file: e.details.file, line: e.details.line, column: e.details.column }).toEqual({ kind, file: 't.dts', line, column });
      expect(e.message).toMatch(msg);
    });
  }

  it.skipIf(!haveDtc)(`dtc rejects every one of those sources too${noDtcReason}`, () => {
    for (const [what, text] of cases.filter(([w]) => w !== 'overlays')) {
      const r = spawnSync('dtc', ['-q', '-O', 'dtb', '-o', '/dev/null', '-'], { input: text });
      expect(r.status, what).not.toBe(0);
    }
  });

  it('reports an /include/ that cannot be found as io', () => {
    const e = error('/dts-v1/;\n/include/ "missing.dtsi"\n/ { };\n', { readFile: () => { throw new Error('ENOENT'); } });
    expect(e.kind).toBe('io');
    expect(e.details.line).toBe(2);
    expect(e.message).toMatch(/Couldn't open "missing.dtsi"/);
  });

  it('maps line markers back to the original file and line', () => {
    const e = error('/dts-v1/;\n# 40 "board.dts"\n/ {\n\ta = <&nope>;\n};\n');
    expect(e.details).toMatchObject({ file: 'board.dts', line: 41 });
  });

  it('says clearly when the preprocessor is missing', () => {
    const e = error('/dts-v1/;\n#include "x.h"\n/ { };\n', { cpp: '/nonexistent/bin/cpp' });
    expect(e.kind).toBe('preprocessor');
    expect(e.message).toMatch(/preprocessor "\/nonexistent\/bin\/cpp" is not installed/);
  });

  it.skipIf(!haveCpp)('reports preprocessor errors with their place', () => {
    const e = error('/dts-v1/;\n#include "does-not-exist.h"\n/ { };\n');
    expect(e.kind).toBe('preprocessor');
    expect(e.details).toMatchObject({ file: 't.dts', line: 2 });
  });

  it.skipIf(!haveCpp)('preprocesses a source whose file exists only by name', () => {
    const t = parseDts('/dts-v1/;\n#define X 5\n/ { a = <X>; };\n', { file: '/nonexistent/dir/x.dts' });
    expect(Array.from(t.root.properties[0]!.value)).toEqual([0, 0, 0, 5]);
  });

  it.skipIf(!haveCpp)('maps errors after cpp back to the original file and line', () => {
    const e = error('/dts-v1/;\n#define X 1\n\n/ {\n\ta = <&nope>;\n};\n');
    expect(e.details).toMatchObject({ file: 't.dts', line: 5, column: 7 });
  });
});
