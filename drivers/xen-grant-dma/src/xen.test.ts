// Spec driver-core.md §14.1 and iommu-vfio.md §3: the Xen grant-DMA "IOMMU"
// on the authored fixture tree (fixtures/dt/xen-grant-dma-mmio.dtb): a
// `xen,grant-dma` node and a virtio-mmio transport with `iommus = <&xen_iommu 1>`.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Kernel, KernelModule, driverModule, type Device } from '@kdsim/core';
import { ofPlatformModule, platformBusModule, platformBusOf } from '@kdsim/bus-platform';
import { VIRTIO_F, VirtioHardware, features, virtioBusModule, virtioBusOf, virtioDriver, virtioMmioModule } from '@kdsim/bus-virtio';
import { MachineFirmware, OfTree, decodeFdt, parseDts } from '@kdsim/firmware';
import { IommuCore, iommuCoreModule } from '@kdsim/iommu';
import type { XenConfig } from './config.js';
import { grantDmaIommuModule } from './grant-dma-iommu.js';
import { xenGrantDma, xenGrantDmaModule } from './module.js';

function fixture(): Uint8Array {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(resolve(dir, 'package-lock.json'))) dir = dirname(dir);
  return new Uint8Array(readFileSync(resolve(dir, '../shared/fixtures/dt/xen-grant-dma-mmio.dtb')));
}

const GRANT_FEATURES = features(VIRTIO_F.VERSION_1, VIRTIO_F.ACCESS_PLATFORM);

interface Boot {
  readonly k: Kernel;
  /** State when the initcalls were over (late_initcall_sync). */
  readonly atInitEnd: { readonly deferred: string; readonly bound: ReadonlySet<string> };
  readonly transport: Device;
  readonly virtio: () => Device | undefined;
}

function boot(options: {
  stub?: boolean; cmdline?: string; profile?: string; modules?: boolean; xen?: Partial<XenConfig>;
  deviceFeatures?: bigint; dts?: string; deviceId?: number;
} = {}): Boot {
  const tree = new OfTree(options.dts !== undefined ? parseDts(options.dts, { file: 't.dts', preprocess: false }) : decodeFdt(fixture(), 'xen-grant-dma-mmio.dtb'));
  const atInitEnd = { deferred: '', bound: new Set<string>() };
  const snapshot = new KernelModule('snapshot', {
    initcalls: [{ level: 'late_sync', name: 'kdsim_snapshot', fn: (k) => {
      atInitEnd.deferred = k.devicesDeferred();
      for (const d of k.devices) if (d.bound) atInitEnd.bound.add(d.name);
      return 0;
    } }],
  });
  const blk = driverModule('virtio_blk', (k) => [virtioDriver(virtioBusOf(k), { name: 'virtio_blk', idTable: [{ device: 2 }] })]);
  const k = new Kernel({
    profile: options.profile ?? 'linux-6.12',
    cmdline: options.cmdline ?? '',
    config: { arch: 'arm64', modules: options.modules ?? true },
    builtin: [
      platformBusModule, ofPlatformModule(), virtioBusModule, iommuCoreModule(), xenGrantDmaModule(options.xen ?? {}),
      ...(options.stub === true ? [grantDmaIommuModule] : []), virtioMmioModule, blk, snapshot,
    ],
    configure: (c) => {
      c.bind(MachineFirmware).toConstantValue(new MachineFirmware({ of: tree }));
      c.bind(VirtioHardware).toConstantValue(new VirtioHardware({ mmio: [{ base: 0x3000, deviceId: options.deviceId ?? 2, features: options.deviceFeatures ?? GRANT_FEATURES }] }));
    },
  });
  k.boot();
  return { k, atInitEnd, transport: k.device('3000.virtio')!, virtio: () => k.device('virtio0') };
}

