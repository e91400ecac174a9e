// The choice points an explorer can drive: each one is what real timing (or the
// build's link order) decides, option 0 is today's behaviour, and a replayed
// decision list reproduces a boot.
import { describe, expect, it } from 'vitest';
import { Errno } from '../errno.js';
import { parseModuleTimeline } from '../init/userspace.js';
import type { Kernel } from '../kernel.js';
import { NSEC_PER_SEC } from './clock.js';
import { InOrderStrategy, ReplayStrategy, ScheduleStrategy, type ChoicePoint } from './strategy.js';
import { World } from '../testing/world.js';

/** Records every choice point and answers from a list (0 after it). */
class Recording extends ScheduleStrategy {
  readonly points: ChoicePoint[] = [];
  #i = 0;
  constructor(readonly answers: readonly number[] = []) {
    super();
  }
  choose(point: ChoicePoint): number {
    this.points.push(point);
    return this.answers[this.#i++] ?? 0;
  }
}

function registrationWorld(): World {
  const w = new World();
  w.at('arch_sync', 'populate', (k) => w.addDevices(k, 'a', 'b', 'c'));
  for (const n of ['a', 'b', 'c']) w.at('device', `${n}_init`, (k) => k.driverRegister(w.driver(n)));
  return w;
}

describe('initcall order within a level', () => {
  it('is a choice among the built-in initcalls still to run; option 0 keeps link order', () => {
    const s = new Recording();
    const w = registrationWorld();
    w.kernel({ strategy: s }).boot();
    const device = s.points.filter((p) => p.kind === 'initcall');
    expect(device.map((p) => p.options)).toEqual([['a_init', 'b_init', 'c_init'], ['b_init', 'c_init']]);
    expect(w.probes).toEqual(['a', 'b', 'c']);
  });

  it('picking the last one first changes the registration (and probe) order', () => {
    const w = registrationWorld();
    // Initcall choices only: level `device` is the only one with more than one built-in initcall.
    w.kernel({ strategy: new ReplayStrategy([2, 1]) }).boot();
    expect(w.probes).toEqual(['c', 'b', 'a']);
  });

  it("keeps the driver core's own late initcalls first", () => {
    const w = new World();
    w.at('late', 'x_late', () => undefined).at('late', 'y_late', () => undefined);
    const s = new Recording();
    w.kernel({ strategy: s }).boot();
    expect(s.points.filter((p) => p.kind === 'initcall').map((p) => p.options)).toEqual([['x_late', 'y_late']]);
  });
});

/** A consumer `c` whose driver (built in) needs supplier `s`; the supplier's driver is module `smod`. */
function supplierModuleWorld(): { w: World; boot: (k: Kernel) => Kernel } {
  const w = new World();
  let kernel!: Kernel;
  w.at('arch_sync', 'populate', (k) => w.addDevices(k, 's', 'c'));
  w.at('device', 'c_init', (k) => k.driverRegister(w.driver('c', (dev) => {
    if (kernel.device('s')?.bound === true) return 0;
    const r = kernel.deferred.checkState(dev);
    return r === -Errno.EPROBE_DEFER ? kernel.devErrProbe(dev, r, 'supplier s missing') : 0;
  })));
  w.module('smod', [w.driver('s')]);
  w.module('other', [w.driver('unrelated')]);
  return { w, boot: (k) => { kernel = k; return k.boot(); } };
}

describe('userspace landing and module order', () => {
  it('by default a step lands at once: the module loads before the deferred-probe timeout', () => {
    const { w, boot } = supplierModuleWorld();
    const s = new Recording();
    const k = boot(w.kernel({ strategy: s, cmdline: 'deferred_probe_timeout=10', userspace: parseModuleTimeline('smod') }));
    expect(k.dmesg()).not.toContain('deferred probe timeout, ignoring dependency');
    const landing = s.points.find((p) => p.kind === 'landing');
    expect(landing?.options).toEqual(['insmod smod', 'after deferred_probe_timeout']);
  });

  it('landing after the timer makes the consumer give up on its supplier', () => {
    const { w, boot } = supplierModuleWorld();
    const probe = new Recording();
    boot(w.kernel({ strategy: probe, cmdline: 'deferred_probe_timeout=10', userspace: parseModuleTimeline('smod') }));
    const i = probe.points.findIndex((p) => p.kind === 'landing');
    const answers = probe.points.map((_, j) => (j === i ? 1 : 0));
    const again = supplierModuleWorld();
    const k = again.boot(again.w.kernel({ strategy: new ReplayStrategy(answers), cmdline: 'deferred_probe_timeout=10', userspace: parseModuleTimeline('smod') }));
    expect(k.dmesg()).toContain('c c: deferred probe timeout, ignoring dependency');
    expect(k.loadedModules).toEqual(['smod']);
    expect(k.deferred.timedOut).toBe(true);
    // The timeout fired 10 s after late_initcall; the load landed after it.
    const load = k.scheduler.decisions.find((d) => d.kind === 'landing' && d.chosen === 1);
    expect(load?.time).toBeLessThan(11 * NSEC_PER_SEC);
  });

  it('a run of consecutive loads is one module-order choice; a sleep splits runs', () => {
    const { w, boot } = supplierModuleWorld();
    const s = new Recording([]);
    boot(w.kernel({ strategy: s, userspace: parseModuleTimeline('other,smod,sleep1,other') }));
    expect(s.points.filter((p) => p.kind === 'module-order').map((p) => p.options)).toEqual([['insmod other', 'insmod smod']]);
    const { w: w2, boot: boot2 } = supplierModuleWorld();
    const order = new Recording([]);
    boot2(w2.kernel({ strategy: order, userspace: parseModuleTimeline('other,smod') }));
    const answers = order.points.map((p) => (p.kind === 'module-order' ? 1 : 0));
    const again = supplierModuleWorld();
    const k = again.boot(again.w.kernel({ strategy: new ReplayStrategy(answers), userspace: parseModuleTimeline('other,smod') }));
    expect(k.loadedModules).toEqual(['smod', 'other']);
  });

  it('the default strategy and an explicit all-zero replay give the same klog', () => {
    const a = supplierModuleWorld();
    const k1 = a.boot(a.w.kernel({ strategy: new InOrderStrategy(), userspace: parseModuleTimeline('other,smod,sleep3') }));
    const b = supplierModuleWorld();
    const k2 = b.boot(b.w.kernel({ strategy: new ReplayStrategy(k1.scheduler.decisions.map(() => 0)), userspace: parseModuleTimeline('other,smod,sleep3') }));
    expect(k2.dmesg()).toBe(k1.dmesg());
    expect(k1.scheduler.decisions.every((d) => d.chosen === 0)).toBe(true);
  });
});
