import { Errno } from '@kdsim/core';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, sharedDir } from '@kdsim/testing';
import { dtIommuTopology } from './dt-topology.js';
import { parseDts } from './dts-compile.js';
import { decodeFdt } from './fdt-decode.js';
import { OfTree } from './of.js';
import { ofMapId } from './of-map-id.js';

/** A compact, comparable view of the topology: what the README tables say. */
function table(file: string) {
  const topo = dtIommuTopology(decodeFdt(fixture(`dt/${file}`), file));
  return topo.iommus.map((i) => ({
    iommu: i.node.path,
    coherent: i.coherent,
    masters: i.masters.map((m) => ({ endpoint: m.node.path, ids: m.ids, coherent: m.coherent })),
    rids: i.idRanges.map((r) => ({ bus: r.bus.path, rids: [r.first, r.last], ids: [r.idFirst, r.idLast], coherent: r.coherent })),
  }));
}

/** The functions of a QEMU `info pci` dump as RIDs (bus << 8 | dev << 3 | fn). */
function enumerated(file: string): { bdf: string; rid: number }[] {
  const text = readFileSync(resolve(sharedDir(), 'fixtures/dt', file), 'utf8');
  return [...text.matchAll(/Bus\s+(\d+), device\s+(\d+), function (\d+):/g)].map((m) => {
    const [b, d, f] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const bdf = `${b.toString(16).padStart(2, '0')}:${d.toString(16).padStart(2, '0')}.${f}`;
    return { bdf, rid: (b << 8) | (d << 3) | f };
  });
}

/** Which IOMMU (and ID) each enumerated function resolves to through the host bridge's iommu-map. */
function pciRows(dtb: string, infoPci: string): Record<string, string> {
  const of = new OfTree(decodeFdt(fixture(`dt/${dtb}`)));
  const host = of.findNodeByPath('/pcie@10000000')!;
  const out: Record<string, string> = {};
  for (const { bdf, rid } of enumerated(infoPci)) {
    const m = ofMapId(host, rid, 'iommu-map', 'iommu-map-mask');
    out[bdf] = m.errno === 0 && m.target !== null ? `${m.target.path} [0x${m.id.toString(16)}]` : 'none';
  }
  return out;
}

