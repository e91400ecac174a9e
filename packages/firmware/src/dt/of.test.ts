import { Errno } from '@kdsim/core';
import { describe, expect, it } from 'vitest';
import { fixture } from '@kdsim/testing';
import { parseDts } from './dts-compile.js';
import { decodeFdt } from './fdt-decode.js';
import { OfTree, type OfNode } from './of.js';
import { ofAddressToResource, ofBusNAddrCells, ofDmaIsCoherent, ofGetAddresses, ofNAddrCells, ofNSizeCells, ofTranslateAddress } from './of-address.js';
import { ofMapId } from './of-map-id.js';
import { ofDeviceIsCompatible, ofMatchNode } from './of-match.js';
import { ofPciFindChildDevice, ofPciGetDevfn, pciDevfn } from './of-pci.js';
import { ofCountPhandleWithArgs, ofParsePhandleWithArgs } from './of-phandle.js';
import { deviceTree, dtNode, dtProperty } from './tree.js';

const tree = (body: string): OfTree => new OfTree(parseDts(`/dts-v1/;\n/ {\n${body}\n};\n`, { file: 't.dts', preprocess: false }));
const at = (t: OfTree, path: string): OfNode => {
  const n = t.findNodeByPath(path);
  if (n === null) throw new Error(`no ${path}`);
  return n;
};

describe('OF live tree (fdt.c, base.c)', () => {
  const t = tree(`
    compatible = "root";
    a: bus@1000 { x = "s"; dev@1,2 { }; };`);

  it('names nodes with their unit address, paths them from /, links parents and children', () => {
    expect(t.root).toMatchObject({ type: 'of', name: '', path: '/', parent: null });
    const bus = at(t, '/bus@1000');
    expect(bus).toMatchObject({ name: 'bus@1000', path: '/bus@1000', parent: t.root });
    expect(bus.children.map((c) => c.path)).toEqual(['/bus@1000/dev@1,2']);
  });

  it('synthesises a missing "name" property from the node name up to the last @ (populate_properties())', () => {
    expect(at(t, '/bus@1000/dev@1,2').nodeName).toBe('dev');
    // a blob may hold names dtc refuses; Linux cuts at the last '@'
    expect(new OfTree(deviceTree(dtNode('', [], [dtNode('a@1@2', [], [])]))).root.children[0]!.nodeName).toBe('a@1');
    expect(at(t, '/bus@1000').propertyNames()).toEqual(['x', 'name']);
    expect(t.root.nodeName).toBe('');
    const named = dtNode('b', [dtProperty('name', new Uint8Array([0x78, 0]))], []);
    expect(new OfTree(deviceTree(dtNode('', [], [named]))).root.children[0]!.nodeName).toBe('x');
  });

  it('reads cells and strings as of_property_read_*() do', () => {
    const u = tree(`
      c = <1 2 3>; odd = [00 00 00 01 02]; s = "a", "bc"; unterminated = [61 62]; empty;`);
    expect(u.root.readU32Array('c')).toEqual([1, 2, 3]);
    expect(u.root.readU32('c', 2)).toBe(3);
    expect(u.root.readU32('c', 3)).toBeUndefined();
    expect(u.root.readU32Array('odd')).toBeUndefined();
    expect(u.root.readU32('odd')).toBe(1);
    expect(u.root.readStringArray('s')).toEqual(['a', 'bc']);
    expect(u.root.readString('s')).toBe('a');
    expect(u.root.readStringArray('unterminated')).toBeUndefined();
    expect(u.root.readStringArray('empty')).toBeUndefined();
    expect(u.root.readU32Array('empty')).toEqual([]);
    expect(u.root.matchString('s', 'bc')).toBe(1);
    expect(u.root.matchString('s', 'zz')).toBe(-61);
    expect(u.root.matchString('nope', 'a')).toBe(-Errno.EINVAL);
  });

  it('decodes `compatible` once: every read gives the same frozen list (bus matches cache by it)', () => {
    const u = tree(`compatible = "vendor,a", "vendor,b"; n { compatible = [61 62]; };`);
    const c = u.root.readStringArray('compatible');
    expect(c).toEqual(['vendor,a', 'vendor,b']);
    expect(u.root.readStringArray('compatible')).toBe(c);
    expect(Object.isFrozen(c)).toBe(true);
    expect(u.root.children[0]!.readStringArray('compatible')).toBeUndefined();
    expect(u.root.children[0]!.readStringArray('compatible')).toBeUndefined();
  });

  it('is available without status or with "okay"/"ok", not with anything else or an empty status', () => {
    const u = tree(`
      n0 { }; n1 { status = "okay"; }; n2 { status = "ok"; }; n3 { status = "disabled"; };
      n4 { status = "fail"; }; n5 { status; }; n6 { status = "okay", "junk"; }; n7 { status = "OKAY"; };`);
    expect(u.root.children.map((c) => c.isAvailable())).toEqual([true, true, true, false, false, false, true, false]);
  });

  it('resolves phandles; 0 never resolves; a duplicate resolves to the first node in pre-order', () => {
    const blob = decodeFdt(fixture('dt/qemu72-virt-smmuv3.dtb'));
    const q = new OfTree(blob);
    expect(q.findNodeByPhandle(0x8004)?.path).toBe('/smmuv3@9050000');
    expect(q.findNodeByPhandle(0)).toBeNull();
    expect(q.root.resolveReference(0x8004)?.path).toBe('/smmuv3@9050000');
    // dtc refuses duplicates, so build the tree by hand
    const ph = (v: number) => dtProperty('phandle', new Uint8Array([0, 0, 0, v]));
    const d = new OfTree(deviceTree(dtNode('', [], [
      dtNode('x', [], [dtNode('deep', [ph(7)], [])]), dtNode('y', [ph(7)], []),
    ])));
    expect(d.findNodeByPhandle(7)?.path).toBe('/x/deep');
  });
});

