import { Errno, type Kernel } from '@kdsim/core';
import { IommuCore } from '@kdsim/iommu';
import { VFIO_EXT } from '../uapi.js';
import type { VfioConfig } from './config.js';
import type { VfioGroup } from './group.js';
import { Type1Iommu } from './type1.js';

/** The backend of a container: type1 or the no-IOMMU driver. */
export type VfioBackend = { readonly kind: 'type1'; readonly iommu: Type1Iommu } | { readonly kind: 'noiommu' };

/**
 * container.c: struct vfio_container (`/dev/vfio/vfio`): groups and one
 * IOMMU backend. Methods are the container ioctls and the group-side
 * attach/detach; errors are negative errnos.
 */
export class VfioContainer {
  /** Attached groups. */
  readonly groups: VfioGroup[] = [];
  /** The backend once VFIO_SET_IOMMU succeeded. */
  backend: VfioBackend | null = null;
  /** container->noiommu. */
  noiommu = false;

  /** Creates an empty container. */
  constructor(readonly k: Kernel, readonly config: VfioConfig) {}

  // container.c: vfio_iommu_driver_allowed() — noiommu containers only take the noiommu driver
  #backendKinds(): ('type1' | 'noiommu')[] {
    const all: ('type1' | 'noiommu')[] = this.config.noiommu ? ['type1', 'noiommu'] : ['type1'];
    if (this.groups.length === 0) return all;
    return all.filter((b) => (b === 'noiommu') === this.noiommu);
  }

  #ext(kind: 'type1' | 'noiommu', ext: number): number {
    if (kind === 'noiommu') return ext === VFIO_EXT.NOIOMMU_IOMMU ? 1 : 0;
    return Type1Iommu.checkExtension(this.k, this.backend?.kind === 'type1' ? this.backend.iommu : null, ext);
  }

  /** VFIO_CHECK_EXTENSION: the backend's answer, or the first positive answer of the allowed backends. */
  checkExtension(ext: number): number {
    if (this.backend !== null) return this.#ext(this.backend.kind, ext);
    for (const kind of this.#backendKinds()) {
      const r = this.#ext(kind, ext);
      if (r > 0) return r;
    }
    return 0;
  }

  /**
   * container.c: vfio_ioctl_set_iommu() — needs groups and no backend
   * (-EINVAL); the first allowed backend reporting the extension opens and
   * takes every group; none ⇒ -ENODEV.
   */
  setIommu(type: number): number {
    if (this.groups.length === 0 || this.backend !== null) return -Errno.EINVAL;
    for (const kind of this.#backendKinds()) {
      if (this.#ext(kind, type) <= 0) continue;
      if (kind === 'noiommu') {
        this.backend = { kind };
        return 0;
      }
      const o = Type1Iommu.open(type);
      if (o !== 0) return o;
      const iommu = new Type1Iommu(this.k, this.config, type);
      const done: VfioGroup[] = [];
      for (const g of this.groups) {
        const r = iommu.attachGroup(g.iommuGroup);
        if (r !== 0) {
          for (const d of done) iommu.detachGroup(d.iommuGroup);
          return r;
        }
        done.push(g);
      }
      this.backend = { kind, iommu };
      return 0;
    }
    return -Errno.ENODEV;
  }

  /**
   * container.c: vfio_container_attach_group() — noiommu needs
   * CAP_SYS_RAWIO (-EPERM); real and fake groups do not mix (-EPERM); DMA
   * ownership of the group (-EPERM while a kernel driver uses it); the
   * backend, if set, takes the group.
   */
  attachGroup(group: VfioGroup, sysRawio: boolean): number {
    const noiommu = group.type === 'VFIO_NO_IOMMU';
    if (noiommu && !sysRawio) return -Errno.EPERM;
    if (this.groups.length > 0 && this.noiommu !== noiommu) return -Errno.EPERM;
    const core = this.k.container.get(IommuCore);
    if (group.type === 'VFIO_IOMMU') {
      const r = core.groupClaimDmaOwner(group.iommuGroup, group);
      if (r !== 0) return r;
    }
    if (this.backend?.kind === 'type1') {
      const r = this.backend.iommu.attachGroup(group.iommuGroup);
      if (r !== 0) {
        if (group.type === 'VFIO_IOMMU') core.groupReleaseDmaOwner(group.iommuGroup);
        return r;
      }
    }
    group.container = this;
    this.noiommu = noiommu;
    this.groups.push(group);
    return 0;
  }

  /** container.c: vfio_container_detach_group(); the last group drops the backend. */
  detachGroup(group: VfioGroup): void {
    if (this.backend?.kind === 'type1') this.backend.iommu.detachGroup(group.iommuGroup);
    if (group.type === 'VFIO_IOMMU') this.k.container.get(IommuCore).groupReleaseDmaOwner(group.iommuGroup);
    this.groups.splice(this.groups.indexOf(group), 1);
    group.container = null;
    if (this.groups.length === 0) this.backend = null;
  }
}
