import { describe, expect, it } from 'vitest';
import { bootSocExample, SOC_EXAMPLE } from '../testing/default.js';
import { main } from '../main.js';
import { captureIo } from '../testing/capture.js';
import { HOSTILE, linkedMachine } from '../testing/kernels.js';
import { dotString } from './dot.js';
import { deviceGraph, renderDot, renderSvg, type GraphEdge } from './graph.js';

const k = linkedMachine().boot();
const g = deviceGraph(k);
const link = (from: string, to: string): GraphEdge | undefined => g.edges.find((e) => e.kind === 'link' && e.from === `sim:${from}` && e.to === `sim:${to}`);
// The text of every <text> element of an SVG, entities decoded.
const svgTexts = (svg: string): string[] => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => (m[1] ?? '')
  .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#45;/g, '-').replace(/&#160;/g, ' ').replace(/&#92;/g, '\\').replace(/&amp;/g, '&'));

describe('deviceGraph', () => {
  it('has every registered device with its state, and parent edges from soc', () => {
    expect(g.nodes.map((n) => [n.name, n.state])).toEqual([
      ['soc', 'bound'], ['smmu', 'bound'], ['clk', 'bound'], ['eth', 'bound'], ['camera', 'deferred'], [HOSTILE, 'bound'], ['pmic', 'deferred'],
    ]);
    expect(g.edges.filter((e) => e.kind === 'parent').map((e) => e.to)).toEqual(['sim:smmu', 'sim:clk', 'sim:eth', 'sim:camera', `sim:${HOSTILE}`, 'sim:pmic']);
    expect(g.nodes.find((n) => n.name === 'camera')?.deferredReason).toBe('sim: supplier pmic not ready');
  });

  it('carries each link\'s sysfs status: active once both ends bound, dormant while the supplier never binds, not tracked when stateless', () => {
    expect(link('clk', 'eth')).toMatchObject({ status: 'active', managed: true });
    expect(link('pmic', 'camera')).toMatchObject({ status: 'dormant', managed: true });
    expect(link('smmu', HOSTILE)).toMatchObject({ status: 'not tracked', managed: false });
    // The sync-state-only link soc → clk was dropped when soc bound (core.c: device_links_driver_bound()).
    expect(link('clk', 'soc')).toBeUndefined();
  });

  it('adds IOMMU edges by name or bus:name and drops those naming unknown devices', () => {
    const withIommu = deviceGraph(k, { iommuEdges: [{ iommu: 'smmu', endpoint: 'sim:eth', ids: [0x10] }, { iommu: 'smmu', endpoint: 'nothere' }] });
    expect(withIommu.edges.filter((e) => e.kind === 'iommu')).toEqual([{ kind: 'iommu', from: 'sim:smmu', to: 'sim:eth', ids: [0x10] }]);
  });

  it('--around: depth 0 is the device alone, depth 1 adds its parent and link partners, depth 2 reaches the rest', () => {
    const ids = (depth: number): string[] => deviceGraph(k, { around: 'camera', depth }).nodes.map((n) => n.name);
    expect(ids(0)).toEqual(['camera']);
    expect(ids(1)).toEqual(['soc', 'camera', 'pmic']);
    expect(ids(2)).toHaveLength(7);
    expect(deviceGraph(k, { around: 'camera', depth: 1 }).edges.every((e) => [e.from, e.to].every((x) => ['sim:soc', 'sim:camera', 'sim:pmic'].includes(x)))).toBe(true);
  });
});

