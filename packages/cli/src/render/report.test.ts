import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LogLevel } from '@kdsim/core';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureIo } from '../testing/capture.js';
import { HOSTILE, linkedMachine } from '../testing/kernels.js';
import { escapeHtml } from './html.js';
import { buildReport } from './report.js';
import { bootTimeline } from './timeline.js';

const CHROMIUM = process.env['KDSIM_CHROMIUM'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const NO_CHROMIUM = haveChromium ? '' : ` [skipped: no Chromium at ${CHROMIUM}; apt-get install -y chromium]`;

const k = linkedMachine().boot();
k.printk(LogLevel.ERR, `firmware says: ${HOSTILE}`);
const html = await buildReport(k, { title: `report of ${HOSTILE}` });
const slices = bootTimeline(k.traceLog).slices.length;

describe('report HTML', () => {
  it('escapes every hostile string: no markup from it survives, one script element only', () => {
    expect(escapeHtml('<a href="x">\'&')).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
    expect(html).not.toMatch(/<img/i);
    expect(html.match(/<script/gi)).toHaveLength(1);
    expect(html).toContain(escapeHtml(`report of ${HOSTILE}`));
  });

  it('is self-contained: no external URL is loaded, a CSP forbids everything but the inline script\'s hash', () => {
    // Escaped text holds no '<', so every match here is a real tag.
    const tags = html.match(/<[a-zA-Z][^>]*>/g) ?? [];
    expect(tags.filter((t) => /\s(?:src|href|xlink:href|action|srcset)\s*=/i.test(t))).toEqual([]);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; [^"]*script-src &#39;sha256-[A-Za-z0-9+/=]+&#39;">/);
  });

  it('kdsim report writes the default machine\'s page', async () => {
    const io = captureIo();
    expect(await main(['report', '--title', 'T'], io)).toBe(0);
    expect(io.out()).toMatch(/^<!DOCTYPE html>[\s\S]*<title>T<\/title>[\s\S]*0000:01:00\.0[\s\S]*<\/html>\n$/);
  });
});

describe.skipIf(!haveChromium)(`report in headless Chromium${NO_CHROMIUM}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('renders the graph and the timeline, runs only its own script, logs no errors and loads nothing', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('request', (r) => {
      if (!r.url().startsWith('data:') && r.url() !== 'about:blank') problems.push(`request: ${r.url()}`);
    });
    await page.setContent(html, { waitUntil: 'load' });

    expect(await page.title()).toBe(`report of ${HOSTILE}`);
    expect(await page.locator('svg.graph g.node').count()).toBe(7);
    const graphBox = await page.locator('svg.graph').boundingBox();
    expect(graphBox?.width).toBeGreaterThan(100);
    expect(await page.locator('svg.timeline rect.tl-slice').count()).toBe(slices);
    expect(await page.locator('svg.timeline .tl-track').count()).toBe(6);
    const bar = await page.locator('svg.timeline rect.tl-slice').first().boundingBox();
    expect(bar?.width).toBeGreaterThan(0);
    expect(await page.locator('svg.timeline .tl-instant').count()).toBeGreaterThan(0);
    // The hostile name is shown as text, in the device table, the graph and the log.
    expect(await page.locator('table.devices td', { hasText: HOSTILE }).allTextContents()).toEqual([HOSTILE]);
    expect(await page.locator('svg.graph text', { hasText: HOSTILE }).allTextContents()).toEqual([`report of ${HOSTILE}`, HOSTILE]); // graph label, device
    expect(await page.locator('#log .l', { hasText: `firmware says: ${HOSTILE}` }).count()).toBe(1);
    expect(await page.locator('img, script:not(:last-of-type)').count()).toBe(0);

    // The report's own script runs (CSP hash correct): clicking a device filters the log by its name.
    await page.locator('svg.graph g.node').filter({ has: page.locator('text', { hasText: /^pmic$/ }) }).click();
    expect(await page.locator('#log-filter').inputValue()).toBe('pmic');
    const visible = await page.locator('#log .l:not([hidden])').allTextContents();
    expect(visible.length).toBeGreaterThan(0);
    expect(visible.every((l) => l.includes('pmic'))).toBe(true);

    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});

describe('report of a replayed ordering', () => {
  it('kdsim report --schedule shows the token and each non-default choice', async () => {
    const example = fileURLToPath(new URL('../../../../docs/examples/xen-grant-dma.yaml', import.meta.url));
    const io = captureIo();
    expect(await main(['report', example, '--schedule', 'k1.AQAB'], io)).toBe(0);
    const page = io.out();
    expect(page).toContain('This boot replayed <code>k1.AQAB</code>');
    expect(page).toMatch(/<ol class="schedule"><li>#\d+ \[[ \d.]+\] landing: [^<]+<\/li><\/ol>/);
    const plain = captureIo();
    expect(await main(['report', example], plain)).toBe(0);
    expect(plain.out()).not.toContain('id="schedule-section"');
  });
});

describe('kdsim report --json and kdsim graph --json', () => {
  it('print their data in the versioned envelope', async () => {
    const report = captureIo();
    expect(await main(['report', '--json'], report)).toBe(0);
    const r = JSON.parse(report.out()) as { schemaVersion: number; command: string; facts: [string, string][]; devices: { name: string }[]; log: string[] };
    expect([r.schemaVersion, r.command]).toEqual([1, 'report']);
    expect(r.facts[0]).toEqual(['kernel', 'linux-6.12']);
    expect(r.devices.map((d) => d.name)).toContain('0000:01:00.0');
    expect(r.log.some((l) => l.includes('Adding to iommu group'))).toBe(true);
    const graph = captureIo();
    expect(await main(['graph', '--json'], graph)).toBe(0);
    expect((JSON.parse(graph.out()) as { command: string }).command).toBe('graph');
  });
});
