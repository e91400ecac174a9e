// Spec driver-core.md §14: the probe-ordering bugs of part 1, each under the
// kernel (or configuration) that had it and under the one that fixed it.
import { describe, expect, it } from 'vitest';
import { driverProbeOnce } from '../base/probe-once.js';
import { Errno } from '../errno.js';
import { KernelModule } from '../init/module.js';
import type { Kernel } from '../kernel.js';
import { LogLevel } from '../klog/levels.js';
import { KernelProfile } from '../profile/profile.js';
import { NSEC_PER_SEC } from '../time/clock.js';
import type { ThreadBody } from '../time/scheduler.js';
import { node, ref, World } from '../testing/world.js';

/** What a boot looked like when initcalls were over (late_initcall_sync) and at the end. */
function atInitcallsEnd(w: World): { bound: (k: Kernel) => Record<string, boolean>; snap: { deferred: string; bound: Set<string> } } {
  const snap = { deferred: '', bound: new Set<string>() };
  w.at('late_sync', 'kdsim_snapshot', (k) => {
    snap.deferred = k.devicesDeferred();
    for (const d of k.devices) if (d.bound) snap.bound.add(d.name);
  });
  return { snap, bound: (k) => Object.fromEntries(k.devices.map((d) => [d.name, d.bound])) };
}

describe('§14.1 Xen grant-DMA "IOMMU" that never gets a driver', () => {
  // virtio-mmio devices with `iommus = <&xen_iommu>`; the OF IOMMU glue (modelled in the
  // virtio driver) defers through driver_deferred_probe_check_state() while no IOMMU is registered.
  function xen(options: { cmdline?: string; stub?: boolean; profile?: string }) {
    const w = new World();
    let k!: Kernel;
    const xenIommu = node('xen-iommu', null, { compatible: ['xen,grant-dma'], '#iommu-cells': [1] });
    const virtio = node('virtio@3000', null, { compatible: ['virtio,mmio'], iommus: [ref(xenIommu, 1)] });
    const withoutIommu: string[] = [];
    w.at('arch_sync', 'populate', (kk) => w.fwDevices(kk, xenIommu, virtio));
    if (options.stub === true) {
      // 1ca55d50e50c: a stub driver at subsys_initcall registers an IOMMU with no ops.
      w.at('subsys', 'grant_dma_iommu_init', (kk) => kk.driverRegister(w.driver('grant-dma-iommu', () => 0, { matchTable: ['xen,grant-dma'] })));
    }
    w.at('device', 'virtio_mmio_init', (kk) => kk.driverRegister(w.driver('virtio-mmio', (dev) => {
      if (k.device('xen-iommu')?.bound === true) return 0;
      const r = k.deferred.checkState(dev);
      if (r === -Errno.EPROBE_DEFER) return k.devErrProbe(dev, r, 'IOMMU not registered');
      withoutIommu.push(dev.name);
      return 0;
    }, { matchTable: ['virtio,mmio'] })));
    const { snap } = atInitcallsEnd(w);
    k = w.kernel({ profile: options.profile ?? 'linux-6.0', cmdline: options.cmdline ?? '' });
    k.boot();
    return { k, snap, withoutIommu, virtio: k.device('3000.virtio')! };
  }

  it('fw_devlink.strict=1, no stub: the device link to the driverless node blocks until the timeout relaxes it', () => {
    const r = xen({ cmdline: 'fw_devlink.strict=1' });
    expect(r.snap.deferred).toBe('3000.virtio\tsim: supplier xen-iommu not ready\n');
    expect(r.virtio.bound).toBe(true);
    expect(r.withoutIommu).toEqual(['3000.virtio']);
    expect(r.k.dmesg()).toContain('virtio-mmio 3000.virtio: deferred probe timeout, ignoring dependency');
  });

  it('without strict, no stub: the IOMMU glue defers until the timer, then the device probes without the IOMMU', () => {
    const r = xen({});
    expect(r.snap.deferred).toBe('3000.virtio\tvirtio-mmio: IOMMU not registered\n');
    expect(r.virtio.bound).toBe(true);
    expect(r.withoutIommu).toEqual(['3000.virtio']);
  });

  it('with deferred_probe_timeout=-1 it waits forever', () => {
    const r = xen({ cmdline: 'fw_devlink.strict=1 deferred_probe_timeout=-1' });
    expect(r.virtio.bound).toBe(false);
  });

  it('fixed: the stub bound at subsys_initcall lets the consumers probe during initcalls', () => {
    for (const cmdline of ['', 'fw_devlink.strict=1']) {
      const r = xen({ stub: true, cmdline });
      expect(r.snap.bound.has('3000.virtio')).toBe(true);
      expect(r.withoutIommu).toEqual([]);
    }
  });
});