describe('DT IOMMU topology reproduces fixtures/README.md', () => {
  it('qemu72-virt-plain: no IOMMU; the host bridge and every virtio-mmio transport are untranslated', () => {
    expect(table('qemu72-virt-plain.dtb')).toEqual([]);
    expect(pciRows('qemu72-virt-plain.dtb', 'qemu72-virt-plain.info-pci.txt')).toEqual({ '00:00.0': 'none' });
  });

  it('qemu72-virt-smmuv3: /smmuv3@9050000 gets RIDs 0x0000–0xFFFF as StreamIDs 0x0000–0xFFFF; 00:00.0 → [0x0000]', () => {
    expect(table('qemu72-virt-smmuv3.dtb')).toEqual([{
      iommu: '/smmuv3@9050000', coherent: true, masters: [],
      rids: [{ bus: '/pcie@10000000', rids: [0x0, 0xffff], ids: [0x0, 0xffff], coherent: true }],
    }]);
    expect(pciRows('qemu72-virt-smmuv3.dtb', 'qemu72-virt-smmuv3.info-pci.txt')).toEqual({ '00:00.0': '/smmuv3@9050000 [0x0]' });
  });

  it('qemu72-virt-virtio-iommu: RIDs 0x0–0x7 and 0x9–0xFFFF → /pcie@10000000/virtio_iommu@1,0; 00:01.0 none', () => {
    expect(table('qemu72-virt-virtio-iommu.dtb')).toEqual([{
      iommu: '/pcie@10000000/virtio_iommu@1,0', coherent: true, masters: [],
      rids: [
        { bus: '/pcie@10000000', rids: [0x0, 0x7], ids: [0x0, 0x7], coherent: true },
        { bus: '/pcie@10000000', rids: [0x9, 0xffff], ids: [0x9, 0xffff], coherent: true },
      ],
    }]);
    expect(pciRows('qemu72-virt-virtio-iommu.dtb', 'qemu72-virt-virtio-iommu.info-pci.txt')).toEqual({
      '00:00.0': '/pcie@10000000/virtio_iommu@1,0 [0x0]', '00:01.0': 'none',
    });
  });

  it('qemu72-virt-smmuv3-bypass: the SMMU exists but has no masters; 00:00.0 and 00:01.0 are untranslated', () => {
    expect(table('qemu72-virt-smmuv3-bypass.dtb')).toEqual([{ iommu: '/smmuv3@9050000', coherent: true, masters: [], rids: [] }]);
    expect(pciRows('qemu72-virt-smmuv3-bypass.dtb', 'qemu72-virt-smmuv3-bypass.info-pci.txt')).toEqual({ '00:00.0': 'none', '00:01.0': 'none' });
  });

  it('linux-example-virtio-mmio-iommu: /iommu@3100 → /virtio@3000 [23], non-coherent', () => {
    expect(table('linux-example-virtio-mmio-iommu.dtb')).toEqual([{
      iommu: '/iommu@3100', coherent: false, masters: [{ endpoint: '/virtio@3000', ids: [23], coherent: false }], rids: [],
    }]);
  });

  it('xen-grant-dma-mmio: /xen_iommu (xen,grant-dma) → /virtio@3000 [1]', () => {
    expect(table('xen-grant-dma-mmio.dtb')).toEqual([{
      iommu: '/xen_iommu', coherent: false, masters: [{ endpoint: '/virtio@3000', ids: [1], coherent: false }], rids: [],
    }]);
    const topo = dtIommuTopology(decodeFdt(fixture('dt/xen-grant-dma-mmio.dtb')));
    expect(topo.iommus[0]).toMatchObject({ cells: 1, available: true, compatible: ['xen,grant-dma'] });
  });
});

describe('DT IOMMU topology of defective trees', () => {
  const topo = (body: string) => dtIommuTopology(parseDts(`/dts-v1/;\n/ {\n${body}\n};\n`, { preprocess: false }));

  it('drops the shadowed part of a later overlapping iommu-map entry (first match wins)', () => {
    const t = topo(`
      a: a { #iommu-cells = <1>; };
      b: b { #iommu-cells = <1>; };
      host { iommu-map = <0x10 &a 0x0 0x10>, <0x0 &b 0x100 0x40>; };`);
    expect(t.iommus.map((i) => [i.node.path, i.idRanges.map((r) => [r.first, r.last, r.idFirst, r.idLast])])).toEqual([
      ['/a', [[0x10, 0x1f, 0x0, 0xf]]],
      ['/b', [[0x0, 0xf, 0x100, 0x10f], [0x20, 0x3f, 0x120, 0x13f]]],
    ]);
  });

  it('reports entries Linux cannot use', () => {
    const t = topo(`
      a: a { #iommu-cells = <1>; };
      m1 { iommus = <&a 1>, <0x4242 2>, <&a 3>; };
      m2 { iommus = <0>; };
      h1 { iommu-map = <0 &a 0>; };
      h2 { iommu-map = <0x0 &a 0x0 0x10>, <0x100 &a 0x0 0x10>; iommu-map-mask = <0xff>; };
      h3 { iommu-map = <0xffff0000 &a 0x0 0x10000>; };`);
    expect(t.iommus[0]!.masters.map((m) => [m.node.path, m.ids])).toEqual([['/m1', [1]]]);
    expect(t.iommus[0]!.idRanges.map((r) => [r.bus.path, r.first, r.last])).toEqual([['/h2', 0, 0xf]]);
    expect(t.problems.map((p) => [p.path, p.property, p.errno])).toEqual([
      ['/m1', 'iommus', -Errno.EINVAL], ['/m2', 'iommus', -Errno.ENOENT],
      ['/h1', 'iommu-map', -Errno.EINVAL], ['/h2', 'iommu-map', -Errno.EFAULT],
    ]);
  });
});
