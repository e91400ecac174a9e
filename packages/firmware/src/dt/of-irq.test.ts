import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { catchError, sharedDir } from '@kdsim/testing';
import { describe, expect, it } from 'vitest';
import { Errno, kernelProfile, ofSupplierBindings, type PrintkReport } from '@kdsim/core';
import { FirmwareError } from '../errors.js';
import { haveDtc, noDtcReason, runDtc } from '../testing/dtc.js';
import { decodeFdt } from './fdt-decode.js';
import { type OfNode, OfTree } from './of.js';
import { ofInterruptMapParent, ofIrqBehaviour, ofIrqParseOne, ofIrqParseRaw, ofIrqSupplier } from './of-irq.js';
import { type DtNode, type DtProperty, deviceTree, dtNode, dtProperty } from './tree.js';

// Trees compiled by the real dtc (skipped without it), read back by kdsim's FDT decoder.
function tree(dts: string): OfTree {
  return new OfTree(decodeFdt(new Uint8Array(runDtc(['-I', 'dts', '-O', 'dtb', '-'], `/dts-v1/;\n${dts}`)), 'test.dtb'));
}
const at = (t: OfTree, path: string): OfNode => {
  const n = t.findNodeByPath(path);
  if (n === null) throw new Error(`no ${path}`);
  return n;
};
const b = (v: string) => ofIrqBehaviour(kernelProfile(v)!);
const parse = (t: OfTree, path: string, index: number, v = '6.12') => {
  const r = ofIrqParseOne(at(t, path), index, b(v));
  return { errno: r.errno, np: r.np?.path ?? null, args: [...r.args] };
};

/** of_link_property(): the suppliers the first binding that finds any gives for `prop` of `path`. */
function suppliers(t: OfTree, path: string, prop: string, v = '6.12'): string[] {
  for (const s of ofSupplierBindings(kernelProfile(v)!)) {
    if (s.optional === true || !s.matches(prop)) continue;
    const out: string[] = [];
    for (let i = 0; ; i++) {
      const sup = s.parse(at(t, path), prop, i);
      if (sup === null) break;
      out.push(sup.path);
    }
    if (out.length > 0) return out;
  }
  return [];
}

// A PCI host bridge whose interrupt-map sends slot 0 to the GIC (2 parent
// address cells) and slot 1 to a second controller without #address-cells.
const PCI_HOST = `
/ {
  #address-cells = <2>; #size-cells = <2>;
  interrupt-parent = <&gic>;
  gic: interrupt-controller@8000000 {
    compatible = "arm,cortex-a15-gic"; reg = <0 0x8000000 0 0x10000>;
    interrupt-controller; #interrupt-cells = <3>; #address-cells = <2>;
  };
  exti: interrupt-controller@9000000 {
    compatible = "test,exti"; reg = <0 0x9000000 0 0x1000>;
    interrupt-controller; #interrupt-cells = <2>;
    interrupts = <0 5 4>;
  };
  pcie@10000000 {
    compatible = "pci-host-ecam-generic"; device_type = "pci"; reg = <0 0x10000000 0 0x1000000>;
    #address-cells = <3>; #size-cells = <2>; #interrupt-cells = <1>;
    interrupt-map-mask = <0x1800 0 0 7>;
    interrupt-map = <0x0000 0 0 1 &gic 0 0 0 3 4>, <0x0000 0 0 2 &gic 0 0 0 4 4>,
                    <0x0800 0 0 1 &exti 7 8>, <0x0800 0 0 2 &exti 8 8>;
    ethernet@1,0 { reg = <0x0800 0 0 0 0>; interrupts = <1>; };
    nic@0,0 { reg = <0 0 0 0 0>; interrupts = <2>; };
    pin3@1,0 { reg = <0x0800 0 0 0 0>; interrupts = <3>; };
    noreg { interrupts = <1>; };
  };
};`;