describe('§14.2 fw_devlink.strict=1 by default breaks PCIe on HoneyComb LX2K (platform_driver_probe())', () => {
  function honeycomb(cmdline: string) {
    const w = new World();
    const smmu = node('iommu@5000000', null, { compatible: ['arm,smmu-v3'], '#iommu-cells': [1] });
    const pcie = ['pcie@3600000', 'pcie@3800000'].map((n) => node(n, null, {
      compatible: ['fsl,lx2160a-pcie'], 'iommu-map': [ref(smmu, 0, 0, 0x10000)],
    }));
    let result = 0;
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, smmu, ...pcie));
    // The SMMU reference is not usable on this firmware: nothing binds to it.
    w.at('device', 'ls_pcie_g4_init', (k) => {
      result = driverProbeOnce(k, w.driver('layerscape-pcie-gen4', () => 0, { matchTable: ['fsl,lx2160a-pcie'] }));
    });
    const k = w.kernel({ profile: 'linux-6.0', cmdline: `${cmdline} dyndbg="file drivers/base/bus.c +p; file drivers/base/core.c +p"` });
    k.boot();
    return { k, result };
  }

  it('strict: both controllers defer at the link check, nothing bound, the driver is unregistered for good', () => {
    const { k, result } = honeycomb('fw_devlink.strict=1');
    expect(result).toBe(-Errno.ENODEV);
    expect(k.dmesg()).toContain("bus: 'sim': remove driver layerscape-pcie-gen4");
    expect(k.dmesg()).toContain('sim 3600000.pcie: error -EPROBE_DEFER: supplier 5000000.iommu not ready');
    expect(k.device('3600000.pcie')?.bound).toBe(false);
    expect(k.device('3800000.pcie')?.bound).toBe(false);
    // Nothing at the default log level says why.
    expect(k.dmesg({ level: LogLevel.INFO })).not.toContain('pcie');
  });

  it('fixed (strict reverted): iommu-map is optional again and both controllers bind', () => {
    const { k, result } = honeycomb('');
    expect(result).toBe(0);
    expect(k.device('3600000.pcie')?.bound).toBe(true);
    expect(k.device('3800000.pcie')?.bound).toBe(true);
  });
});

describe('§14.3 R-Car: power-domain provider without a struct device', () => {
  function rcar(profile: string, cmdline: string, providerAt: 'early' | 'device' = 'early', syscLinked = true) {
    const w = new World();
    const sysc = node('system-controller@e6180000', null, { compatible: ['renesas,r8a7795-sysc'], '#power-domain-cells': [1] });
    const dmac = node('dma-controller@e7310000', null, { compatible: ['renesas,rcar-dmac'], '#dma-cells': [1] });
    const eth = node('ethernet@e6800000', null, { compatible: ['renesas,etheravb'], dmas: [ref(dmac, 0x10)] });
    if (syscLinked) eth.setProperty('power-domains', [ref(sysc, 32)]);
    // rcar_sysc_pd_init(): genpd providers from an early initcall, never a device for the node.
    w.at(providerAt, 'rcar_sysc_pd_init', (k) => k.fwnodeDevInitialized(sysc));
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, dmac, eth));
    w.at('device', 'ravb_init', (k) => k.driverRegister(w.driver('ravb', () => 0, { matchTable: ['renesas,etheravb'] })));
    const k = w.kernel({ profile, cmdline: `${cmdline} dyndbg="file drivers/base/core.c +p"` });
    k.boot();
    return { k, eth: k.device('e6800000.ethernet')! };
  }

  it('"v5.11 + fw_devlink=on": every consumer of the SYSC waits forever', () => {
    const { k, eth } = rcar('linux-5.11', 'fw_devlink=on deferred_probe_timeout=30');
    expect(eth.bound).toBe(false);
    expect(k.devicesDeferred()).toMatch(/^e6800000\.ethernet\t/);
  });

  it('v5.11: with the SYSC worked around (2dfc564bda4a) and CONFIG_RCAR_DMAC=n, the mandatory dmas supplier still blocks', () => {
    const { eth } = rcar('linux-5.11', 'fw_devlink=on deferred_probe_timeout=-1', 'early', false);
    expect(eth.bound).toBe(false);
    expect(eth.links.suppliers.map((l) => [l.supplier.name, l.status])).toEqual([['e7310000.dma-controller', 'DORMANT']]);
  });

  it('fixed (v5.12+): INITIALIZED providers are not waited for and dmas is optional', () => {
    const { k, eth } = rcar('linux-6.12', '');
    expect(eth.bound).toBe(true);
    expect(k.dmesg()).toContain('sim e6800000.ethernet: Not linking /system-controller@e6180000 - might never become dev');
  });

  it('still blocks when the provider is registered after the consumer device was added (conversion-time rule)', () => {
    const { eth } = rcar('linux-6.12', 'deferred_probe_timeout=-1', 'device');
    expect(eth.bound).toBe(false);
    expect(eth.deferredReason).toBe('sim: wait for supplier /system-controller@e6180000');
  });
});

