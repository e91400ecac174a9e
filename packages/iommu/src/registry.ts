import type { Device, Fwnode } from '@kdsim/core';
import type { IommuGroup } from './group.js';
import type { IommuOps } from './ops.js';

/** struct iommu_device: one registered IOMMU instance. */
export class IommuDevice {
  /** Set by iommu_device_register(). */
  ops: IommuOps | null = null;
  /** The fwnode endpoints name it by (the hardware device's fwnode). */
  fwnode: Fwnode | null = null;
  /** The hardware device (transport device for virtio-iommu). */
  hwdev: Device | null = null;
  /** v7.2 race guard: false while registration still probes client devices. */
  ready = false;
  /** generic_single_device_group(): the one group of this instance. */
  singletonGroup: IommuGroup | null = null;
  /** PASIDs the instance supports (0: none). */
  maxPasids = 0;

  /** Creates an unregistered instance called `name` (sysfs class device name, e.g. `smmu3.0x0000000009050000`). */
  constructor(readonly name: string) {}
}

/** struct iommu_fwspec: what firmware says about a device's IOMMU. */
export class IommuFwspec {
  /** Stream / endpoint / requester IDs, in discovery order (duplicates kept). */
  readonly ids: number[] = [];
  /** IOMMU_FWSPEC_* flags. */
  flags = 0;

  /** Creates an fwspec naming the IOMMU's fwnode and its driver. */
  constructor(readonly iommuFwnode: Fwnode, readonly ops: IommuOps) {}
}

/** struct dev_iommu: the per-device IOMMU state (dev->iommu). */
export class DevIommu {
  /** The firmware spec, once firmware named an IOMMU. */
  fwspec: IommuFwspec | null = null;
  /** The instance ops->probe_device() returned. */
  iommuDev: IommuDevice | null = null;
  /** The group (dev->iommu_group). */
  group: IommuGroup | null = null;
  /** Driver private data. */
  priv: unknown = null;
  /** Firmware-mandated 1:1 regions: the device can never be on a blocked domain. */
  requireDirect = false;
  /** PASIDs usable by this device. */
  maxPasids = 0;
}
