import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Kernel, KernelModule } from '@kdsim/core';
import { ofPlatformModule, platformBusModule } from '@kdsim/bus-platform';
import { VIRTIO_F, VirtioHardware, features, virtioBusModule, virtioMmioModule } from '@kdsim/bus-virtio';
import { MachineFirmware, OfTree, decodeFdt } from '@kdsim/firmware';
import { iommuCoreModule } from '@kdsim/iommu';
import { xenGrantDma } from './module.js';
import { registerXen, type XenDriverEntry } from './register.js';

describe('registerXen()', () => {
  it('gives the scenario layer entries that, built in as a scenario builds them, make the fixture transport probe with grant DMA during initcalls', () => {
    const entries: XenDriverEntry[] = [];
    registerXen({ addDriver: (e) => entries.push(e) });
    expect(entries.map((e) => [e.name, e.module, e.level])).toEqual([
      ['grant-dma-iommu', 'grant_dma_iommu', 'subsys'], ['xen-grant-dma', 'xen_grant_dma_ops', 'early'],
    ]);
    const asModule = (e: XenDriverEntry): KernelModule => new KernelModule(e.module, {
      initcalls: [{ level: e.level, name: `${e.module}_init`, fn: (k) => e.init(null, k) }],
      ...(e.services ? { services: e.services } : {}),
    });
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(resolve(dir, 'package-lock.json'))) dir = dirname(dir);
    const tree = new OfTree(decodeFdt(new Uint8Array(readFileSync(resolve(dir, '../shared/fixtures/dt/xen-grant-dma-mmio.dtb'))), 'xen'));
    const k = new Kernel({
      profile: 'linux-6.1',
      config: { arch: 'arm64' },
      builtin: [platformBusModule, ofPlatformModule(), virtioBusModule, iommuCoreModule(), ...entries.map(asModule), virtioMmioModule],
      configure: (c) => {
        c.bind(MachineFirmware).toConstantValue(new MachineFirmware({ of: tree }));
        c.bind(VirtioHardware).toConstantValue(new VirtioHardware({ mmio: [{ base: 0x3000, deviceId: 3, features: features(VIRTIO_F.VERSION_1, VIRTIO_F.ACCESS_PLATFORM) }] }));
      },
    }).boot();
    expect(k.device('xen_iommu')?.driver?.name).toBe('grant-dma-iommu');
    expect(k.device('3000.virtio')?.deferCount).toBe(0);
    expect(xenGrantDma(k).dataOf(k.device('3000.virtio')!)?.backendDomid).toBe(1);
  });
});