describe('§14.4 endless deferred-probe loop: a child bound, then -EPROBE_DEFER', () => {
  function merrifield(reordered: boolean) {
    const w = new World();
    let k!: Kernel;
    let children = 0;
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'dwc3', 'extcon'));
    w.at('device', 'drivers', (kk) => {
      kk.driverRegister(w.driver('tusb1210', () => 0, { matchTable: Array.from({ length: 400 }, (_, i) => `ulpi${i}`) }));
      kk.driverRegister(w.driver('dwc3', (dev) => {
        const extcon = k.device('extcon')?.bound === true;
        if (reordered && !extcon) return -Errno.EPROBE_DEFER;
        // The ULPI child is registered and binds at once: a successful bind, so a trigger.
        k.deviceRegister({ name: `ulpi${children++}`, bus: w.bus, parent: k.device(dev.name)! });
        return extcon ? 0 : -Errno.EPROBE_DEFER;
      }));
    });
    w.module('extcon_intel_mrfld', [w.driver('extcon')]);
    k = w.kernel({ maxRetriesPerDevice: 40, userspace: [{ kind: 'insmod', module: 'extcon_intel_mrfld' }] });
    k.boot();
    return { k, children };
  }

  it('buggy probe order: the retry re-triggers itself forever (stopped by kdsim\'s cap)', () => {
    const { k, children } = merrifield(false);
    expect(k.livelocks).toEqual(['dwc3']);
    expect(children).toBeGreaterThan(40);
  });

  it('fixed (optional resources first): one pass of deferrals, bound after the module loads', () => {
    const { k, children } = merrifield(true);
    expect(k.livelocks).toEqual([]);
    expect(k.device('dwc3')?.bound).toBe(true);
    expect(children).toBe(1);
  });
});

describe('§14.5 NFS root fails when dependencies wait for the deferred-probe timeout', () => {
  // v5.7-rc1: 30 s default timeout with modules, and wait_for_device_probe() does not wait for it.
  class Linux57rc1 extends KernelProfile {
    override readonly deferredProbeTimeoutDefault = 30;
    override readonly waitForDeviceProbeWaitsTimeout = false;
    constructor() {
      super('linux-5.7-rc1', { major: 5, minor: 7 });
    }
  }

  /** ip_auto_config() at late_initcall: waits (best-effort from v6.0), then needs the NIC. */
  function ipAutoConfig(result: { ok?: boolean }): KernelModule {
    function* body(k: Kernel): ThreadBody {
      if (k.profile.fwDevlinkBestEffort) yield* k.waitForInitDevicesProbe();
      else yield* k.dd.waitForDeviceProbe();
      result.ok = k.device('e6800000.ethernet')?.bound === true;
      if (result.ok !== true) k.printk(LogLevel.ERR, 'VFS: Unable to mount root fs via NFS.');
    }
    return new KernelModule('ipconfig', { initcalls: [{ level: 'late', name: 'ip_auto_config', fn: body }] });
  }

  it('v5.7-rc1: the NIC waits 30 s for an optional dependency; ip_auto_config() gave up long before', () => {
    const w = new World();
    let k!: Kernel;
    const result: { ok?: boolean } = {};
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'e6800000.ethernet'));
    // The optional dependency goes through an opt-in subsystem (§10).
    w.at('device', 'ravb', (kk) => kk.driverRegister(w.driver('e6800000.ethernet', (dev) => {
      const r = k.deferred.checkState(dev);
      return r === -Errno.EPROBE_DEFER ? r : 0;
    })));
    k = w.kernel({ profile: new Linux57rc1(), builtin: [ipAutoConfig(result)] });
    k.boot();
    expect(result.ok).toBe(false);
    expect(k.device('e6800000.ethernet')?.bound).toBe(true);
    expect(k.dmesg()).toContain('VFS: Unable to mount root fs via NFS.');
  });

  function fwDevlinkNic(profile: string) {
    const w = new World();
    const result: { ok?: boolean } = {};
    // The PHY the NIC lists never gets a driver: an enabled, driverless supplier.
    const phy = node('ethernet-phy@0', null, { compatible: ['acme,phy'], '#phy-cells': [0] });
    const eth = node('ethernet@e6800000', null, { compatible: ['renesas,etheravb'], phys: [ref(phy)] });
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, phy, eth));
    w.at('device', 'ravb', (k) => k.driverRegister(w.driver('ravb', () => 0, { matchTable: ['renesas,etheravb'] })));
    const k = w.kernel({ profile, builtin: [ipAutoConfig(result)] });
    k.boot();
    return { k, result };
  }

  it('v5.19 (no best effort): a fw_devlink dependency on a driverless PHY keeps the NIC down at ip_auto_config() time', () => {
    const { result } = fwDevlinkNic('linux-5.19');
    expect(result.ok).toBe(false);
  });

  it('fixed (v6.0+): wait_for_init_devices_probe() probes the NIC best-effort in time', () => {
    const { k, result } = fwDevlinkNic('linux-6.12');
    expect(result.ok).toBe(true);
    expect(k.dmesg()).toContain('Trying to probe devices needed for running init ...');
    // The link to the driverless supplier is dropped once the NIC bound best-effort.
    expect(k.device('e6800000.ethernet')?.links.suppliers).toEqual([]);
  });
});

