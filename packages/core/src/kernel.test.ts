import type { ContainerModuleLoadOptions } from 'inversify';
import { describe, expect, it } from 'vitest';
import { SimpleBus } from './base/bus.js';
import { DmaConfigure, NoDmaConfigure } from './base/dma.js';
import { KernelModule } from './init/module.js';
import { DeferredProbePolicy, Kernel } from './kernel.js';
import { DeviceLinks } from './links/device-links.js';
import { FwDevlinkPolicy } from './links/policy.js';
import { KernelCmdline } from './profile/cmdline.js';
import { KernelProfile } from './profile/profile.js';

describe('the kernel container', () => {
  it('made on first use, binds the links, policies and services the kernel already runs with', () => {
    const k = new Kernel({ cmdline: 'deferred_probe_timeout=7' });
    const c = k.container;
    expect(k.container).toBe(c);
    expect(c.get(Kernel)).toBe(k);
    expect(c.get(DeviceLinks)).toBe(k.links);
    expect(c.get(FwDevlinkPolicy)).toBe(k.links.policy);
    expect(c.get(KernelProfile)).toBe(k.profile);
    expect(c.get(KernelCmdline)).toBe(k.cmdline);
    expect(c.get(DeferredProbePolicy).initialTimeout()).toBe(7);
    expect(c.get(DmaConfigure)).toBeInstanceOf(NoDmaConfigure);
  });

  it('is used at construction when a built-in module binds services: its rebinding of a policy takes effect', () => {
    class NoTimeout extends DeferredProbePolicy {
      initialTimeout(): number {
        return 0;
      }
    }
    const services = (o: ContainerModuleLoadOptions): void => {
      o.rebind(DeferredProbePolicy).toConstantValue(new NoTimeout());
    };
    const k = new Kernel({ builtin: [new KernelModule('policy', { services })] });
    expect(k.deferred.timeout).toBe(0);
    expect(new Kernel().deferred.timeout).toBeGreaterThan(0);
  });
});

describe('Kernel.device()', () => {
  it('finds a device by dev_name() or by bus:name, whose name may hold colons too', () => {
    const k = new Kernel();
    const pci = new SimpleBus('pci');
    const platform = new SimpleBus('platform');
    k.busRegister(pci);
    k.busRegister(platform);
    const fn = k.deviceRegister({ name: '0000:00:05.0', bus: pci });
    const plat = k.deviceRegister({ name: '9050000.smmuv3', bus: platform });
    const cls = k.deviceRegister({ name: 'smmu3.0x9050000', className: 'iommu' });
    expect(k.device('0000:00:05.0')).toBe(fn);
    expect(k.device('pci:0000:00:05.0')).toBe(fn);
    expect(k.device('platform:9050000.smmuv3')).toBe(plat);
    expect(k.device('iommu:smmu3.0x9050000')).toBe(cls);
    expect(k.device('platform:0000:00:05.0')).toBeUndefined();
    expect(k.device('pci:9050000.smmuv3')).toBeUndefined();
    expect(k.device('pci:0000:00:05')).toBeUndefined();
    k.deviceDel(fn);
    expect(k.device('pci:0000:00:05.0')).toBeUndefined();
  });

  it('answers a name shared by devices on two buses with the first registered, then the next when it goes', () => {
    const k = new Kernel();
    const a = new SimpleBus('a');
    const b = new SimpleBus('b');
    k.busRegister(a);
    k.busRegister(b);
    const first = k.deviceRegister({ name: 'twin', bus: a });
    const second = k.deviceRegister({ name: 'twin', bus: b });
    expect(k.device('twin')).toBe(first);
    k.deviceDel(first);
    expect(k.device('twin')).toBe(second);
    expect(k.device('a:twin')).toBeUndefined();
    // A device added later does not take the place of one registered before it.
    const third = k.deviceRegister({ name: 'twin', bus: a });
    expect(k.device('twin')).toBe(second);
    k.deviceDel(second);
    expect(k.device('twin')).toBe(third);
    k.deviceDel(third);
    expect(k.device('twin')).toBeUndefined();
  });

  it('gives the same answers when devices came and went before the first lookup', () => {
    const k = new Kernel();
    const a = new SimpleBus('a');
    k.busRegister(a);
    const first = k.deviceRegister({ name: 'twin', bus: a });
    const second = k.deviceRegister({ name: 'twin', bus: a });
    k.deviceDel(first);
    expect(k.device('twin')).toBe(second);
    expect(k.device('nothing')).toBeUndefined();
  });
});
