import { describe, expect, it, vi } from 'vitest';
import { defaultMachine } from './default-machine.js';
import { main, summary } from './main.js';

describe('kdsim run (built-in default machine)', () => {
  it('replays the endpoints when the IOMMU module loads and leaves the DSP deferred with its reason', () => {
    const k = defaultMachine().boot();
    expect(k.bindOrder.map((d) => d.name)).toEqual(['5000000.iommu', '6000000.ethernet', '6100000.usb', '6200000.gpu']);
    expect(k.devicesDeferred()).toBe('6300000.dsp\tvendor-dsp: firmware loader not ready\n');
    expect(summary(k)).toContain('platform:6300000.dsp');
    expect(k.dmesg()).toContain('platform 6300000.dsp: deferred probe pending: vendor-dsp: firmware loader not ready');
  });

  it('exits non-zero with a one-line error and a hint for a bad --level', () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(main(['run', '--level', 'loud'])).toBe(2);
    expect(String(err.mock.calls[0]?.[0])).toMatch(/^kdsim: unknown log level 'loud'\nhint: /);
    err.mockRestore();
    out.mockRestore();
  });
});
