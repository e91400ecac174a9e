import { describe, expect, it } from 'vitest';
import { KernelCmdline } from './cmdline.js';
import { kernelProfile } from './profile.js';

describe('kernel command line', () => {
  it('parses the parameters kdsim honours, quotes included', () => {
    const c = new KernelCmdline('fw_devlink=permissive fw_devlink.strict=1 fw_devlink.sync_state=timeout deferred_probe_timeout=30 driver_async_probe=a,b iommu.passthrough=0 iommu.strict=1 loglevel=4 dyndbg="file drivers/base/dd.c +p; file drivers/base/core.c +p" virtio_iommu.dyndbg=+p kt.mods=virtio_net,sleep2');
    expect(c.fwDevlink).toBe('permissive');
    expect(c.fwDevlinkStrict).toBe(true);
    expect(c.fwDevlinkSyncState).toBe('timeout');
    expect(c.deferredProbeTimeout).toBe(30);
    expect(c.driverAsyncProbe).toEqual(['a', 'b']);
    expect(c.iommuPassthrough).toBe(false);
    expect(c.iommuStrict).toBe(true);
    expect(c.loglevel).toBe(4);
    expect(c.dyndbg).toEqual(['file drivers/base/dd.c +p; file drivers/base/core.c +p']);
    expect(c.dyndbgModules).toEqual(['virtio_iommu']);
    expect(c.moduleParams.get('kt')?.get('mods')).toBe('virtio_net,sleep2');
    expect(c.diagnostics).toEqual([]);
  });

  it('reports malformed early options and unknown words as the kernel does, without throwing', () => {
    const c = new KernelCmdline('fw_devlink fw_devlink.strict=maybe loglevel=loud frobnicate=1 quiet');
    expect(c.diagnostics.map((d) => d.message)).toEqual([
      "Malformed early option 'fw_devlink'",
      "Malformed early option 'fw_devlink.strict'",
      "Malformed early option 'loglevel'",
      'Unknown kernel command line parameters "frobnicate=1", will be passed to user space.',
    ]);
    expect(c.fwDevlink).toBeUndefined();
  });

  it('keeps an earlier value when a later copy of an early option is malformed', () => {
    const c = new KernelCmdline('iommu.strict=1 iommu.strict=perhaps');
    expect(c.iommuStrict).toBe(true);
    expect(c.diagnostics.map((d) => d.message)).toEqual(["Malformed early option 'iommu.strict'"]);
  });

  it('ignores unrecognised fw_devlink= values and non-numeric deferred_probe_timeout= silently', () => {
    const c = new KernelCmdline('fw_devlink=sometimes deferred_probe_timeout=soon');
    expect(c.fwDevlink).toBeUndefined();
    expect(c.deferredProbeTimeout).toBeUndefined();
    expect(c.diagnostics).toEqual([]);
  });
});

describe('kernel profiles', () => {
  it('derive the driver-core defaults of each version (spec §12.2)', () => {
    const row = (name: string) => {
      const p = kernelProfile(name)!;
      return [p.fwDevlinkDefault, p.deferredProbeTimeoutDefault, p.extendTimeoutOnRegister];
    };
    expect(row('linux-4.19')).toEqual(['none', -1, false]);
    expect(row('linux-5.10')).toEqual(['permissive', 0, false]);
    expect(row('linux-5.15')).toEqual(['on', 0, false]);
    expect(row('linux-5.19')).toEqual(['on', 0, true]);
    expect(row('linux-6.1')).toEqual(['on', 10, true]);
    expect(row('linux-6.12')).toEqual(['rpm', 10, true]);
  });

  it('accepts the usual spellings and rejects nonsense', () => {
    expect(kernelProfile('6.12')?.name).toBe('linux-6.12');
    expect(kernelProfile('v6.6')?.name).toBe('linux-6.6');
    expect(kernelProfile('linux-6.12.117')?.name).toBe('linux-6.12');
    expect(kernelProfile('windows-11')).toBeUndefined();
  });
});

describe('KernelCmdline.parse()', () => {
  it('parses a text once and shares the result, as the constructor would give it', () => {
    const raw = 'fw_devlink=permissive deferred_probe_timeout=10 dyndbg="file drivers/base/dd.c +p" quiet';
    const a = KernelCmdline.parse(raw);
    expect(KernelCmdline.parse(raw)).toBe(a);
    expect(a).toEqual(new KernelCmdline(raw));
    expect(KernelCmdline.parse(`${raw} `)).not.toBe(a);
  });
});
