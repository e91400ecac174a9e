import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main as runMain } from './main.js';
import { captureIo } from './testing/capture.js';
import { SOC_EXAMPLE } from './testing/default.js';

let out = '';
let err = '';
/** Runs the command with captured streams; `out`/`err` hold what it wrote. */
async function main(argv: string[]): Promise<number> {
  const io = captureIo();
  const code = await runMain(argv, io);
  out = io.out();
  err = io.err();
  return code;
}

// A consumer with a strict-only supplier (`iommus`) whose driver never comes.
const STRICT = `name: strict iommus
machine:
  nodes:
    - name: iommu@5000000
      properties: { compatible: "vendor,smmu", "#iommu-cells": 1 }
    - name: pcie@3600000
      properties: { compatible: "vendor,pcie", iommus: { ref: /iommu@5000000, args: [1] } }
kernel:
  drivers: [{ name: vendor-pcie, compatible: ["vendor,pcie"] }]
  builtin: [vendor-pcie]
expect:
  bound: { 3600000.pcie: vendor-pcie }
`;

function tmp(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kdsim-cli-'));
  for (const [n, t] of Object.entries(files)) writeFileSync(join(dir, n), t);
  return dir;
}

describe('kdsim run', () => {
  it('runs the built-in default scenario: q35 endpoints replayed FIFO when virtio_iommu registers, groups in that order', async () => {
    expect(await main(['run'])).toBe(0);
    expect(out).toContain('expectations: 20 passed, 0 failed');
    expect(out).toContain('devices_deferred:\n  (none)\n');
    expect(out).toContain('iommu groups:\n  0: 0000:00:05.0\n  1: 0000:00:03.0\n  2: 0000:00:04.0\n');
    expect(out).toContain('pcieport 0000:00:05.0: Adding to iommu group 0');
    expect(out).not.toContain('really_probe');
  });

  it('runs the software-node SoC example: the DSP still pending when the timeout fires', async () => {
    expect(await main(['run', SOC_EXAMPLE])).toBe(0);
    expect(out).toMatch(/devices_deferred:\n {2}6300000\.dsp\tvendor-dsp: firmware loader not ready\n/);
    expect(out).toContain('platform 6300000.dsp: deferred probe pending: vendor-dsp: firmware loader not ready');
  });

  it('exits 1 when an expectation fails and names it', async () => {
    const dir = tmp({ 's.yaml': STRICT });
    // Strict: the driverless IOMMU blocks the consumer; with no timeout fw_devlink never relaxes the link (spec §14.1, §5.5).
    expect(await main(['run', join(dir, 's.yaml'), '--policy', 'fw_devlink=strict', '--policy', 'deferred_probe_timeout=never'])).toBe(1);
    expect(out).toMatch(/FAIL bound 3600000\.pcie \(line 12\): expected bound to vendor-pcie, is deferred/);
    expect(await main(['run', join(dir, 's.yaml')])).toBe(0);
  });

  it('exits 2 on user errors with one line and a hint', async () => {
    expect(await main(['run', '/nonexistent/x.yaml'])).toBe(2);
    expect(err).toMatch(/^kdsim: \/nonexistent\/x\.yaml: \/: cannot read the scenario: .*\nhint: /);
    err = '';
    expect(await main(['run', '--level', 'loud'])).toBe(2);
    expect(err).toMatch(/^kdsim: unknown log level 'loud'\nhint: /);
    err = '';
    expect(await main(['run', '--policy', 'nonsense'])).toBe(2);
    expect(err).toMatch(/^kdsim: bad --policy 'nonsense'\nhint: /);
  });

  it('prints JSON with a schemaVersion', async () => {
    expect(await main(['run', '--json'])).toBe(0);
    const doc = JSON.parse(out) as { schemaVersion: number; passed: boolean; deferred: unknown[]; groups: string[][] };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.passed).toBe(true);
    expect(doc.deferred).toEqual([]);
    expect(doc.groups[0]).toEqual(['0000:00:05.0']);
  });
});

describe('kdsim test, diff and views', () => {
  it('runs a directory and writes a JUnit report', async () => {
    const dir = tmp({ 'a.yaml': STRICT, 'b.yaml': STRICT.replace('bound: { 3600000.pcie: vendor-pcie }', 'bound: { 3600000.pcie: null }'), 'c.yaml': 'name: [' });
    const junit = join(dir, 'junit.xml');
    expect(await main(['test', dir, '--junit', junit])).toBe(2);
    expect(out).toMatch(/^RESULT +FILE +SCENARIO\nPASS +a\.yaml +strict iommus\nFAIL +b\.yaml +strict iommus\n/);
    expect(out).toContain('1 passed, 1 failed, 1 errors');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuites name="kdsim" tests="3" failures="1" errors="1">/);
    expect(xml).toContain('<failure type="bound" message="expected unbound, bound to vendor-pcie">');
  });

  it('diffs two policy variants device by device', async () => {
    const dir = tmp({ 's.yaml': STRICT });
    expect(await main(['diff', join(dir, 's.yaml'), '--a', 'fw_devlink=nostrict', '--b', 'fw_devlink=strict,deferred_probe_timeout=never', '--json'])).toBe(0);
    const doc = JSON.parse(out) as { rows: unknown[] };
    expect(doc.rows).toEqual([
      { subject: '3600000.pcie', field: 'driver', a: 'vendor-pcie', b: null },
      { subject: '3600000.pcie', field: 'deferred', a: null, b: 'platform: supplier 5000000.iommu not ready' },
    ]);
  });

  it('shows devices, deferred, devlinks and needs of a scenario', async () => {
    expect(await main(['devices', '--json', '/dev/null/none.yaml'])).toBe(2);
    out = '';
    const dir = tmp({ 's.yaml': STRICT });
    expect(await main(['deferred', join(dir, 's.yaml'), '--policy', 'fw_devlink=strict', '--policy', 'deferred_probe_timeout=never'])).toBe(0);
    expect(out).toBe('3600000.pcie\tplatform: supplier 5000000.iommu not ready\n');
    out = '';
    expect(await main(['devlinks', join(dir, 's.yaml'), '--json'])).toBe(0);
    expect(JSON.parse(out)).toEqual({ schemaVersion: 1, command: 'devlinks', devlinks: [] });
    out = '';
    expect(await main(['needs', join(dir, 's.yaml'), '3600000.pcie', '-t'])).toBe(0);
    expect(out).toBe('"ROOT" "3600000.pcie"\n');
  });
});

describe('kdsim (conventions)', () => {
  it('includes the driver-core debug lines only with --debug', async () => {
    expect(await main(['run'])).toBe(0);
    expect(out).not.toContain('really_probe');
    expect(await main(['run', '--debug'])).toBe(0);
    expect(out).toContain('really_probe: probing driver');
  });

  it('reports an unknown option as one line and a hint, exit status 2', async () => {
    expect(await main(['decode', '--frobnicate', 'x'])).toBe(2);
    expect(err).toMatch(/^kdsim: unknown option '--frobnicate'\nhint: [^\n]+\n$/);
  });
});
