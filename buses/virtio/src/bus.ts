import { BusType, Errno, LogLevel, type Device, type Driver, type Kernel } from '@kdsim/core';
import { OfNode } from '@kdsim/firmware';
import { VirtioDevice, type VirtioDeviceInit } from './device.js';
import { VirtioMatchTable, virtioIdMatch } from './driver.js';
import { VIRTIO_CONFIG_S, VIRTIO_F, VIRTIO_TRANSPORT_F_END, VIRTIO_TRANSPORT_F_START, bit, hasFeature } from './ids.js';

/**
 * virtio_bus: matching by id table, virtio_dev_probe() with feature
 * negotiation and status bits, and the device index allocator.
 * Virtio devices do no DMA configuration of their own (the transport
 * parent did).
 */
export class VirtioBus extends BusType {
  /** `virtio`. */
  readonly name = 'virtio';
  /**
   * virtio_check_mem_acc_cb(): the platform only lets devices reach guest
   * memory through the DMA API (Xen grants, confidential guests), so
   * VERSION_1 and ACCESS_PLATFORM are required. Default: unrestricted.
   */
  restrictedMemoryAccess: (dev: VirtioDevice) => boolean = () => false;
  readonly #used = new Set<number>();

  /** The bus of kernel `k`. */
  constructor(readonly k: Kernel) {
    super();
  }

  // virtio.c: virtio_dev_match()
  match(dev: Device, drv: Driver): number {
    const table = drv.spec.matchTable;
    if (!(dev instanceof VirtioDevice) || !(table instanceof VirtioMatchTable)) return 0;
    return table.spec.idTable.some((id) => virtioIdMatch(dev, id)) ? 1 : 0;
  }

  // virtio.c: virtio_dev_probe()
  override probe(d: Device): number {
    const table = d.driver?.spec.matchTable;
    if (!(d instanceof VirtioDevice) || !(table instanceof VirtioMatchTable)) return super.probe(d);
    const dev = d;
    const drv = table.spec;
    dev.addStatus(VIRTIO_CONFIG_S.DRIVER);
    const deviceFeatures = dev.transport.getFeatures();
    let driverFeatures = 0n;
    for (const f of drv.featureTable ?? []) driverFeatures |= bit(f);
    let legacy = driverFeatures;
    if (drv.featureTableLegacy !== undefined) {
      legacy = 0n;
      for (const f of drv.featureTableLegacy) legacy |= bit(f);
    }
    dev.features = (hasFeature(deviceFeatures, VIRTIO_F.VERSION_1) ? driverFeatures : legacy) & deviceFeatures;
    // Transport features are always offered to finalize_features().
    for (let i = VIRTIO_TRANSPORT_F_START; i < VIRTIO_TRANSPORT_F_END; i++) if (hasFeature(deviceFeatures, i)) dev.features |= bit(i);
    let err = dev.transport.finalizeFeatures(dev);
    if (err === 0 && drv.validate !== undefined) {
      const before = dev.features;
      err = drv.validate(dev);
      if (err === 0 && before !== dev.features) err = dev.transport.finalizeFeatures(dev);
    }
    if (err === 0) err = this.#featuresOk(dev);
    if (err === 0) err = drv.probe?.(dev) ?? 0;
    if (err !== 0) {
      dev.addStatus(VIRTIO_CONFIG_S.FAILED);
      return err;
    }
    // "If probe didn't do it, mark device DRIVER_OK ourselves."
    if (!dev.ready) dev.addStatus(VIRTIO_CONFIG_S.DRIVER_OK);
    return 0;
  }

