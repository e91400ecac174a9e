import { Errno, LogLevel, type Device, type Kernel } from '@kdsim/core';
import { IommuCap, IommuCore, type IommuGroup } from '@kdsim/iommu';
import { IommufdCtx } from '../iommufd/ctx.js';
import type { IommufdEnv } from '../iommufd/env.js';
import type { UserMm } from '../iommufd/user-mm.js';
import { DEFAULT_VFIO_CONFIG, type VfioConfig } from './config.js';
import { VfioDevice } from './device.js';
import { VfioGroup, type VfioGroupType } from './group.js';

/**
 * VFIO of one kernel (drivers/vfio/vfio_main.c, group.c): device
 * registration with the group lookup and the coherency gate, the group
 * and cdev namespaces, and iommufd contexts for `/dev/iommu`.
 */
export class VfioCore {
  /** Registered devices, in registration order. */
  readonly devices: VfioDevice[] = [];
  readonly #groups = new Map<IommuGroup, VfioGroup>();
  #cdevSeq = 0;
  /** The kernel was tainted by a no-IOMMU group (TAINT_USER). */
  tainted = false;

  /** Creates VFIO for kernel `k`. */
  constructor(readonly k: Kernel, readonly config: VfioConfig = DEFAULT_VFIO_CONFIG) {}

  /** The IOMMU core. */
  get iommu(): IommuCore {
    return this.k.container.get(IommuCore);
  }

  /** The device cdev (`/dev/vfio/devices/vfioX`) exists: iommufd VFIO, v6.6+. */
  get hasCdev(): boolean {
    return this.k.profile.atLeast(6, 6);
  }

  /**
   * vfio_main.c: __vfio_register_dev() with vfio_device_set_group(): a
   * device without an IOMMU group gets a no-IOMMU group only in no-IOMMU
   * mode (tainting the kernel), else -EINVAL; from v5.19 a VFIO_IOMMU
   * device must have IOMMU_CAP_CACHE_COHERENCY (-EINVAL).
   */
  registerGroupDev(dev: Device, type: VfioGroupType = 'VFIO_IOMMU'): VfioDevice | number {
    const group = this.#findOrAllocGroup(dev, type);
    if (typeof group === 'number') return group;
    // e8ae0e140c05 (v5.19): VFIO always maps with IOMMU_CACHE and offers no cache maintenance
    if (group.type === 'VFIO_IOMMU' && this.k.profile.atLeast(5, 19) && !this.iommu.deviceCapable(dev, IommuCap.CACHE_COHERENCY)) {
      this.#putGroup(group);
      return -Errno.EINVAL;
    }
    const cdev = this.hasCdev && group.type !== 'VFIO_NO_IOMMU' ? `vfio${this.#cdevSeq++}` : null;
    const vdev = new VfioDevice(dev, group, cdev);
    group.devices.push(vdev);
    this.devices.push(vdev);
    return vdev;
  }

  /** vfio_unregister_group_dev(). */
  unregisterGroupDev(vdev: VfioDevice): void {
    vdev.registered = false;
    if (vdev.iommufd !== null) {
      vdev.iommufd.ctx.unbindDevice(vdev.iommufd.idev);
      vdev.iommufd = null;
    }
    this.devices.splice(this.devices.indexOf(vdev), 1);
    const g = vdev.group;
    g.devices.splice(g.devices.indexOf(vdev), 1);
    this.#putGroup(g);
  }

  // group.c: vfio_group_find_or_alloc() / vfio_noiommu_group_alloc()
  #findOrAllocGroup(dev: Device, type: VfioGroupType): VfioGroup | number {
    const ig = this.iommu.groupOf(dev);
    if (ig === null) {
      if (!this.config.noiommu || type !== 'VFIO_IOMMU') return -Errno.EINVAL;
      const fake = this.iommu.groupAlloc();
      this.iommu.groupAddDevice(fake, dev);
      const g = new VfioGroup(fake, 'VFIO_NO_IOMMU');
      this.#groups.set(fake, g);
      this.tainted = true;
      this.k.devPrintk(dev, LogLevel.WARNING, 'Adding kernel taint for vfio-noiommu group on device');
      return g;
    }
    let g = this.#groups.get(ig);
    if (g === undefined) this.#groups.set(ig, (g = new VfioGroup(ig, type)));
    return g;
  }

  #putGroup(g: VfioGroup): void {
    if (g.devices.length > 0) return;
    this.#groups.delete(g.iommuGroup);
    if (g.type === 'VFIO_NO_IOMMU') g.iommuGroup.devices.length = 0;
  }

  /** The VFIO group named `name` under /dev/vfio (`12`, `noiommu-3`), if any. */
  group(name: string): VfioGroup | undefined {
    for (const g of this.#groups.values()) if (g.devName === name) return g;
    return undefined;
  }

  /** Every VFIO group. */
  groups(): readonly VfioGroup[] {
    return [...this.#groups.values()];
  }

  /** The VFIO device of `dev`, or of the cdev called `vfioN`. */
  device(which: Device | string): VfioDevice | undefined {
    return this.devices.find((d) => d.dev === which || d.cdevName === which || d.name === which);
  }

  /** The environment an iommufd context of this kernel runs in. */
  iommufdEnv(): IommufdEnv {
    return {
      k: this.k,
      iommu: this.iommu,
      allowUnsafeInterrupts: this.config.iommufdAllowUnsafeInterrupts,
      isolatedMsi: (dev) => this.config.isolatedMsi(dev),
    };
  }

  /** open("/dev/iommu"): a new iommufd context (-ENODEV before v6.2: no iommufd). */
  openIommufd(mm?: UserMm): IommufdCtx | number {
    if (!this.k.profile.atLeast(6, 2)) return -Errno.ENODEV;
    return new IommufdCtx(this.iommufdEnv(), mm);
  }

  /**
   * vfio_file_enforced_coherent(): for a group every device reports
   * ENFORCE_CACHE_COHERENCY; for a cdev that device does.
   */
  enforcedCoherent(target: VfioGroup | VfioDevice): boolean {
    const devs = target instanceof VfioGroup ? target.devices : [target];
    return devs.every((d) => this.iommu.deviceCapable(d.dev, IommuCap.ENFORCE_CACHE_COHERENCY));
  }
}