describe('of_irq_parse_one() through a PCI host interrupt-map (dtc-compiled)', () => {
  it.skipIf(!haveDtc)(`translates slot and pin to the controller and specifier the map names${noDtcReason}`, () => {
    const t = tree(PCI_HOST);
    expect(parse(t, '/pcie@10000000/ethernet@1,0', 0)).toEqual({ errno: 0, np: '/interrupt-controller@9000000', args: [7, 8] });
    expect(parse(t, '/pcie@10000000/nic@0,0', 0)).toEqual({ errno: 0, np: '/interrupt-controller@8000000', args: [0, 4, 4] });
    // a plain device stops at its interrupt parent, which is a controller
    expect(parse(t, '/interrupt-controller@9000000', 0)).toEqual({ errno: 0, np: '/interrupt-controller@8000000', args: [0, 5, 4] });
  });

  it.skipIf(!haveDtc)(`an unmatched pin is -EINVAL; past the end of interrupts is -EOVERFLOW${noDtcReason}`, () => {
    const t = tree(PCI_HOST);
    expect(parse(t, '/pcie@10000000/pin3@1,0', 0).errno).toBe(-Errno.EINVAL);
    expect(parse(t, '/pcie@10000000/ethernet@1,0', 1).errno).toBe(-Errno.EOVERFLOW);
  });

  it.skipIf(!haveDtc)(`a device without reg: "no reg passed in when needed" before v6.11, unit address 0 from v6.11${noDtcReason}`, () => {
    const t = tree(PCI_HOST);
    expect(parse(t, '/pcie@10000000/noreg', 0, '6.10').errno).toBe(-Errno.EINVAL);
    expect(parse(t, '/pcie@10000000/noreg', 0, '6.11')).toEqual({ errno: 0, np: '/interrupt-controller@8000000', args: [0, 3, 4] });
  });

  it.skipIf(!haveDtc)(`fw_devlink: interrupts link to the final controller, interrupt-map (v6.10+) to every parent it names${noDtcReason}`, () => {
    const t = tree(PCI_HOST);
    expect(suppliers(t, '/pcie@10000000/ethernet@1,0', 'interrupts')).toEqual(['/interrupt-controller@9000000']);
    expect(suppliers(t, '/pcie@10000000/nic@0,0', 'interrupts')).toEqual(['/interrupt-controller@8000000']);
    expect(suppliers(t, '/pcie@10000000/pin3@1,0', 'interrupts')).toEqual([]);
    const parents = ['/interrupt-controller@8000000', '/interrupt-controller@8000000', '/interrupt-controller@9000000', '/interrupt-controller@9000000'];
    expect(suppliers(t, '/pcie@10000000', 'interrupt-map', '6.10')).toEqual(parents);
    expect(suppliers(t, '/pcie@10000000', 'interrupt-map', '6.9')).toEqual([]);
    // the interrupts binding exists from v5.12 (with the interrupt-map translation from the start)
    expect(suppliers(t, '/pcie@10000000/ethernet@1,0', 'interrupts', '5.12')).toEqual(['/interrupt-controller@9000000']);
    expect(suppliers(t, '/pcie@10000000/ethernet@1,0', 'interrupts', '5.11')).toEqual([]);
  });
});

// An interrupt nexus between devices and the GIC, a second nexus behind it
// (whose parent-side unit address uses nexus0's #address-cells = 1), and a
// controller that also has an interrupt-map.
const NEXUS = `
/ {
  #address-cells = <1>; #size-cells = <1>;
  gic: interrupt-controller@1000 {
    compatible = "arm,cortex-a15-gic"; reg = <0x1000 0x100>;
    interrupt-controller; #interrupt-cells = <3>; #address-cells = <0>;
  };
  nexus0: connector {
    #interrupt-cells = <1>; #address-cells = <1>;
    interrupt-map-mask = <0 0xff>;
    interrupt-map = <0 0 &gic 0 10 4>, <0 1 &gic 0 11 4>, <0 2 &gic 0 12 4>;
  };
  nexus1: connector2 {
    #interrupt-cells = <1>; #address-cells = <0>;
    interrupt-map = <5 &nexus0 0 2>;
  };
  combo: interrupt-controller@2000 {
    compatible = "test,combo"; reg = <0x2000 0x100>;
    interrupt-controller; #interrupt-cells = <1>; #address-cells = <0>;
    interrupt-map = <0 &gic 0 20 4>, <1 &combo 9>;
  };
  dev@3000 { reg = <0x3000 0x10>; interrupt-parent = <&nexus0>; interrupts = <1>, <7>, <2>; };
  ext { interrupts-extended = <&nexus0 0>, <&gic 0 1 4>; };
  chained { interrupt-parent = <&nexus1>; interrupts = <5>; };
  c0 { interrupt-parent = <&combo>; interrupts = <0>; };
  c1 { interrupt-parent = <&combo>; interrupts = <1>; };
  c2 { interrupt-parent = <&combo>; interrupts = <2>; };
};`;