describe('§14.1 without the stub: a supplier that never gets a driver', () => {
  it('fw_devlink=on (iommus optional): the OF IOMMU glue defers the transport until the deferred-probe timeout, then it probes without an IOMMU', () => {
    const r = boot();
    expect(r.atInitEnd.bound.has('3000.virtio')).toBe(false);
    expect(r.atInitEnd.deferred).toContain('3000.virtio');
    expect(r.transport.bound).toBe(true);
    expect(r.k.dmesg()).toContain('virtio-mmio 3000.virtio: deferred probe timeout, ignoring dependency');
    expect(r.k.container.get(IommuCore).groupOf(r.transport)).toBeNull();
    // The grant ops do not depend on the IOMMU glue: once the virtio device probes, it uses grants.
    expect(r.virtio()?.bound).toBe(true);
    expect(xenGrantDma(r.k).dataOf(r.transport)).toEqual({ backendDomid: 1, broken: false });
  });

  it('fw_devlink.strict=1: the device link to the driverless xen_iommu blocks the transport until the timeout relaxes it', () => {
    const r = boot({ cmdline: 'fw_devlink.strict=1' });
    expect(r.atInitEnd.deferred).toMatch(/3000\.virtio\t.*supplier xen_iommu not ready/);
    expect(r.transport.bound).toBe(true);
    expect(xenGrantDma(r.k).usesGrantDma(r.transport)).toBe(true);
  });

  it('deferred_probe_timeout=-1: the transport waits forever, with and without strict', () => {
    for (const cmdline of ['deferred_probe_timeout=-1', 'fw_devlink.strict=1 deferred_probe_timeout=-1']) {
      const r = boot({ cmdline });
      expect(r.transport.bound).toBe(false);
      expect(r.virtio()).toBeUndefined();
      expect(r.k.devicesDeferred()).toContain('3000.virtio');
    }
  });

  it('CONFIG_MODULES=n: driver_deferred_probe_check_state() gives up when initcalls end (-ENODEV), no timer needed', () => {
    const r = boot({ modules: false });
    expect(r.atInitEnd.bound.has('3000.virtio')).toBe(true);
    expect(r.k.dmesg()).not.toContain('deferred probe timeout');
  });
});

describe('§14.1 with the stub (1ca55d50e50c, v6.0)', () => {
  it('binds the xen,grant-dma node at subsys_initcall and registers an IOMMU without of_xlate: masters probe during initcalls, with grant DMA, in no group', () => {
    for (const cmdline of ['', 'fw_devlink.strict=1']) {
      const r = boot({ stub: true, cmdline });
      const core = r.k.container.get(IommuCore);
      expect(r.k.device('xen_iommu')?.driver?.name).toBe('grant-dma-iommu');
      expect(core.instances.map((i) => i.ops?.name)).toEqual(['grant-dma-iommu']);
      expect(r.atInitEnd.bound.has('3000.virtio')).toBe(true);
      expect(r.atInitEnd.bound.has('virtio0')).toBe(true);
      expect(r.k.dmesg()).not.toContain('deferred probe timeout');
      expect(core.groupOf(r.transport)).toBeNull();
      expect(core.fwspec(r.transport)).toBeNull();
      expect(xenGrantDma(r.k).dataOf(r.transport)?.backendDomid).toBe(1);
    }
  });

  it('grant_dma_iommu_init() registers nothing when the tree has no xen,grant-dma node', () => {
    const dts = `/dts-v1/; / { #address-cells = <1>; #size-cells = <1>; virtio@3000 { compatible = "virtio,mmio"; reg = <0x3000 0x100>; }; };`;
    const r = boot({ stub: true, dts });
    expect(r.k.findDriver(platformBusOf(r.k), 'grant-dma-iommu')).toBeUndefined();
    expect(r.virtio()?.bound).toBe(true);
    expect(xenGrantDma(r.k).usesGrantDma(r.transport)).toBe(false);
  });
});