  // virtio.c: virtio_features_ok()
  #featuresOk(dev: VirtioDevice): number {
    if (this.restrictedMemoryAccess(dev)) {
      if (!hasFeature(dev.features, VIRTIO_F.VERSION_1)) {
        this.k.devPrintk(dev, LogLevel.WARNING, 'device must provide VIRTIO_F_VERSION_1');
        return -Errno.ENODEV;
      }
      if (!hasFeature(dev.features, VIRTIO_F.ACCESS_PLATFORM)) {
        this.k.devPrintk(dev, LogLevel.WARNING, 'device must provide VIRTIO_F_ACCESS_PLATFORM');
        return -Errno.ENODEV;
      }
    }
    if (!hasFeature(dev.features, VIRTIO_F.VERSION_1)) return 0;
    dev.addStatus(VIRTIO_CONFIG_S.FEATURES_OK);
    if (!dev.transport.acceptsFeatures(dev.features)) dev.status &= ~VIRTIO_CONFIG_S.FEATURES_OK;
    if ((dev.status & VIRTIO_CONFIG_S.FEATURES_OK) === 0) {
      this.k.devPrintk(dev, LogLevel.ERR, `virtio: device refuses features: ${dev.status.toString(16)}`);
      return -Errno.ENODEV;
    }
    return 0;
  }

  // virtio.c: virtio_dev_remove()
  override remove(d: Device): void {
    const table = d.driver?.spec.matchTable;
    if (d instanceof VirtioDevice && table instanceof VirtioMatchTable) {
      table.spec.remove?.(d);
      d.status = VIRTIO_CONFIG_S.ACKNOWLEDGE;
    } else {
      super.remove(d);
    }
  }

  /** ida_alloc(&virtio_index_ida): the lowest free index. */
  allocIndex(): number {
    let i = 0;
    while (this.#used.has(i)) i++;
    this.#used.add(i);
    return i;
  }

  /** ida_free() */
  freeIndex(i: number): void {
    this.#used.delete(i);
  }
}

/**
 * virtio.c: register_virtio_device() — allocate the index (`virtioN`), take
 * the DT node the transport's node has for it (virtio_device_of_init()),
 * reset, ACKNOWLEDGE, device_add(). Returns the device or a negative errno.
 */
export function registerVirtioDevice(k: Kernel, bus: VirtioBus, init: Omit<VirtioDeviceInit, 'bus'>): VirtioDevice | number {
  const index = bus.allocIndex();
  const dev = new VirtioDevice({ ...init, bus }, index);
  const of = virtioDeviceOfInit(k, dev);
  if (of < 0) {
    bus.freeIndex(index);
    return of;
  }
  dev.status = 0;
  dev.addStatus(VIRTIO_CONFIG_S.ACKNOWLEDGE);
  const ret = k.deviceAdd(dev);
  if (ret < 0) {
    bus.freeIndex(index);
    return ret;
  }
  return dev;
}

/** virtio.c: unregister_virtio_device() */
export function unregisterVirtioDevice(k: Kernel, bus: VirtioBus, dev: VirtioDevice): void {
  k.deviceDel(dev);
  bus.freeIndex(dev.index);
}

/**
 * The end of a transport's probe (virtio_mmio_probe(), virtio_pci_probe()):
 * register the virtio device under its transport device and keep it as that
 * device's driver data. 0 or a negative errno.
 */
export function virtioTransportAdd(k: Kernel, bus: VirtioBus, init: Omit<VirtioDeviceInit, 'bus'>): number {
  const dev = registerVirtioDevice(k, bus, init);
  if (typeof dev === 'number') return dev;
  init.parent.driverData = dev;
  return 0;
}

/** A transport's remove() (virtio_mmio_remove(), virtio_pci_remove()): unregister the virtio device it added. */
export function virtioTransportRemove(k: Kernel, bus: VirtioBus, transport: Device): void {
  const dev = transport.driverData as VirtioDevice | null;
  if (dev !== null && dev.registered) unregisterVirtioDevice(k, bus, dev);
}

// virtio.c: virtio_device_of_init(): the transport node's only available child, if it is
// compatible with "virtio,device<id>"; more than one available child is an error.
function virtioDeviceOfInit(k: Kernel, dev: VirtioDevice): number {
  const pnode = dev.parent?.fwnode;
  if (!(pnode instanceof OfNode)) return 0;
  const children = pnode.children.filter((c) => c.isAvailable());
  if (children.length === 0) return 0;
  if (children.length > 1) {
    k.printk(LogLevel.WARNING, `WARNING: virtio_device_of_init: ${pnode.path} has ${children.length} available children, expected one`);
    return -Errno.EINVAL;
  }
  const np = children[0]!;
  if ((np.readStringArray('compatible') ?? []).some((c) => c.toLowerCase() === `virtio,device${dev.deviceId.toString(16)}`)) dev.fwnode = np;
  return 0;
}