describe('of_irq_parse_raw() through interrupt nexus nodes (dtc-compiled)', () => {
  it.skipIf(!haveDtc)(`a device behind a nexus gets the GIC and the mapped specifier, not the nexus${noDtcReason}`, () => {
    const t = tree(NEXUS);
    expect(parse(t, '/dev@3000', 0)).toEqual({ errno: 0, np: '/interrupt-controller@1000', args: [0, 11, 4] });
    expect(parse(t, '/dev@3000', 1).errno).toBe(-Errno.EINVAL); // specifier 7 matches no entry
    expect(parse(t, '/dev@3000', 2)).toEqual({ errno: 0, np: '/interrupt-controller@1000', args: [0, 12, 4] });
    expect(parse(t, '/ext', 0)).toEqual({ errno: 0, np: '/interrupt-controller@1000', args: [0, 10, 4] });
    expect(parse(t, '/ext', 1)).toEqual({ errno: 0, np: '/interrupt-controller@1000', args: [0, 1, 4] });
    // connector2 → connector (parent unit address 0, specifier 2) → GIC
    expect(parse(t, '/chained', 0)).toEqual({ errno: 0, np: '/interrupt-controller@1000', args: [0, 12, 4] });
  });

  it.skipIf(!haveDtc)(`fw_devlink links each interrupt that translates, to the GIC; a map links the nexus to its parents${noDtcReason}`, () => {
    const t = tree(NEXUS);
    // index 1 fails, which ends the list as of_link_property() does
    expect(suppliers(t, '/dev@3000', 'interrupts')).toEqual(['/interrupt-controller@1000']);
    expect(suppliers(t, '/ext', 'interrupts-extended')).toEqual(['/interrupt-controller@1000', '/interrupt-controller@1000']);
    expect(suppliers(t, '/chained', 'interrupts')).toEqual(['/interrupt-controller@1000']);
    expect(suppliers(t, '/connector2', 'interrupt-map')).toEqual(['/connector']);
    // parse_interrupt_map() does not skip an entry that names the node itself
    expect(suppliers(t, '/interrupt-controller@2000', 'interrupt-map')).toEqual(['/interrupt-controller@1000', '/interrupt-controller@2000']);
  });

  it.skipIf(!haveDtc)(`a controller with its own interrupt-map: the end of the walk before v5.16, a nexus after${noDtcReason}`, () => {
    const t = tree(NEXUS);
    expect(parse(t, '/c0', 0, '5.15')).toEqual({ errno: 0, np: '/interrupt-controller@2000', args: [0] });
    expect(parse(t, '/c0', 0, '6.12')).toEqual({ errno: 0, np: '/interrupt-controller@1000', args: [0, 20, 4] });
    // an entry pointing back at the node ends the walk there, with the mapped specifier
    expect(parse(t, '/c1', 0, '6.12')).toEqual({ errno: 0, np: '/interrupt-controller@2000', args: [9] });
    // no entry matches: v5.16–v6.9 fall back to the controller itself, v6.10+ fail
    expect(parse(t, '/c2', 0, '6.6')).toEqual({ errno: 0, np: '/interrupt-controller@2000', args: [2] });
    expect(parse(t, '/c2', 0, '6.12').errno).toBe(-Errno.EINVAL);
  });
});