describe('when virtio devices use grant mappings', () => {
  it('v6.12 sets the transport up again at every virtio probe: a rebind logs "Xen grant DMA data is already created" and keeps the first data', () => {
    const r = boot({ stub: true });
    const vdev = r.virtio()!;
    r.k.deviceReleaseDriver(vdev);
    expect(r.k.deviceAttach(vdev)).toBe(1);
    expect(vdev.bound).toBe(true);
    expect(r.k.dmesg()).toContain('virtio-mmio 3000.virtio: Xen grant DMA data is already created');
    expect(xenGrantDma(r.k).dataOf(r.transport)?.backendDomid).toBe(1);
  });

  it('a grant device must offer VIRTIO_F_ACCESS_PLATFORM: without it virtio_features_ok() fails the probe', () => {
    const r = boot({ stub: true, deviceFeatures: features(VIRTIO_F.VERSION_1) });
    expect(r.transport.bound).toBe(true);
    expect(r.virtio()?.bound).toBe(false);
    expect(r.k.dmesg()).toContain('virtio_blk virtio0: device must provide VIRTIO_F_ACCESS_PLATFORM');
  });

  it('not a Xen guest: no restriction and no grant ops (the stub still binds the node)', () => {
    const r = boot({ stub: true, xen: { domain: 'none' }, deviceFeatures: features(VIRTIO_F.VERSION_1) });
    expect(r.virtio()?.bound).toBe(true);
    expect(xenGrantDma(r.k).usesGrantDma(r.transport)).toBe(false);
  });

  it('v6.0–v6.1: arch_setup_dma_ops() gives the transport the grant ops; from v6.2 only the virtio probe does', () => {
    // A virtio console (ID 3) that no driver claims: nothing asks for restricted memory access.
    const old = boot({ stub: true, profile: 'linux-6.1', deviceId: 3 });
    expect(old.transport.bound).toBe(true);
    expect(xenGrantDma(old.k).dataOf(old.transport)?.backendDomid).toBe(1);
    const cur = boot({ stub: true, deviceId: 3 });
    expect(cur.transport.bound).toBe(true);
    expect(xenGrantDma(cur.k).usesGrantDma(cur.transport)).toBe(false);
  });

  it('before v6.0 there is neither grant DMA nor a stub: the node is a driverless supplier', () => {
    const r = boot({ stub: true, profile: 'linux-5.19', deviceFeatures: features(VIRTIO_F.VERSION_1) });
    expect(r.k.device('xen_iommu')?.bound).toBe(false);
    // v5.19's driver_deferred_probe_check_state() gives up at late_initcall (-ENODEV).
    expect(r.transport.deferCount).toBeGreaterThan(0);
    expect(r.transport.bound).toBe(true);
    expect(xenGrantDma(r.k).usesGrantDma(r.transport)).toBe(false);
  });

  it('a device whose iommus names another IOMMU, or a xen,grant-dma node with two cells, is not a grant device (-ESRCH)', () => {
    const dts = `/dts-v1/; / { #address-cells = <1>; #size-cells = <1>;
      xen_iommu: xen_iommu { compatible = "xen,grant-dma"; #iommu-cells = <2>; };
      virtio@3000 { compatible = "virtio,mmio"; reg = <0x3000 0x100>; iommus = <&xen_iommu 1 2>; }; };`;
    const r = boot({ stub: true, dts, deviceFeatures: features(VIRTIO_F.VERSION_1) });
    expect(r.virtio()?.bound).toBe(true);
    expect(xenGrantDma(r.k).initBackendDomid(r.transport).errno).toBe(-3);
    expect(xenGrantDma(r.k).usesGrantDma(r.transport)).toBe(false);
  });

  it('no DT node: dom0 is the backend only with CONFIG_XEN_VIRTIO_FORCE_GRANT or in a PV guest', () => {
    const forced = boot({ stub: true, xen: { forceGrant: true } });
    const bare = forced.k.deviceRegister({ name: 'bare', bus: null });
    expect(xenGrantDma(forced.k).initBackendDomid(bare)).toEqual({ errno: 0, domid: 0 });
    expect(forced.k.dmesg()).toContain('bare: Using dom0 as backend');
    const pv = boot({ stub: true, xen: { domain: 'pv' } });
    expect(xenGrantDma(pv.k).initBackendDomid(pv.k.deviceRegister({ name: 'bare', bus: null })).domid).toBe(0);
    const hvm = boot({ stub: true });
    expect(xenGrantDma(hvm.k).initBackendDomid(hvm.k.deviceRegister({ name: 'bare', bus: null })).errno).toBe(-19);
  });
});