describe('phandle lists (base.c: __of_parse_phandle_with_args())', () => {
  const t = tree(`
    i1: iommu1 { #iommu-cells = <1>; };
    i2: iommu2 { #iommu-cells = <2>; };
    nocells: nocells { };
    big: big { #iommu-cells = <20>; };
    ok { iommus = <&i1 5>, <0>, <&i2 6 7>; };
    dangling { iommus = <&i1 5 0x99 1>; };
    missing { iommus = <&i1 5 &nocells 1>; };
    short { iommus = <&i1 5 &i2 1>; };
    many { iommus = <&big 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20>; };`);
  const parse = (path: string, index: number) => ofParsePhandleWithArgs(at(t, path), 'iommus', '#iommu-cells', -1, index);

  it('returns the target and its #iommu-cells arguments', () => {
    expect(parse('/ok', 0)).toMatchObject({ errno: 0, node: at(t, '/iommu1'), args: [5] });
    expect(parse('/ok', 2)).toMatchObject({ errno: 0, node: at(t, '/iommu2'), args: [6, 7] });
  });

  it('treats phandle 0 as an empty one-cell entry: -ENOENT when asked for, skipped otherwise', () => {
    expect(parse('/ok', 1).errno).toBe(-Errno.ENOENT);
  });

  it('gives -ENOENT past the end and for a missing property', () => {
    expect(parse('/ok', 3).errno).toBe(-Errno.ENOENT);
    expect(ofParsePhandleWithArgs(at(t, '/ok'), 'nope', '#iommu-cells', -1, 0).errno).toBe(-Errno.ENOENT);
  });

  it('gives -EINVAL at and after a dangling phandle, a target without #cells, or a short entry', () => {
    for (const p of ['/dangling', '/missing', '/short']) {
      expect(parse(p, 0)).toMatchObject({ errno: 0, args: [5] });
      expect(parse(p, 1).errno, p).toBe(-Errno.EINVAL);
      expect(parse(p, 2).errno, p).toBe(-Errno.EINVAL);
    }
    expect(ofCountPhandleWithArgs(at(t, '/short'), 'iommus', '#iommu-cells')).toBe(-Errno.EINVAL);
    expect(ofCountPhandleWithArgs(at(t, '/ok'), 'iommus', '#iommu-cells')).toBe(3);
  });

  it('keeps at most 16 arguments (MAX_PHANDLE_ARGS), and the fwnode API 8', () => {
    expect(parse('/many', 0).args).toHaveLength(16);
    const r = at(t, '/many').getReferenceArgs('iommus', '#iommu-cells', 0, 0);
    expect(r.ok && r.args).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('falls back to a fixed count when #cells is missing and a count is given', () => {
    expect(ofParsePhandleWithArgs(at(t, '/missing'), 'iommus', '#iommu-cells', 1, 1)).toMatchObject({ errno: 0, node: at(t, '/nocells'), args: [1] });
  });

  it('implements fwnode_property_get_reference_args() with fixed and counted arguments', () => {
    const ok = at(t, '/ok');
    expect(ok.getReferenceArgs('iommus', '#iommu-cells', 0, 2)).toEqual({ ok: true, fwnode: at(t, '/iommu2'), args: [6, 7] });
    expect(ok.getReferenceArgs('iommus', null, 1, 0)).toEqual({ ok: true, fwnode: at(t, '/iommu1'), args: [5] });
    expect(ok.getReferenceArgs('iommus', '#iommu-cells', 0, 1)).toEqual({ ok: false, errno: -Errno.ENOENT });
  });
});

describe('of_map_id() arithmetic', () => {
  const t = tree(`
    s1: smmu1 { #iommu-cells = <1>; };
    s2: smmu2 { #iommu-cells = <1>; };
    plain { iommu-map = <0x0 &s1 0x100 0x10>, <0x8 &s2 0x0 0x10>, <0x100 &s2 0x0 0xffffffff>; };
    masked { iommu-map = <0x0 &s1 0x0 0x100>; iommu-map-mask = <0xff>; };
    efault { iommu-map = <0x0 &s1 0x0 0x10>, <0x1000 &s1 0x0 0x10>; iommu-map-mask = <0xff>; };
    wrap { iommu-map = <0xffff0000 &s1 0x0 0x10000>, <0xfffffff0 &s2 0xfffffff0 0x20>; };
    dangling { iommu-map = <0x0 0x77 0x0 0x10>, <0x10 &s1 0x0 0x10>; };
    badlen { iommu-map = <0x0 &s1 0x0>; };
    empty { iommu-map; };
    shortmask { iommu-map = <0x0 &s1 0x0 0x100>; iommu-map-mask = [ff]; };
    nomap { };`);
  const map = (path: string, id: number) => ofMapId(at(t, path), id, 'iommu-map', 'iommu-map-mask');

  it('translates inside a window: out = id - base + out-base; the first matching entry wins', () => {
    expect(map('/plain', 0x3)).toEqual({ errno: 0, target: at(t, '/smmu1'), id: 0x103 });
    expect(map('/plain', 0x9)).toEqual({ errno: 0, target: at(t, '/smmu1'), id: 0x109 });
    expect(map('/plain', 0x10)).toEqual({ errno: 0, target: at(t, '/smmu2'), id: 0x8 });
  });

  it('applies iommu-map-mask to the input (when at least one cell long)', () => {
    expect(map('/masked', 0x1234)).toEqual({ errno: 0, target: at(t, '/smmu1'), id: 0x34 });
    expect(map('/shortmask', 0x1234)).toEqual({ errno: 0, target: null, id: 0x1234 });
  });

  it('returns "no translation" (OK, no target, unmasked id) when nothing matches', () => {
    expect(map('/plain', 0x50)).toEqual({ errno: 0, target: null, id: 0x50 });
    expect(map('/masked', 0x100)).toMatchObject({ errno: 0, target: at(t, '/smmu1'), id: 0 });
  });

  it('fails with -EFAULT only when the scan reaches an id-base outside the mask', () => {
    expect(map('/efault', 0x5)).toMatchObject({ errno: 0, id: 0x5 });
    expect(map('/efault', 0x20).errno).toBe(-Errno.EFAULT);
  });

  it('computes id-base + length in 32 bits: a window reaching 2^32 never matches', () => {
    expect(map('/wrap', 0xffff0001)).toEqual({ errno: 0, target: null, id: 0xffff0001 });
    expect(map('/wrap', 0xfffffff5)).toEqual({ errno: 0, target: null, id: 0xfffffff5 });
  });

  it('resolves the phandle only of the matching entry (-ENODEV when it dangles)', () => {
    expect(map('/dangling', 0x3).errno).toBe(-Errno.ENODEV);
    expect(map('/dangling', 0x13)).toMatchObject({ errno: 0, target: at(t, '/smmu1'), id: 0x3 });
  });

  it('rejects an empty map or one that is not a multiple of 16 bytes with -EINVAL', () => {
    expect(map('/badlen', 0).errno).toBe(-Errno.EINVAL);
    expect(map('/empty', 0).errno).toBe(-Errno.EINVAL);
  });

  it('without a map: -ENODEV when a target is wanted, the id unchanged otherwise', () => {
    expect(map('/nomap', 5).errno).toBe(-Errno.ENODEV);
    expect(ofMapId(at(t, '/nomap'), 5, 'msi-map', 'msi-map-mask', { want: false })).toEqual({ errno: 0, target: null, id: 5 });
  });

  it('with a known target, skips entries for other targets (of_msi_map_id())', () => {
    expect(ofMapId(at(t, '/plain'), 0x9, 'iommu-map', null, { preset: at(t, '/smmu2') })).toEqual({ errno: 0, target: at(t, '/smmu2'), id: 0x1 });
  });
});

describe('addresses (base.c, address.c)', () => {
  const t = tree(`
    #address-cells = <2>;
    #size-cells = <2>;
    soc {
      #address-cells = <1>;
      #size-cells = <1>;
      ranges = <0x0 0x0 0x40000000 0x100000>;
      dev@1000 { reg = <0x1000 0x100 0x2000 0x10>; };
      outside@200000 { reg = <0x200000 0x10>; };
      flat { ranges; #address-cells = <1>; #size-cells = <1>; leaf@10 { reg = <0x10 0x4>; }; };
      closed { #address-cells = <1>; #size-cells = <1>; leaf@10 { reg = <0x10 0x4>; }; };
    };
    nocells { inner { child { reg = <1 2 3 4>; }; }; };`);

  it('reads #address-cells/#size-cells of the parent bus, falling back to ancestors and finally 1/1', () => {
    expect(ofNAddrCells(at(t, '/soc/dev@1000'))).toBe(1);
    expect(ofNAddrCells(at(t, '/soc'))).toBe(2);
    expect(ofNAddrCells(at(t, '/nocells/inner/child'))).toBe(2);
    expect(ofNSizeCells(at(t, '/nocells/inner/child'))).toBe(2);
    const bare = new OfTree(parseDts('/dts-v1/;\n/ { a { b { }; }; };', { preprocess: false }));
    expect(ofBusNAddrCells(at(bare, '/a/b'))).toBe(1);
  });

  it('splits reg into (address, size) pairs with the parent cells', () => {
    expect(ofGetAddresses(at(t, '/soc/dev@1000'))).toEqual([
      { cells: [0x1000], address: 0x1000n, size: 0x100n }, { cells: [0x2000], address: 0x2000n, size: 0x10n }]);
  });

  it('translates through ranges to a CPU address; an empty ranges is 1:1; a missing one stops translation', () => {
    expect(ofAddressToResource(at(t, '/soc/dev@1000'), 1)).toEqual({ start: 0x40002000n, size: 0x10n });
    expect(ofAddressToResource(at(t, '/soc/flat/leaf@10'))).toEqual({ start: 0x40000010n, size: 4n });
    expect(ofAddressToResource(at(t, '/soc/closed/leaf@10'))).toBeUndefined();
    expect(ofTranslateAddress(at(t, '/soc/outside@200000'), [0x200000])).toBeUndefined();
  });

  it('gives the QEMU virtio-mmio transports their MMIO address', () => {
    const q = new OfTree(decodeFdt(fixture('dt/qemu72-virt-plain.dtb')));
    expect(ofAddressToResource(at(q, '/virtio_mmio@a000200'))).toEqual({ start: 0xa000200n, size: 0x200n });
    expect(ofAddressToResource(at(q, '/pcie@10000000'))).toEqual({ start: 0x4010000000n, size: 0x10000000n });
  });
});

describe('of_dma_is_coherent()', () => {
  const t = tree(`
    bus { dma-coherent; dev { }; nc { dma-noncoherent; leaf { }; }; };
    both { dma-coherent; dma-noncoherent; };
    plain { };
    ic: interconnect { #interconnect-cells = <0>; dma-coherent; };
    viaic { interconnects = <&ic>, <&ic>; interconnect-names = "cpu", "dma-mem"; };`);

  it('walks up the DMA parents: the nearest dma-coherent or dma-noncoherent decides', () => {
    expect(ofDmaIsCoherent(at(t, '/bus/dev'))).toBe(true);
    expect(ofDmaIsCoherent(at(t, '/bus/nc/leaf'))).toBe(false);
    expect(ofDmaIsCoherent(at(t, '/both'))).toBe(true);
  });

  it('falls back to the architecture default', () => {
    expect(ofDmaIsCoherent(at(t, '/plain'))).toBe(false);
    expect(ofDmaIsCoherent(at(t, '/plain'), true)).toBe(true);
  });

  it('follows the interconnect named dma-mem instead of the parent', () => {
    expect(ofDmaIsCoherent(at(t, '/viaic'))).toBe(true);
  });

  it('says the QEMU virtio-mmio transports and the PCIe host are coherent, the binding example is not', () => {
    const q = new OfTree(decodeFdt(fixture('dt/qemu72-virt-plain.dtb')));
    expect(ofDmaIsCoherent(at(q, '/virtio_mmio@a003e00'))).toBe(true);
    expect(ofDmaIsCoherent(at(q, '/pcie@10000000'))).toBe(true);
    const l = new OfTree(decodeFdt(fixture('dt/linux-example-virtio-mmio-iommu.dtb')));
    expect(ofDmaIsCoherent(at(l, '/virtio@3000'))).toBe(false);
  });
});

describe('PCI functions and their DT nodes (drivers/pci/of.c)', () => {
  it('finds the virtio-iommu child of the QEMU host bridge by devfn 00:01.0 only', () => {
    const q = new OfTree(decodeFdt(fixture('dt/qemu72-virt-virtio-iommu.dtb')));
    const host = at(q, '/pcie@10000000');
    const viommu = at(q, '/pcie@10000000/virtio_iommu@1,0');
    expect(ofPciGetDevfn(viommu)).toBe(pciDevfn(1, 0));
    expect(ofPciFindChildDevice(host, pciDevfn(1, 0))).toBe(viommu);
    expect(ofPciFindChildDevice(host, pciDevfn(2, 0))).toBeNull();
  });

  it('needs 5 reg cells and looks one level into multifunc-device', () => {
    const t = tree(`
      pci { short { reg = <0x800 0 0 0>; }; multifunc-device { fn@1,1 { reg = <0x900 0 0 0 0>; }; }; };`);
    expect(ofPciGetDevfn(at(t, '/pci/short'))).toBe(-1);
    expect(ofPciFindChildDevice(at(t, '/pci'), pciDevfn(1, 0))).toBeNull();
    expect(ofPciFindChildDevice(at(t, '/pci'), pciDevfn(1, 1))?.path).toBe('/pci/multifunc-device/fn@1,1');
  });
});

describe('compatible matching (__of_device_is_compatible())', () => {
  const t = tree(`
    n@1 { compatible = "vendor,exact", "Generic"; device_type = "pci"; };`);
  const n = at(t, '/n@1');

  it('scores earlier compatible entries higher, case-insensitively, with type and name bonuses', () => {
    expect(ofDeviceIsCompatible(n, 'vendor,exact')).toBe(0x3fffffff);
    expect(ofDeviceIsCompatible(n, 'generic')).toBe(0x3fffffff - 4);
    expect(ofDeviceIsCompatible(n, 'generic', 'pci', 'n')).toBe(0x3fffffff - 4 + 3);
    expect(ofDeviceIsCompatible(n, 'other')).toBe(0);
    expect(ofDeviceIsCompatible(n, 'generic', 'memory')).toBe(0);
    expect(ofMatchNode([{ compatible: 'generic' }, { compatible: 'vendor,exact' }], n)).toEqual({ compatible: 'vendor,exact' });
  });

  it('walks compatible as of_prop_next_string() does: a final unterminated string still matches', () => {
    const bytes = new Uint8Array([...'acme,a\0ACME,B'].map((c) => c.charCodeAt(0)));
    const u = new OfTree(deviceTree(dtNode('', [], [dtNode('u', [dtProperty('compatible', bytes)], [])]))).root.children[0]!;
    expect(ofDeviceIsCompatible(u, 'acme,b')).toBe(0x3fffffff - 4);
    expect(ofDeviceIsCompatible(u, 'ACME,A')).toBe(0x3fffffff);
    // of_property_read_string_helper() refuses the same property.
    expect(u.readStringArray('compatible')).toBeUndefined();
  });
});