// Malformed maps: an unknown phandle in the middle, and a last entry one cell short.
const MALFORMED = `
/ {
  #address-cells = <1>; #size-cells = <1>;
  gic: interrupt-controller@1000 {
    compatible = "arm,cortex-a15-gic"; reg = <0x1000 0x100>;
    interrupt-controller; #interrupt-cells = <3>;
  };
  other: interrupt-controller@2000 {
    compatible = "test,intc"; reg = <0x2000 0x100>;
    interrupt-controller; #interrupt-cells = <2>;
  };
  dangling: nexus-a {
    #interrupt-cells = <1>; #address-cells = <0>;
    interrupt-map = <0 &gic 0 1 4>, <1 0xdead 0 2 4>, <2 &other 3 4>;
  };
  short: nexus-b {
    #interrupt-cells = <1>; #address-cells = <0>;
    interrupt-map = <0 &gic 0 1 4>, <1 &other 3>;
  };
  shorter: nexus-c {
    #interrupt-cells = <1>; #address-cells = <0>;
    interrupt-map = <0 &gic 0 1 4>, <1 &gic 0>;
  };
  a0 { interrupt-parent = <&dangling>; interrupts = <0>; };
  a2 { interrupt-parent = <&dangling>; interrupts = <2>; };
  b1 { interrupt-parent = <&short>; interrupts = <1>; };
};`;

describe('malformed interrupt-maps give the kernel\'s outcome (dtc-compiled)', () => {
  it.skipIf(!haveDtc)(`an unknown phandle ends the map: entries before it work, entries after it fail${noDtcReason}`, () => {
    const t = tree(MALFORMED);
    expect(parse(t, '/a0', 0)).toEqual({ errno: 0, np: '/interrupt-controller@1000', args: [0, 1, 4] });
    expect(parse(t, '/a2', 0).errno).toBe(-Errno.EINVAL);
    expect(suppliers(t, '/nexus-a', 'interrupt-map')).toEqual(['/interrupt-controller@1000']);
    expect(suppliers(t, '/a2', 'interrupts')).toEqual([]);
  });

  it.skipIf(!haveDtc)(`an entry one cell short: accepted by v6.10–v6.12 (reading past the end), rejected before and after${noDtcReason}`, () => {
    const t = tree(MALFORMED);
    expect(suppliers(t, '/nexus-b', 'interrupt-map', '6.12')).toEqual(['/interrupt-controller@1000', '/interrupt-controller@2000']);
    expect(suppliers(t, '/nexus-b', 'interrupt-map', '6.13')).toEqual(['/interrupt-controller@1000']);
    expect(parse(t, '/b1', 0, '6.12')).toEqual({ errno: 0, np: '/interrupt-controller@2000', args: [3, 0] });
    expect(parse(t, '/b1', 0, '6.13').errno).toBe(-Errno.EINVAL);
    // before the shared helper (v6.10) the short entry was caught, with -EFAULT
    expect(parse(t, '/b1', 0, '6.6').errno).toBe(-Errno.EFAULT);
    // two cells short: no version takes it
    expect(ofInterruptMapParent(at(t, '/nexus-c'), 1, b('6.12')).supplier).toBeNull();
  });

  it.skipIf(!haveDtc)(`an interrupt-parent loop, which Linux never leaves, is a typed cycle error${noDtcReason}`, () => {
    const t = tree(`/ { a: a { interrupt-parent = <&b>; }; b: b { interrupt-parent = <&a>; }; d { interrupt-parent = <&a>; interrupts = <1>; }; };`);
    expect(catchError(FirmwareError, () => ofIrqParseOne(at(t, '/d'), 0, b('6.12'))).kind).toBe('cycle');
    const m = tree(`/ { x: x { #interrupt-cells = <1>; #address-cells = <0>; interrupt-map = <1 &y 1>; };
      y: y { #interrupt-cells = <1>; #address-cells = <0>; interrupt-map = <1 &x 1>; };
      d { interrupt-parent = <&x>; interrupts = <1>; }; };`);
    expect(catchError(FirmwareError, () => ofIrqParseOne(at(m, '/d'), 0, b('6.12'))).kind).toBe('cycle');
  });
});

