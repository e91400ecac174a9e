import { Errno, LogLevel, type DriverSpec, type Kernel } from '@kdsim/core';
import { pciDriver, type PciBus, type PciDevice } from '@kdsim/bus-pci';
import { virtioTransportAdd, virtioTransportRemove, type VirtioBus } from './bus.js';
import type { VirtioDevice, VirtioTransport } from './device.js';
import { DEFAULT_VIRTIO_FEATURES, type VirtioHardware, type VirtioPciModel } from './hardware.js';
import { VIRTIO_F, bit, hasFeature } from './ids.js';
import { vringTransportFeatures } from './ring.js';

/** pci_ids.h: PCI_VENDOR_ID_REDHAT_QUMRANET, the virtio-pci vendor. */
export const PCI_VENDOR_ID_REDHAT_QUMRANET = 0x1af4;

/**
 * The virtio device ID of a virtio-pci function: modern IDs 0x1040 +
 * type; transitional IDs 0x1000-0x103f take it from the subsystem device
 * ID (virtio_pci_modern_dev.c: vp_modern_probe(), and the legacy driver).
 * null outside 0x1000-0x107f.
 */
export function virtioPciDeviceId(dev: PciDevice): number | null {
  if (dev.device < 0x1000 || dev.device > 0x107f) return null;
  return dev.device < 0x1040 ? dev.subsystemDevice : dev.device - 0x1040;
}

function modernTransport(k: Kernel, model: VirtioPciModel): VirtioTransport {
  const offered = model.features ?? DEFAULT_VIRTIO_FEATURES;
  return {
    name: 'virtio-pci modern',
    getFeatures: () => offered,
    // virtio_pci_modern.c: vp_finalize_features()
    finalizeFeatures: (dev: VirtioDevice) => {
      const wanted = dev.features;
      vringTransportFeatures(dev);
      // vp_transport_features(): RING_RESET and ADMIN_VQ pass when offered (SR-IOV needs the capability: not modelled)
      for (const f of [VIRTIO_F.RING_RESET, VIRTIO_F.ADMIN_VQ]) if (hasFeature(wanted, f)) dev.features |= bit(f);
      if (!hasFeature(dev.features, VIRTIO_F.VERSION_1)) {
        k.devPrintk(dev, LogLevel.ERR, 'virtio: device uses modern interface but does not have VIRTIO_F_VERSION_1');
        return -Errno.EINVAL;
      }
      return 0;
    },
    acceptsFeatures: (f) => model.acceptFeatures?.(f) ?? (f & ~offered) === 0n,
    config: model.config ?? {},
  };
}

function legacyTransport(model: VirtioPciModel): VirtioTransport {
  // The legacy register set has 32 feature bits.
  const offered = (model.features ?? DEFAULT_VIRTIO_FEATURES & ~bit(VIRTIO_F.VERSION_1)) & 0xffffffffn;
  return {
    name: 'virtio-pci legacy',
    getFeatures: () => offered,
    finalizeFeatures: (dev: VirtioDevice) => (vringTransportFeatures(dev), 0),
    acceptsFeatures: (f) => model.acceptFeatures?.(f) ?? true,
    config: model.config ?? {},
  };
}

/**
 * virtio_pci_common.c: the `virtio-pci` PCI driver (vendor 0x1af4, any
 * device). Probe tries the modern interface (function IDs 0x1000-0x107f
 * with the modern capabilities), then the legacy one (0x1000-0x103f,
 * revision 0), and registers the `virtioN` child.
 */
export function virtioPciDriver(k: Kernel, pci: PciBus, virtio: VirtioBus, hw: () => VirtioHardware): DriverSpec {
  return pciDriver(pci, {
    name: 'virtio-pci',
    idTable: [{ vendor: PCI_VENDOR_ID_REDHAT_QUMRANET }],
    probe: (pdev: PciDevice) => {
      const model = hw().pciModel(pdev.name);
      let transport: VirtioTransport | null = null;
      let id: number | null = null;
      // vp_modern_probe()
      if (pdev.device >= 0x1000 && pdev.device <= 0x107f) {
        if (model.modern !== false) {
          transport = modernTransport(k, model);
          id = virtioPciDeviceId(pdev);
        } else {
          k.devPrintk(pdev, LogLevel.INFO, 'virtio_pci: leaving for legacy driver');
        }
      }
      // virtio_pci_legacy_dev.c: vp_legacy_probe()
      if (transport === null) {
        if (pdev.device < 0x1000 || pdev.device > 0x103f) return -Errno.ENODEV;
        if (pdev.revision !== 0) {
          k.printk(LogLevel.ERR, `virtio_pci: expected ABI version 0, got ${pdev.revision}`);
          return -Errno.ENODEV;
        }
        transport = legacyTransport(model);
        id = pdev.subsystemDevice;
      }
      return virtioTransportAdd(k, virtio, { parent: pdev, deviceId: id!, vendor: pdev.subsystemVendor, transport });
    },
    remove: (pdev) => virtioTransportRemove(k, virtio, pdev),
  });
}
