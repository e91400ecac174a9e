import { describe, expect, it } from 'vitest';
import { defaultMachine } from './default-machine.js';
import { summary } from './commands/run.js';
import { main } from './main.js';
import { captureIo } from './testing/capture.js';

describe('kdsim run (built-in default machine)', () => {
  it('replays the endpoints when the IOMMU module loads and leaves the DSP deferred with its reason', () => {
    const k = defaultMachine().boot();
    expect(k.bindOrder.map((d) => d.name)).toEqual(['5000000.iommu', '6000000.ethernet', '6100000.usb', '6200000.gpu']);
    expect(k.devicesDeferred()).toBe('6300000.dsp\tvendor-dsp: firmware loader not ready\n');
    expect(summary(k)).toContain('platform:6300000.dsp');
    expect(k.dmesg()).toContain('platform 6300000.dsp: deferred probe pending: vendor-dsp: firmware loader not ready');
  });

  it('exits non-zero with a one-line error and a hint for a bad --level', async () => {
    const io = captureIo();
    expect(await main(['run', '--level', 'loud'], io)).toBe(2);
    expect(io.err()).toMatch(/^kdsim: unknown log level 'loud'\nhint: [^\n]+\n$/);
    expect(io.out()).toBe('');
  });

  it('reports an unknown option as one line and a hint, exit status 2', async () => {
    const io = captureIo();
    expect(await main(['decode', '--frobnicate', 'x'], io)).toBe(2);
    expect(io.err()).toMatch(/^kdsim: unknown option '--frobnicate'\nhint: [^\n]+\n$/);
  });
});