// ---------------------------------------------------------------- what the kernel logs on the walk

const warnText = (r: { reports: readonly PrintkReport[] }) => r.reports.filter((x) => x.kind !== 'debug');
const debugText = (r: { reports: readonly PrintkReport[] }) => r.reports.flatMap((x) => (x.kind === 'debug' ? [x.text] : []));

describe('irq.c log lines, per kernel version (dtc-compiled)', () => {
  it.skipIf(!haveDtc)(`v5.16–v6.9 WARN when a controller's own map matches nothing and the controller is used${noDtcReason}`, () => {
    const t = tree(NEXUS);
    const warn = { kind: 'warn', file: 'drivers/of/irq.c', fn: 'of_irq_parse_raw', text: '/interrupt-controller@2000 interrupt-map failed, using interrupt-controller' };
    expect(warnText(ofIrqParseOne(at(t, '/c2'), 0, b('5.16')))).toEqual([warn]);
    expect(warnText(ofIrqParseOne(at(t, '/c2'), 0, b('6.9')))).toEqual([warn]);
    // before v5.16 the controller ends the walk before its map is read; v6.10+ fail without a word
    expect(warnText(ofIrqParseOne(at(t, '/c2'), 0, b('5.15')))).toEqual([]);
    expect(warnText(ofIrqParseOne(at(t, '/c2'), 0, b('6.10')))).toEqual([]);
    // a matching entry never warns
    expect(warnText(ofIrqParseOne(at(t, '/c0'), 0, b('6.6')))).toEqual([]);
    // the fw_devlink binding hands the same WARN back with its supplier
    expect(ofIrqSupplier(at(t, '/c2'), 0, b('6.6'))).toEqual({ supplier: at(t, '/interrupt-controller@2000'), reports: [warn] });
  });

  const BIG = `
/ {
  #address-cells = <2>; #size-cells = <1>;
  big: interrupt-controller@1 {
    reg = <0 1 1>; interrupt-controller; #interrupt-cells = <17>; #address-cells = <0>;
  };
  wide: interrupt-controller@2 {
    reg = <0 2 1>; interrupt-controller; #interrupt-cells = <15>;
  };
  nexus: nexus {
    #interrupt-cells = <1>; #address-cells = <0>;
    interrupt-map = <0 &big 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17>;
  };
  d0 { reg = <0 3 1>; interrupt-parent = <&nexus>; interrupts = <0>; };
  d1 { reg = <0 4 1>; interrupt-parent = <&wide>; interrupts = <1 2 3 4 5 6 7 8 9 10 11 12 13 14 15>; };
};`;

  it.skipIf(!haveDtc)(`more than MAX_PHANDLE_ARGS cells: WARN_ON in the function that checks, per version${noDtcReason}`, () => {
    const t = tree(BIG);
    const warnOn = (fn: string) => ({ kind: 'warn-on', file: 'drivers/of/irq.c', fn });
    // a map entry whose parent has 17 #interrupt-cells: checked inline before v6.10 (-EFAULT), by of_irq_parse_imap_parent() after (-EINVAL)
    const old = ofIrqParseOne(at(t, '/d0'), 0, b('6.9'));
    expect([old.errno, warnText(old)]).toEqual([-Errno.EFAULT, [warnOn('of_irq_parse_raw')]]);
    const now = ofIrqParseOne(at(t, '/d0'), 0, b('6.12'));
    expect([now.errno, warnText(now)]).toEqual([-Errno.EINVAL, [warnOn('of_irq_parse_imap_parent')]]);
    // parse_interrupt_map() (v6.10+) reads the same entry through the same helper
    expect(ofInterruptMapParent(at(t, '/nexus'), 0, b('6.12'))).toEqual({ supplier: null, reports: [warnOn('of_irq_parse_imap_parent')] });
    // 15 interrupt cells + the "old linux trick" #address-cells of 2 from the root: of_irq_parse_raw()'s own range check
    for (const v of ['5.12', '6.6', '6.12']) {
      const r = ofIrqParseOne(at(t, '/d1'), 0, b(v));
      expect([r.errno, warnText(r)]).toEqual([-Errno.EFAULT, [warnOn('of_irq_parse_raw')]]);
    }
  });

  it.skipIf(!haveDtc)(`pr_debug() lines only when asked, in the order and wording of each version${noDtcReason}`, () => {
    const t = tree(NEXUS);
    expect(ofIrqParseOne(at(t, '/dev@3000'), 0, b('6.12')).reports).toEqual([]);
    const head = ['OF: of_irq_parse_one: dev=/dev@3000, index=0', 'OF:  parent=/connector, intsize=1', 'OF:  intspec=1',
      'OF: of_irq_parse_raw: ipar=/connector, size=1', 'OF:  -> addrsize=1'];
    const tail = ['OF:  -> new parent: /interrupt-controller@1000', 'OF:  -> got it !'];
    // v6.10+: of_irq_parse_imap_parent() prints the parent's sizes and the length it started from; the caller what is left after a miss
    expect(debugText(ofIrqParseOne(at(t, '/dev@3000'), 0, b('6.12'), true))).toEqual([...head,
      'OF:  -> match=0 (imaplen=16)', 'OF:  -> intsize=3, addrsize=0', 'OF:  -> imaplen=16', 'OF:  -> imaplen=12',
      'OF:  -> match=1 (imaplen=10)', 'OF:  -> intsize=3, addrsize=0', 'OF:  -> imaplen=10', ...tail]);
    // before: the inline loop prints "new" sizes and what is left after every entry
    expect(debugText(ofIrqParseOne(at(t, '/dev@3000'), 0, b('6.6'), true))).toEqual([...head,
      'OF:  -> match=0 (imaplen=16)', 'OF:  -> newintsize=3, newaddrsize=0', 'OF:  -> imaplen=12',
      'OF:  -> match=1 (imaplen=10)', 'OF:  -> newintsize=3, newaddrsize=0', 'OF:  -> imaplen=6', ...tail]);
    // the failure reasons
    expect(debugText(ofIrqParseOne(at(t, '/c1'), 0, b('6.12'), true))).toContain('OF: /interrupt-controller@2000 interrupt-map entry to self');
    expect(debugText(ofIrqParseRaw(null, at(tree(PCI_HOST), '/pcie@10000000'), [1], b('6.12'), true))).toContain('OF:  -> no reg passed in when needed !');
  });
});

