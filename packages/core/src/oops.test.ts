import { describe, expect, it } from 'vitest';
import type { Kernel } from './kernel.js';
import { World } from './testing/world.js';

// An oops ends the context that hit it (die() -> do_exit()), and only that one.
describe('kernel BUG() (Kernel.bug())', () => {
  const buggy = (k: () => Kernel) => (): number => k().bug('drivers/test/buggy.c', 42);

  it('in module_init() kills the insmod process: userspace goes on with the next module', () => {
    const w = new World();
    let k!: Kernel;
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'bad', 'good'));
    w.module('bad_mod', [w.driver('bad', buggy(() => k))]);
    w.module('good_mod', [w.driver('good')]);
    k = w.kernel({ userspace: [{ kind: 'insmod', module: 'bad_mod' }, { kind: 'insmod', module: 'good_mod' }] });
    k.boot();
    expect(k.dmesg()).toContain('------------[ cut here ]------------\n');
    expect(k.dmesg()).toContain('kernel BUG at drivers/test/buggy.c:42!\n');
    expect(k.dmesg()).toContain('Internal error: Oops - BUG: 00000000f2000800 [#1] SMP\n');
    expect(k.device('bad')!.bound).toBe(false);
    expect(k.device('good')!.bound).toBe(true);
    expect(k.runResult?.end).toBe('idle');
  });

  it('in an async probe ends that worker only; on x86 it is an invalid opcode trap', () => {
    const w = new World();
    let k!: Kernel;
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'bad', 'good'));
    w.at('device', 'drivers', (kk) => {
      kk.driverRegister(w.driver('bad', buggy(() => k), { probeType: 'prefer-async' }));
      kk.driverRegister(w.driver('good', undefined, { probeType: 'prefer-async' }));
    });
    k = w.kernel({ config: { arch: 'x86_64' } });
    k.boot();
    expect(k.dmesg()).toContain('invalid opcode: 0000 [#1] SMP NOPTI\n');
    expect(k.device('good')!.bound).toBe(true);
    expect(k.oopses).toBe(1);
  });

  it('in an initcall kills the init task, which panics: nothing runs after it', () => {
    const w = new World();
    let k!: Kernel;
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'bad', 'late'));
    w.at('device', 'drivers', (kk) => kk.driverRegister(w.driver('bad', buggy(() => k))));
    w.at('late', 'late_drivers', (kk) => kk.driverRegister(w.driver('late')));
    k = w.kernel();
    k.boot();
    expect(k.dmesg()).toContain('Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b');
    expect(k.runResult?.end).toBe('panic');
    expect(k.device('late')!.bound).toBe(false);
    expect(k.initDone).toBe(false);
  });
});
