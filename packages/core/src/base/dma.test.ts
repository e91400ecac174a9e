import { describe, expect, it } from 'vitest';
import { KernelModule } from '../init/module.js';
import { Kernel } from '../kernel.js';
import type { Device } from './device.js';
import { DmaConfigure, NoDmaConfigure } from './dma.js';

/** A DmaConfigure that defers every device (an IOMMU that never registers). */
class Deferring extends DmaConfigure {
  configure(_dev: Device): number {
    return -517;
  }

  cleanup(_dev: Device): void {}
}

const rebinding = (name: string): KernelModule =>
  new KernelModule(name, { services: ({ rebind }) => { rebind(DmaConfigure).toConstantValue(new Deferring()); } });

describe('Kernel.dmaConfigure (what every bus dma_configure() calls)', () => {
  it('is the no-IOMMU default when nothing rebinds it', () => {
    const k = new Kernel();
    expect(k.dmaConfigure).toBeInstanceOf(NoDmaConfigure);
  });

  it('is what a built-in module or the configure hook bound', () => {
    expect(new Kernel({ builtin: [rebinding('iommu_core')] }).dmaConfigure).toBeInstanceOf(Deferring);
    expect(new Kernel({ configure: (c) => { c.rebind(DmaConfigure).toConstantValue(new Deferring()); } }).dmaConfigure).toBeInstanceOf(Deferring);
  });

  it('follows a module loaded later that rebinds it, even after it was asked for', () => {
    const k = new Kernel({ modules: [rebinding('late_iommu')], userspace: [{ kind: 'insmod', module: 'late_iommu' }] });
    expect(k.dmaConfigure).toBeInstanceOf(NoDmaConfigure);
    k.boot();
    expect(k.dmaConfigure).toBeInstanceOf(Deferring);
  });
});