// ---------------------------------------------------------------- the ARM calibration machine

describe('the arm64 virt truth machine DTB (QEMU, Linux 6.12)', () => {
  const file = resolve(sharedDir(), 'truth/arm64-virt-smmuv3-dt/firmware/guest.dtb.gz');
  const t = new OfTree(decodeFdt(new Uint8Array(gunzipSync(readFileSync(file))), file));
  const pcie = t.allNodes().find((n) => n.hasProperty('interrupt-map') && n.isType('pci'))!;

  it('the PCI host interrupt-map links the host to the GIC only, once per entry (16 entries)', () => {
    expect(suppliers(t, pcie.path, 'interrupt-map')).toEqual(Array<string>(16).fill('/intc@8000000'));
  });

  it('INTx of every slot translates to GIC SPI 3 + (slot + pin - 1) % 4, level high, as QEMU virt builds the map', () => {
    for (let slot = 0; slot < 8; slot++) {
      for (let pin = 1; pin <= 4; pin++) {
        const r = ofIrqParseRaw(u32s([slot << 11, 0, 0]), pcie, [pin], b('6.12'));
        expect([r.errno, r.np?.path, ...r.args]).toEqual([0, '/intc@8000000', 0, 3 + ((slot + pin - 1) % 4), 4]);
      }
    }
  });
});

