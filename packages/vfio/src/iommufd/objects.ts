import type { Device } from '@kdsim/core';
import type { IommuDevice, IommuDomain, IommuGroup, IommuViommu } from '@kdsim/iommu';
import type { IommufdObjectType } from '../uapi.js';
import { IoPagetable } from './io-pagetable.js';
import type { UserMm } from './user-mm.js';

/**
 * struct iommufd_object: an ID in the context's xarray and a `users` count.
 * IOMMU_DESTROY succeeds only while nobody else holds it.
 */
export abstract class IommufdObject {
  /** The object type. */
  abstract readonly type: IommufdObjectType;
  /** The ID (never 0). */
  id = 0;
  /** References held by other objects or by a kernel driver (users - 1 in the kernel). */
  users = 0;
  /** Removed from the table. */
  destroyed = false;

  /** Drops the references this object holds (its destroy callback). */
  abstract release(): void;
}

/** IOAS: an I/O address space. */
export class IommufdIoas extends IommufdObject {
  readonly type = 'IOAS';
  /** The page table. */
  readonly iopt: IoPagetable;
  /** HWPT_PAGINGs created on it (the auto-domain search list is the auto ones). */
  readonly hwpts: IommufdHwptPaging[] = [];

  /** Creates an IOAS pinning from `mm`. */
  constructor(mm: UserMm) {
    super();
    this.iopt = new IoPagetable(mm);
  }

  release(): void {
    this.iopt.unmapAll();
  }
}

/** Common part of paging and nested hardware page tables. */
export abstract class IommufdHwpt extends IommufdObject {
  /** The FAULT object, if allocated with FAULT_ID_VALID. */
  fault: IommufdFault | null = null;
  /** Devices attached (RID), in attach order. */
  readonly devices: IommufdDevice[] = [];

  /** Creates a HWPT around `domain`. */
  constructor(readonly domain: IommuDomain) {
    super();
  }

  /** Drops the fault reference. */
  protected releaseFault(): void {
    if (this.fault !== null) this.fault.users--;
  }
}

/** HWPT_PAGING: a paging domain mapping an IOAS. */
export class IommufdHwptPaging extends IommufdHwpt {
  readonly type = 'HWPT_PAGING';
  /** Created by attach-to-IOAS (auto_domain). */
  autoDomain = false;
  /** Allocated with NEST_PARENT. */
  nestParent = false;
  /** enforce_cache_coherency succeeded: No-Snoop blocked. */
  enforceCacheCoherency = false;

  /** Creates the HWPT of `domain` on `ioas`. */
  constructor(domain: IommuDomain, readonly ioas: IommufdIoas) {
    super(domain);
  }

  release(): void {
    this.ioas.iopt.removeDomain(this.domain);
    const i = this.ioas.hwpts.indexOf(this);
    if (i >= 0) this.ioas.hwpts.splice(i, 1);
    this.ioas.users--;
    this.releaseFault();
    this.domain.free();
  }
}

/** HWPT_NESTED: a user stage 1 on a nest-parent HWPT or a vIOMMU. */
export class IommufdHwptNested extends IommufdHwpt {
  readonly type = 'HWPT_NESTED';

  /** Creates the nested HWPT of `domain` pinning `parent` (a HWPT_PAGING or a VIOMMU). */
  constructor(domain: IommuDomain, readonly parent: IommufdHwptPaging | IommufdViommu) {
    super(domain);
  }

  release(): void {
    this.parent.users--;
    this.releaseFault();
    this.domain.free();
  }
}

/** Per-iommu_group iommufd state (struct iommufd_group). */
export interface IommufdGroup {
  /** The IOMMU group. */
  readonly group: IommuGroup;
  /** The HWPT every bound device of the group is on (RID), or null. */
  hwpt: IommufdHwpt | null;
  /** Bound devices of the group attached to `hwpt`. */
  readonly attached: IommufdDevice[];
}

/** DEVICE: a bound physical device (iommufd_device). */
export class IommufdDevice extends IommufdObject {
  readonly type = 'DEVICE';
  /** idev->enforce_cache_coherency: the device reports ENFORCE_CACHE_COHERENCY. */
  enforceCacheCoherency = false;
  /** Its vDEVICE, if any. */
  vdevice: IommufdVdevice | null = null;
  /** Attached PASIDs → HWPT. */
  readonly pasids = new Map<number, IommufdHwpt>();

  /** Creates the object for `dev` in `igroup`, behind `iommu`. */
  constructor(readonly dev: Device, readonly igroup: IommufdGroup, readonly iommu: IommuDevice | null) {
    super();
  }

  release(): void {}
}

/** ACCESS: an in-kernel user (emulated device) of an IOAS. */
export class IommufdAccess extends IommufdObject {
  readonly type = 'ACCESS';
  /** Pinned ranges. */
  readonly pins: { iova: bigint; length: bigint }[] = [];

  /** Creates an access on `ioas`. */
  constructor(readonly ioas: IommufdIoas | null) {
    super();
  }

  release(): void {
    if (this.ioas !== null) {
      this.ioas.users--;
      this.ioas.iopt.removeAlignUser(this);
    }
  }
}

/** FAULT: an I/O page fault queue. */
export class IommufdFault extends IommufdObject {
  readonly type = 'FAULT';
  /** The fd user space reads faults from. */
  constructor(readonly fd: number) {
    super();
  }

  release(): void {}
}

/** VIOMMU: a virtual IOMMU instance backed by a nest-parent HWPT. */
export class IommufdViommu extends IommufdObject {
  readonly type = 'VIOMMU';
  /** vDEVICEs by virtual ID. */
  readonly vdevices = new Map<bigint, IommufdVdevice>();

  /** Creates the vIOMMU of `type` on `hwpt`, behind physical `iommu`, driven by `ops`. */
  constructor(readonly viommuType: number, readonly hwpt: IommufdHwptPaging, readonly iommu: IommuDevice, readonly ops: IommuViommu) {
    super();
  }

  release(): void {
    this.hwpt.users--;
  }
}

/** VDEVICE: a device's identity (virtual ID) inside a vIOMMU. */
export class IommufdVdevice extends IommufdObject {
  readonly type = 'VDEVICE';

  /** Creates the vDEVICE of `idev` in `viommu` as `virtId`. */
  constructor(readonly viommu: IommufdViommu, readonly idev: IommufdDevice, readonly virtId: bigint) {
    super();
  }

  release(): void {
    this.viommu.users--;
    this.viommu.vdevices.delete(this.virtId);
    this.viommu.ops.vdeviceDestroy?.(this.idev.dev, this.virtId);
    if (this.idev.vdevice === this) this.idev.vdevice = null;
  }
}