describe('DOT', () => {
  it('escapes backslashes, quotes and line breaks, and drops other control characters', () => {
    expect(dotString('a"b\\N\nc\u0007&amp;')).toBe('"a\\"b\\\\N\\nc&amp;amp;"');
  });

  it('groups devices in one cluster per bus and styles links by status', () => {
    const dot = renderDot(g);
    expect(dot.match(/subgraph "cluster_\d+"/g)).toHaveLength(1);
    expect(dot).toContain('graph [label="sim"');
    // Nodes are n0… in registration order: soc, smmu, clk, eth, camera, HOSTILE, pmic.
    expect(dot).toMatch(/n2 -> n3 \[[^\]]*style="solid"[^\]]*label="active 0x/);
    expect(dot).toMatch(/n6 -> n4 \[[^\]]*style="dashed"[^\]]*label="dormant 0x/);
    expect(dot).toMatch(/n1 -> n5 \[[^\]]*style="dotted"[^\]]*label="not tracked 0x1"/);
    expect(dot).toContain('n4 [label="camera\\ndeferred: sim: supplier pmic not ready", class="device deferred"');
  });

  it('renders to SVG with graphviz; the hostile name shows exactly as written and never becomes markup', async () => {
    const svg = await renderSvg(renderDot(deviceGraph(k, { iommuEdges: [{ iommu: 'smmu', endpoint: 'eth', ids: [1] }] })));
    expect(svg).toMatch(/^<\?xml/);
    expect(svgTexts(svg)).toContain(HOSTILE);
    expect(svg).not.toMatch(/<img|<script/i);
    expect(svg.match(/<g id="node\d+" class="node device (bound|deferred)"/g)).toHaveLength(7);
    expect(svg).toContain('class="edge iommu"');
    expect(svg.match(/class="edge link"/g)).toHaveLength(3);
  });

  it('a software-node machine renders too', async () => {
    const svg = await renderSvg(renderDot(deviceGraph(bootSocExample())));
    expect(svgTexts(svg)).toContain('6300000.dsp');
  });
});

describe('kdsim graph', () => {
  const run = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    const io = captureIo();
    const code = await main(['graph', ...argv], io);
    return { code, out: io.out(), err: io.err() };
  };

  it('prints DOT by default, JSON in the envelope with --format json', async () => {
    expect((await run()).out).toMatch(/^digraph "kdsim" \{\n[\s\S]*\n\}\n$/);
    const doc = JSON.parse((await run(SOC_EXAMPLE, '-f', 'json', '--around', '6000000.ethernet', '--depth', '0')).out) as { schemaVersion: number; nodes: { id: string }[] };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.nodes.map((n) => n.id)).toEqual(['platform:6000000.ethernet']);
  });

  it('user errors: bad format and bad depth exit 2, an unknown --around device exits 2 too, one line and a hint each', async () => {
    const bad = await run('-f', 'png');
    expect([bad.code, bad.err]).toEqual([2, "kdsim: unknown graph format 'png'\nhint: use one of dot, svg, json\n"]);
    expect((await run('--depth', 'x')).code).toBe(2);
    const none = await run('--around', 'nope');
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^kdsim: no device 'nope'\nhint: [^\n]+\n$/);
  });
});

describe('kdsim graph on a machine with an IOMMU', () => {
  it('draws an edge from the IOMMU to each endpoint it translates, with the fwspec IDs (VIOT: endpoint ID = RID)', async () => {
    const io = captureIo();
    expect(await main(['graph', '-f', 'json'], io)).toBe(0);
    const g = JSON.parse(io.out()) as { edges: { kind: string; from: string; to: string; ids: number[] }[] };
    const iommu = g.edges.filter((e) => e.kind === 'iommu').map((e) => `${e.from}→${e.to}:${e.ids.join(',')}`).sort();
    expect(iommu).toEqual([
      'pci:0000:00:02.0→pci:0000:00:00.0:0', 'pci:0000:00:02.0→pci:0000:00:03.0:24', 'pci:0000:00:02.0→pci:0000:00:04.0:32',
      'pci:0000:00:02.0→pci:0000:00:05.0:40', 'pci:0000:00:02.0→pci:0000:00:1f.2:250', 'pci:0000:00:02.0→pci:0000:01:00.0:256',
    ]);
  });
});