// ---------------------------------------------------------------- random interrupt trees

const u32s = (cells: readonly number[]): Uint8Array => {
  const v = new Uint8Array(cells.length * 4);
  cells.forEach((c, i) => new DataView(v.buffer).setUint32(i * 4, c));
  return v;
};
const NODES = 6;
// Cells that matter: small counts and specifiers, every phandle (1..NODES) and one that names nothing, huge values.
const cell = fc.oneof(fc.integer({ min: 0, max: NODES + 1 }), fc.constantFrom(0x800, 0x1800, 17, 0xffffffff));
const cellsValue = fc.oneof(
  fc.array(cell, { maxLength: 24 }).map(u32s),
  fc.uint8Array({ maxLength: 7 }), // not a whole number of cells, or too short for one
);
const irqProperty: fc.Arbitrary<DtProperty> = fc.oneof(
  fc.tuple(fc.constantFrom('#interrupt-cells', '#address-cells'), fc.oneof(fc.constantFrom(0, 1, 2, 3, 17, 0xffffffff).map((c) => u32s([c])), fc.uint8Array({ maxLength: 3 })))
    .map(([n, v]) => dtProperty(n, v)),
  fc.constantFrom('interrupt-controller').map((n) => dtProperty(n, new Uint8Array(0))),
  fc.tuple(fc.constantFrom('interrupt-parent'), fc.integer({ min: 0, max: NODES + 1 })).map(([n, h]) => dtProperty(n, u32s([h]))),
  fc.tuple(fc.constantFrom('interrupts', 'interrupts-extended', 'interrupt-map', 'interrupt-map-mask', 'reg'), cellsValue).map(([n, v]) => dtProperty(n, v)),
  fc.constantFrom(dtProperty('status', new TextEncoder().encode('disabled\0')), dtProperty('compatible', new TextEncoder().encode('renesas,rza1-irqc\0'))),
);
// Node i (phandle i + 1) sits under node `parentOf[i]` when that is an earlier node, else under the root.
const randomTree = fc.tuple(
  fc.array(fc.array(irqProperty, { maxLength: 6 }), { minLength: NODES, maxLength: NODES }),
  fc.array(fc.integer({ min: -1, max: NODES - 1 }), { minLength: NODES, maxLength: NODES }),
  fc.array(irqProperty, { maxLength: 3 }),
).map(([props, parentOf, rootProps]) => {
  const kids: DtNode[][] = props.map(() => []);
  const top: DtNode[] = [];
  // Last node first, so a node's children are all built before it is.
  for (let i = NODES - 1; i >= 0; i--) {
    const n = dtNode(`n${i}`, [...props[i]!, dtProperty('phandle', u32s([i + 1]))], kids[i]!);
    const p = parentOf[i]!;
    if (p >= 0 && p < i) kids[p]!.unshift(n);
    else top.unshift(n);
  }
  return new OfTree(deviceTree(dtNode('', rootProps, top)));
});

describe('random interrupt trees (fast-check)', () => {
  it('every walk terminates, returning a result or throwing only the typed cycle error', () => {
    const profiles = ['5.15', '6.6', '6.10', '6.12', '6.13'].map(b);
    fc.assert(fc.property(randomTree, (t) => {
      for (const np of t.allNodes()) {
        for (const beh of profiles) {
          for (let i = 0; i < 4; i++) {
            for (const walk of [
              () => ofIrqParseOne(np, i, beh, true), () => ofIrqSupplier(np, i, beh, true), () => ofInterruptMapParent(np, i, beh, true),
            ]) {
              try {
                const r = walk();
                if (r !== null && 'errno' in r) expect(r.errno === 0 ? r.np !== null : r.np === null).toBe(true);
              } catch (e) {
                if (!(e instanceof FirmwareError) || e.kind !== 'cycle') throw e;
              }
            }
          }
        }
      }
    }), { numRuns: 200 });
  });
});
