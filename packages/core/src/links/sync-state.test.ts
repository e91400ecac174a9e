import { describe, expect, it } from 'vitest';
import type { Device } from '../base/device.js';
import { Errno } from '../errno.js';
import { LogLevel } from '../klog/levels.js';
import { lines, node, ref, World } from '../testing/world.js';

/** A clock provider `clk` with `consumers` (nodes referencing it), recording when sync_state() runs. */
function provider(options: { consumers?: string[]; dt?: boolean; consumerDriver?: boolean; profile?: string; cmdline?: string; moduleConsumer?: boolean } = {}) {
  const w = new World();
  const synced: { device: string; initcall: string }[] = [];
  let current = '';
  const clk = node('clk', null, { compatible: ['acme,clk'], '#clock-cells': [0] });
  const cons = (options.consumers ?? []).map((n) => node(n, null, { clocks: [ref(clk)] }));
  if (options.dt === true) w.at('arch_sync', 'of_platform_default_populate_init', (k) => k.links.syncState.pauseForDevicetree());
  w.at('arch_sync', 'populate', (k) => w.fwDevices(k, clk, ...cons));
  const syncState = (dev: Device): void => void synced.push({ device: dev.name, initcall: current });
  w.at('device', 'clk_init', (k) => k.driverRegister(w.driver('clk', () => 0, { syncState })));
  const consumerDrivers = (options.consumers ?? []).map((n) => w.driver(n));
  if (options.consumerDriver !== false && options.moduleConsumer !== true) w.at('device', 'consumers', (k) => consumerDrivers.forEach((d) => k.driverRegister(d)));
  if (options.moduleConsumer === true) w.module('consumers', consumerDrivers);
  const k = w.kernel({
    profile: options.profile ?? 'linux-6.12',
    cmdline: options.cmdline ?? '',
    ...(options.moduleConsumer === true ? { userspace: [{ kind: 'sleep' as const, ns: 1e9 }, { kind: 'insmod' as const, module: 'consumers' }] } : {}),
  });
  k.trace$.subscribe((e) => { if (e.type === 'initcall') current = e.name; if (e.type === 'userspace') current = e.step; });
  k.boot();
  return { k, synced };
}

describe('sync_state() (spec §8)', () => {
  it('with a devicetree, a supplier with no consumers gets sync_state() at late_initcall_sync, not at bind (pitfall 12)', () => {
    const { synced } = provider({ dt: true });
    expect(synced).toEqual([{ device: 'clk', initcall: 'of_platform_sync_state_init' }]);
  });

  it('without a devicetree the count only needs the core\'s late_initcall resume', () => {
    const { synced } = provider();
    expect(synced).toEqual([{ device: 'clk', initcall: 'sync_state_resume_initcall' }]);
  });

  it('waits for every consumer link to be active: a consumer module loaded later releases it', () => {
    const { synced } = provider({ consumers: ['uart'], moduleConsumer: true, dt: true });
    expect(synced).toEqual([{ device: 'clk', initcall: 'insmod consumers' }]);
  });

  it('fw_devlink.sync_state=strict (default): consumers that never come keep it pending, with a warning at the timeout', () => {
    const { k, synced } = provider({ consumers: ['uart'], consumerDriver: false });
    expect(synced).toEqual([]);
    const rec = k.klog.records().find((r) => r.text.includes('sync_state() pending'));
    expect(rec).toMatchObject({ level: LogLevel.WARNING, text: 'clk clk: sync_state() pending due to uart' });
  });

  it('v6.18 prints the pending line at info level', () => {
    const { k } = provider({ consumers: ['uart'], consumerDriver: false, profile: 'linux-6.18' });
    expect(k.klog.records().find((r) => r.text.includes('sync_state() pending'))?.level).toBe(LogLevel.INFO);
  });

  it('fw_devlink.sync_state=timeout forces the call at the deferred-probe timeout', () => {
    const { k, synced } = provider({ consumers: ['uart'], consumerDriver: false, cmdline: 'fw_devlink.sync_state=timeout' });
    expect(synced.map((s) => s.device)).toEqual(['clk']);
    expect(lines(k, 'Timed out. Forcing sync_state()')).toEqual(['clk clk: Timed out. Forcing sync_state()']);
  });

  it('before v6.4 nothing gives up: no pending line, no forced call', () => {
    const { k, synced } = provider({ consumers: ['uart'], consumerDriver: false, profile: 'linux-6.1', cmdline: 'fw_devlink.sync_state=timeout' });
    expect(synced).toEqual([]);
    expect(lines(k, 'sync_state()')).toEqual([]);
  });

  it('writing 1 to state_synced forces it once (v6.4+)', () => {
    const { k, synced } = provider({ consumers: ['uart'], consumerDriver: false, cmdline: 'deferred_probe_timeout=-1' });
    const clk = k.device('clk')!;
    expect(k.writeStateSynced(clk, '0')).toBe(-Errno.EINVAL);
    expect(k.writeStateSynced(clk, '1')).toBe(0);
    expect(k.writeStateSynced(clk, '1')).toBe(-Errno.EINVAL);
    expect(synced.map((s) => s.device)).toEqual(['clk']);
    expect(k.writeStateSynced(k.device('uart')!, '1')).toBe(-Errno.ENOENT);
  });

  it('lets the bus callback win over the driver\'s', () => {
    const w = new World();
    const calls: string[] = [];
    w.bus.syncState = (dev: Device): void => void calls.push(`bus:${dev.name}`);
    w.at('arch_sync', 'populate', (k) => w.addDevices(k, 'p'));
    w.at('device', 'drv', (k) => k.driverRegister(w.driver('p', () => 0, { syncState: (d) => calls.push(`drv:${d.name}`) })));
    w.kernel().boot();
    expect(calls).toEqual(['bus:p']);
  });

  it('warns about an unmatched resume', () => {
    const w = new World();
    w.at('device', 'oops', (kk) => { kk.links.syncState.resume(); });
    const k = w.kernel();
    k.boot();
    expect(lines(k, 'Unmatched sync_state pause/resume!')).toHaveLength(1);
  });
});