describe('§14.6 clock/PM-domain drivers as modules: consumers get -ENODEV at late_initcall', () => {
  function sdm845(profile: string) {
    const w = new World();
    let k!: Kernel;
    const results: number[] = [];
    w.at('arch_sync', 'populate', (kk) => w.addDevices(kk, 'ae00000.mdss', 'af00000.clock-controller'));
    // genpd: the provider is missing → driver_deferred_probe_check_state().
    w.at('device', 'msm_drm', (kk) => kk.driverRegister(w.driver('ae00000.mdss', (dev) => {
      if (k.device('af00000.clock-controller')?.bound === true) return 0;
      const r = k.deferred.checkState(dev);
      results.push(r);
      return r;
    })));
    w.module('dispcc_sdm845', [w.driver('af00000.clock-controller')]);
    k = w.kernel({ profile, userspace: [{ kind: 'sleep', ns: 5 * NSEC_PER_SEC }, { kind: 'insmod', module: 'dispcc_sdm845' }] });
    k.boot();
    return { k, results, mdss: k.device('ae00000.mdss')! };
  }

  it('v4.19: -ENODEV right after initcalls; the consumer fails for good and is not retried when the module loads', () => {
    const { k, results, mdss } = sdm845('linux-4.19');
    expect(results.at(-1)).toBe(-Errno.ENODEV);
    expect(k.dmesg()).toContain('ae00000.mdss ae00000.mdss: ignoring dependency for device, assuming no driver');
    expect(k.device('af00000.clock-controller')?.bound).toBe(true);
    expect(mdss.bound).toBe(false);
  });

  it('fixed (v6.x): the consumer keeps deferring and binds once the module arrives', () => {
    const { results, mdss } = sdm845('linux-6.12');
    expect(results.every((r) => r === -Errno.EPROBE_DEFER)).toBe(true);
    expect(mdss.bound).toBe(true);
  });
});

describe('§14.7 console probe delayed by fw_devlink.strict=1', () => {
  function imx(bestEffort: boolean) {
    const w = new World();
    const sdma = node('dma-controller@30bd0000', null, { compatible: ['fsl,imx8mq-sdma'], '#dma-cells': [3] });
    const uart = node('serial@30860000', null, { compatible: ['fsl,imx6q-uart'], dmas: [ref(sdma, 22, 4, 0)] });
    // of_alias_scan(): the stdout-path node probes best-effort (v6.0).
    if (bestEffort) w.at('early', 'of_alias_scan', (k) => k.fwnodeSetBestEffort(uart));
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, sdma, uart));
    w.at('device', 'imx_uart_init', (k) => k.driverRegister(w.driver('imx-uart', () => 0, { matchTable: ['fsl,imx6q-uart'] })));
    const { snap } = atInitcallsEnd(w);
    let boundAt = -1;
    const k = w.kernel({ profile: 'linux-6.0', cmdline: 'fw_devlink.strict=1' });
    k.trace$.subscribe((e) => { if (e.type === 'bound' && e.device === '30860000.serial') boundAt = e.time; });
    k.boot();
    return { k, snap, boundAt };
  }

  it('strict, plain console node: the UART waits for the deferred-probe timer (10 s)', () => {
    const { snap, boundAt } = imx(false);
    expect(snap.deferred).toBe('30860000.serial\tsim: supplier 30bd0000.dma-controller not ready\n');
    expect(boundAt).toBeGreaterThan(10 * NSEC_PER_SEC);
  });

  it('fixed: the best-effort console node ignores its driverless DMA supplier and binds during initcalls', () => {
    const { k, snap } = imx(true);
    expect(snap.bound.has('30860000.serial')).toBe(true);
    expect(k.device('30860000.serial')?.links.suppliers).toEqual([]);
  });
});

