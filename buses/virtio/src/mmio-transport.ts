import { Errno, LogLevel, type DriverSpec, type Kernel } from '@kdsim/core';
import { platformDriver, type PlatformBus, type PlatformDevice } from '@kdsim/bus-platform';
import { virtioTransportAdd, virtioTransportRemove, type VirtioBus } from './bus.js';
import type { VirtioDevice, VirtioTransport } from './device.js';
import { DEFAULT_VIRTIO_FEATURES, type VirtioHardware, type VirtioMmioModel } from './hardware.js';
import { VIRTIO_F, bit, hasFeature } from './ids.js';
import { vringTransportFeatures } from './ring.js';

/** The MagicValue register's expected contents: "virt" little-endian. */
export const VIRTIO_MMIO_MAGIC = 0x74726976;

function mmioTransport(k: Kernel, model: VirtioMmioModel, version: number): VirtioTransport {
  const offered = model.features ?? (version === 1 ? DEFAULT_VIRTIO_FEATURES & ~bit(VIRTIO_F.VERSION_1) : DEFAULT_VIRTIO_FEATURES);
  return {
    name: `virtio-mmio v${version}`,
    getFeatures: () => offered,
    // virtio_mmio.c: vm_finalize_features()
    finalizeFeatures: (dev: VirtioDevice) => {
      vringTransportFeatures(dev);
      if (version === 2 && !hasFeature(dev.features, VIRTIO_F.VERSION_1)) {
        k.devPrintk(dev, LogLevel.ERR, 'New virtio-mmio devices (version 2) must provide VIRTIO_F_VERSION_1 feature!');
        return -Errno.EINVAL;
      }
      return 0;
    },
    acceptsFeatures: (f) => model.acceptFeatures?.(f) ?? (f & ~offered) === 0n,
    config: model.config ?? {},
  };
}

/**
 * virtio_mmio.c: the `virtio-mmio` platform driver (`virtio,mmio`,
 * ACPI `LNRO0005`). Probe reads the window's registers: a wrong magic is
 * -ENODEV with a warning, a version other than 1 or 2 -ENXIO, device ID 0
 * (an empty slot) a silent -ENODEV; otherwise it registers the `virtioN` child.
 */
export function virtioMmioDriver(k: Kernel, platform: PlatformBus, virtio: VirtioBus, hw: () => VirtioHardware): DriverSpec {
  return platformDriver(platform, {
    name: 'virtio-mmio',
    ofMatchTable: [{ compatible: 'virtio,mmio' }],
    acpiMatchTable: [{ id: 'LNRO0005' }],
    probe: (pdev: PlatformDevice) => {
      const base = pdev.mmio[0];
      if (base === undefined) {
        k.devPrintk(pdev, LogLevel.ERR, 'invalid resource (null)');
        return -Errno.EINVAL;
      }
      const model = hw().mmioModel(base);
      const magic = model.magic ?? VIRTIO_MMIO_MAGIC;
      if (magic !== VIRTIO_MMIO_MAGIC) {
        k.devPrintk(pdev, LogLevel.WARNING, `Wrong magic value 0x${magic.toString(16).padStart(8, '0')}!`);
        return -Errno.ENODEV;
      }
      const version = model.version ?? 2;
      if (version < 1 || version > 2) {
        k.devPrintk(pdev, LogLevel.ERR, `Version ${version} not supported!`);
        return -Errno.ENXIO;
      }
      // "virtio-mmio device with an ID 0 is a (dummy) placeholder with no function."
      if (model.deviceId === 0) return -Errno.ENODEV;
      return virtioTransportAdd(k, virtio, { parent: pdev, deviceId: model.deviceId, vendor: model.vendor ?? 0x554d4551, transport: mmioTransport(k, model, version) });
    },
    remove: (pdev) => virtioTransportRemove(k, virtio, pdev),
  });
}
