import { Errno, LogLevel, type Device } from '@kdsim/core';
import {
  IOMMU_HWPT_ALLOC, IOMMU_PROT, IommuCap, IommuHwptDataType, type IommuUserData,
} from '@kdsim/iommu';
import { result, type IoctlResult } from '../result.js';
import {
  IOMMU_HW_CAP, IOMMU_HW_INFO_FLAG, IOMMU_IOAS_MAP, IommuViommuType, MOCK_BUS_NAME, ULONG_MAX, type IommufdObjectType,
} from '../uapi.js';
import { checkIoctl, type IommufdArgs, type IommufdCommandName } from './commands.js';
import type { IommufdEnv } from './env.js';
import type { IovaRange } from './io-pagetable.js';
import type { IommufdObject} from './objects.js';
import {
  IommufdAccess, IommufdDevice, IommufdFault, IommufdHwptNested, IommufdHwptPaging, IommufdIoas,
  IommufdViommu, IommufdVdevice, type IommufdGroup, type IommufdHwpt,
} from './objects.js';
import { UserMm } from './user-mm.js';

/** IOMMU_DESTROY. */
export interface DestroyArgs extends IommufdArgs {
  /** Object to destroy. */
  readonly id: number;
}
/** IOMMU_IOAS_ALLOC. */
export interface IoasAllocArgs extends IommufdArgs {
  /** Must be 0. */
  readonly flags?: number;
}
/** IOMMU_IOAS_MAP. */
export interface IoasMapArgs extends IommufdArgs {
  /** IOMMU_IOAS_MAP_* flags. */
  readonly flags: number;
  /** The IOAS. */
  readonly ioasId: number;
  /** Must be 0. */
  readonly reserved?: number;
  /** User VA. */
  readonly userVa: bigint;
  /** Bytes. */
  readonly length: bigint;
  /** The IOVA with FIXED_IOVA. */
  readonly iova?: bigint;
}
/** IOMMU_IOAS_UNMAP. */
export interface IoasUnmapArgs extends IommufdArgs {
  /** The IOAS. */
  readonly ioasId: number;
  /** First IOVA (0 with length U64_MAX: everything). */
  readonly iova: bigint;
  /** Bytes. */
  readonly length: bigint;
}
/** IOMMU_IOAS_COPY. */
export interface IoasCopyArgs extends IommufdArgs {
  /** IOMMU_IOAS_MAP_* flags. */
  readonly flags: number;
  /** Destination IOAS. */
  readonly dstIoasId: number;
  /** Source IOAS. */
  readonly srcIoasId: number;
  /** Bytes. */
  readonly length: bigint;
  /** Destination IOVA with FIXED_IOVA. */
  readonly dstIova?: bigint;
  /** Source IOVA. */
  readonly srcIova: bigint;
}
/** IOMMU_IOAS_IOVA_RANGES. */
export interface IoasIovaRangesArgs extends IommufdArgs {
  /** The IOAS. */
  readonly ioasId: number;
  /** Capacity of the user array. */
  readonly numIovas: number;
  /** Must be 0. */
  readonly reserved?: number;
}
/** IOMMU_IOAS_ALLOW_IOVAS. */
export interface IoasAllowIovasArgs extends IommufdArgs {
  /** The IOAS. */
  readonly ioasId: number;
  /** The new allowed list. */
  readonly allowedIovas: readonly IovaRange[];
  /** Must be 0. */
  readonly reserved?: number;
}
/** IOMMU_HWPT_ALLOC. */
export interface HwptAllocArgs extends IommufdArgs {
  /** IOMMU_HWPT_ALLOC_* flags. */
  readonly flags: number;
  /** The device the domain is for. */
  readonly devId: number;
  /** IOAS, HWPT_PAGING (nest parent) or VIOMMU. */
  readonly ptId: number;
  /** Must be 0. */
  readonly reserved?: number;
  /** Driver data (type NONE: none). */
  readonly data?: IommuUserData;
  /** data_len; default: present iff data is. */
  readonly dataLen?: number;
  /** With FAULT_ID_VALID. */
  readonly faultId?: number;
}
/** IOMMU_GET_HW_INFO. */
export interface HwInfoArgs extends IommufdArgs {
  /** IOMMU_HW_INFO_FLAG_*. */
  readonly flags?: number;
  /** The device. */
  readonly devId: number;
  /** The user buffer's length. */
  readonly dataLen: number;
  /** in_data_type with FLAG_INPUT_TYPE. */
  readonly inDataType?: number;
  /** Must be 0. */
  readonly reserved?: number;
}
/** IOMMU_HWPT_INVALIDATE. */
export interface HwptInvalidateArgs extends IommufdArgs {
  /** HWPT_NESTED or VIOMMU. */
  readonly hwptId: number;
  /** IOMMU_HWPT_INVALIDATE_DATA_* type. */
  readonly dataType: number;
  /** Bytes per entry. */
  readonly entryLen: number;
  /** The entries (entry_num = their count unless given). */
  readonly entries: readonly IommuUserData[];
  /** entry_num, when it should differ from entries.length. */
  readonly entryNum?: number;
  /** data_uptr is NULL. */
  readonly nullData?: boolean;
  /** Must be 0. */
  readonly reserved?: number;
}
/** IOMMU_VIOMMU_ALLOC. */
export interface ViommuAllocArgs extends IommufdArgs {
  /** Must be 0. */
  readonly flags?: number;
  /** IOMMU_VIOMMU_TYPE_*. */
  readonly type: number;
  /** A device behind the physical IOMMU. */
  readonly devId: number;
  /** The nest-parent HWPT_PAGING. */
  readonly hwptId: number;
  /** Driver data. */
  readonly data?: IommuUserData;
}
/** IOMMU_VDEVICE_ALLOC. */
export interface VdeviceAllocArgs extends IommufdArgs {
  /** The vIOMMU. */
  readonly viommuId: number;
  /** The device. */
  readonly devId: number;
  /** The device's ID in the guest (e.g. a vSID). */
  readonly virtId: bigint;
}
/** IOMMU_FAULT_QUEUE_ALLOC. */
export interface FaultQueueAllocArgs extends IommufdArgs {
  /** Must be 0. */
  readonly flags?: number;
}

const UNMAP_ALL = (1n << 64n) - 1n;
const MAX_ENTRY_NUM = 1 << 19;
const PAGE = 4096;

/** Bytes of the driver structs GET_HW_INFO returns, by type (uapi header). */
const HW_INFO_LEN: Readonly<Record<number, number>> = { 0: 0, 1: 24, 2: 40, 0xfeedbeef: 8 };

/**
 * One open `/dev/iommu` (struct iommufd_ctx, drivers/iommu/iommufd/main.c):
 * the object table and the ioctls. Every call takes the uapi struct as an
 * object and returns `{ errno, out }`; kernel failures are negative errnos.
 */
export class IommufdCtx {
  readonly #objects = new Map<number, IommufdObject>();
  readonly #groups = new Map<unknown, IommufdGroup>();
  /** The compat IOAS a VFIO group using this iommufd as its container attaches to (iommufd_vfio_compat_ioas_create()). */
  compatIoasId: number | null = null;
  /** iommufd_vfio_compat_set_no_iommu(): the context serves no-IOMMU groups. */
  noIommuMode = false;
  /** The process's address space (what IOAS_MAP pins from). */
  readonly mm: UserMm;

  /** Creates the context of `env`, pinning from `mm`. */
  constructor(readonly env: IommufdEnv, mm: UserMm = new UserMm()) {
    this.mm = mm;
  }

  // ------------------------------------------------------------ object table

  /** xa_alloc() with XA_FLAGS_ALLOC1: the lowest free ID from 1. */
  #add<T extends IommufdObject>(obj: T): T {
    let id = 1;
    while (this.#objects.has(id)) id++;
    obj.id = id;
    this.#objects.set(id, obj);
    return obj;
  }

  /** iommufd_get_object(): the live object `id` of `type` (any type when omitted), or -ENOENT. */
  get(id: number, ...types: IommufdObjectType[]): IommufdObject | number {
    const o = this.#objects.get(id);
    if (o === undefined || o.destroyed) return -Errno.ENOENT;
    if (types.length > 0 && !types.includes(o.type)) return -Errno.ENOENT;
    return o;
  }

  /** Every live object, by ID. */
  objects(): readonly IommufdObject[] {
    return [...this.#objects.values()].sort((a, b) => a.id - b.id);
  }

  #remove(obj: IommufdObject): void {
    obj.destroyed = true;
    this.#objects.delete(obj.id);
    obj.release();
  }

  #enter(name: IommufdCommandName, args: IommufdArgs): number {
    return checkIoctl(this.env.k.profile, name, args);
  }

  #atLeast(maj: number, min: number): boolean {
    return this.env.k.profile.atLeast(maj, min);
  }

  /** main.c: iommufd_destroy() — -ENOENT for an unknown ID, -EBUSY while referenced. */
  destroy(args: DestroyArgs): IoctlResult<Record<string, never>> {
    const e = this.#enter('DESTROY', args);
    if (e !== 0) return result(e, {});
    const o = this.get(args.id);
    if (typeof o === 'number') return result(o, {});
    if (o.users > 0) return result(-Errno.EBUSY, {});
    this.#remove(o);
    return result(0, {});
  }

  // ------------------------------------------------------------ IOAS

  /** ioas.c: iommufd_ioas_alloc_ioctl(). */
  ioasAlloc(args: IoasAllocArgs = {}): IoctlResult<{ ioasId: number }> {
    const e = this.#enter('IOAS_ALLOC', args);
    if (e !== 0) return result(e, { ioasId: 0 });
    if ((args.flags ?? 0) !== 0) return result(-Errno.EOPNOTSUPP, { ioasId: 0 });
    const ioas = this.#add(new IommufdIoas(this.mm));
    return result(0, { ioasId: ioas.id });
  }

  #ioas(id: number): IommufdIoas | number {
    const o = this.get(id, 'IOAS');
    return typeof o === 'number' ? o : (o as IommufdIoas);
  }

  // vfio_compat.c: get_compat_ioas() — -ENODEV until a VFIO group made the compat IOAS.
  #compatIoas(): IommufdIoas | number {
    return this.compatIoasId === null ? -Errno.ENODEV : this.#ioas(this.compatIoasId);
  }

  /**
   * vfio_compat.c: iommufd_vfio_map_dma() — a type1 VFIO_IOMMU_MAP_DMA (read and
   * write) at its fixed IOVA in the compat IOAS, with none of IOAS_MAP's own checks.
   */
  vfioMapDma(iova: bigint, vaddr: bigint, size: bigint): number {
    const ioas = this.#compatIoas();
    if (typeof ioas === 'number') return ioas;
    const r = ioas.iopt.mapUser(iova, vaddr, size, IOMMU_PROT.CACHE | IOMMU_PROT.READ | IOMMU_PROT.WRITE);
    return typeof r === 'number' ? r : 0;
  }

  /**
   * vfio_compat.c: iommufd_vfio_unmap_dma() — the IOAS unmap rules (whole areas only,
   * -ENOENT otherwise), answering the bytes unmapped. A TYPE1 (v1) container's cuts
   * (iopt_cut_iova() once large pages are off) are not modelled.
   */
  vfioUnmapDma(iova: bigint, size: bigint): { errno: number; unmapped: bigint } {
    const ioas = this.#compatIoas();
    if (typeof ioas === 'number') return { errno: ioas, unmapped: 0n };
    return ioas.iopt.unmap(iova, size);
  }

  /** vfio_compat.c: iommufd_vfio_cc_iommu() — 1 when every domain of the compat IOAS enforces coherency. */
  vfioCcIommu(): number {
    const ioas = this.#compatIoas();
    if (typeof ioas === 'number') return ioas;
    return this.ioasEnforcesCoherency(ioas.id) ? 1 : 0;
  }

  /** ioas.c: iommufd_ioas_map(). */
  ioasMap(args: IoasMapArgs): IoctlResult<{ iova: bigint }> {
    const e = this.#enter('IOAS_MAP', args);
    if (e !== 0) return result(e, { iova: 0n });
    const all = IOMMU_IOAS_MAP.FIXED_IOVA | IOMMU_IOAS_MAP.WRITEABLE | IOMMU_IOAS_MAP.READABLE;
    if ((args.flags & ~all) !== 0 || (args.reserved ?? 0) !== 0) return result(-Errno.EOPNOTSUPP, { iova: 0n });
    const iova = args.iova ?? 0n;
    if (iova >= ULONG_MAX || args.length >= ULONG_MAX) return result(-Errno.EOVERFLOW, { iova: 0n });
    if ((args.flags & (IOMMU_IOAS_MAP.WRITEABLE | IOMMU_IOAS_MAP.READABLE)) === 0) return result(-Errno.EINVAL, { iova: 0n });
    const ioas = this.#ioas(args.ioasId);
    if (typeof ioas === 'number') return result(ioas, { iova: 0n });
    const fixed = (args.flags & IOMMU_IOAS_MAP.FIXED_IOVA) !== 0;
    const r = ioas.iopt.mapUser(fixed ? iova : null, args.userVa, args.length, this.#prot(args.flags));
    return typeof r === 'number' ? result(r, { iova: 0n }) : result(0, { iova: r });
  }

  // ioas.c: conv_iommu_prot() — IOMMU_CACHE always
  #prot(flags: number): number {
    let p = IOMMU_PROT.CACHE;
    if ((flags & IOMMU_IOAS_MAP.WRITEABLE) !== 0) p |= IOMMU_PROT.WRITE;
    if ((flags & IOMMU_IOAS_MAP.READABLE) !== 0) p |= IOMMU_PROT.READ;
    return p;
  }

  /** ioas.c: iommufd_ioas_copy(). */
  ioasCopy(args: IoasCopyArgs): IoctlResult<{ dstIova: bigint }> {
    const e = this.#enter('IOAS_COPY', args);
    if (e !== 0) return result(e, { dstIova: 0n });
    const all = IOMMU_IOAS_MAP.FIXED_IOVA | IOMMU_IOAS_MAP.WRITEABLE | IOMMU_IOAS_MAP.READABLE;
    if ((args.flags & ~all) !== 0) return result(-Errno.EOPNOTSUPP, { dstIova: 0n });
    const dstIova = args.dstIova ?? 0n;
    if (args.length >= ULONG_MAX || args.srcIova >= ULONG_MAX || dstIova >= ULONG_MAX) return result(-Errno.EOVERFLOW, { dstIova: 0n });
    if ((args.flags & (IOMMU_IOAS_MAP.WRITEABLE | IOMMU_IOAS_MAP.READABLE)) === 0) return result(-Errno.EINVAL, { dstIova: 0n });
    const src = this.#ioas(args.srcIoasId);
    if (typeof src === 'number') return result(src, { dstIova: 0n });
    const slices = src.iopt.getPages(args.srcIova, args.length);
    if (typeof slices === 'number') return result(slices, { dstIova: 0n });
    const dst = this.#ioas(args.dstIoasId);
    if (typeof dst === 'number') return result(dst, { dstIova: 0n });
    const fixed = (args.flags & IOMMU_IOAS_MAP.FIXED_IOVA) !== 0;
    const prot = this.#prot(args.flags);
    // One area per source slice, contiguous from the first IOVA.
    const first = dst.iopt.mapUser(fixed ? dstIova : null, slices[0]!.uptr, slices.length === 1 ? args.length : slices[0]!.length, prot);
    if (typeof first === 'number') return result(first, { dstIova: 0n });
    let at = first + slices[0]!.length;
    for (const s of slices.slice(1)) {
      const r = dst.iopt.mapUser(at, s.uptr, s.length, prot);
      if (typeof r === 'number') {
        dst.iopt.unmap(first, at - first);
        return result(r, { dstIova: 0n });
      }
      at += s.length;
    }
    return result(0, { dstIova: first });
  }

  /** ioas.c: iommufd_ioas_unmap() — returns the bytes unmapped in `length`. */
  ioasUnmap(args: IoasUnmapArgs): IoctlResult<{ length: bigint }> {
    const e = this.#enter('IOAS_UNMAP', args);
    if (e !== 0) return result(e, { length: 0n });
    const ioas = this.#ioas(args.ioasId);
    if (typeof ioas === 'number') return result(ioas, { length: 0n });
    let r;
    if (args.iova === 0n && args.length === UNMAP_ALL) r = ioas.iopt.unmapAll();
    else if (args.iova >= ULONG_MAX || args.length >= ULONG_MAX) return result(-Errno.EOVERFLOW, { length: 0n });
    else r = ioas.iopt.unmap(args.iova, args.length);
    return result(r.errno, { length: r.unmapped });
  }

  /** ioas.c: iommufd_ioas_iova_ranges() — -EMSGSIZE with the needed count when the array is short. */
  ioasIovaRanges(args: IoasIovaRangesArgs): IoctlResult<{ numIovas: number; ranges: IovaRange[]; iovaAlignment: bigint }> {
    const e = this.#enter('IOAS_IOVA_RANGES', args);
    const none = { numIovas: 0, ranges: [], iovaAlignment: 0n };
    if (e !== 0) return result(e, none);
    if ((args.reserved ?? 0) !== 0) return result(-Errno.EOPNOTSUPP, none);
    const ioas = this.#ioas(args.ioasId);
    if (typeof ioas === 'number') return result(ioas, none);
    const all = ioas.iopt.usableRanges();
    const out = { numIovas: all.length, ranges: all.slice(0, args.numIovas), iovaAlignment: ioas.iopt.iovaAlignment };
    return result(all.length > args.numIovas ? -Errno.EMSGSIZE : 0, out);
  }

  /** ioas.c: iommufd_ioas_allow_iovas(). */
  ioasAllowIovas(args: IoasAllowIovasArgs): IoctlResult<Record<string, never>> {
    const e = this.#enter('IOAS_ALLOW_IOVAS', args);
    if (e !== 0) return result(e, {});
    if ((args.reserved ?? 0) !== 0) return result(-Errno.EOPNOTSUPP, {});
    const ioas = this.#ioas(args.ioasId);
    if (typeof ioas === 'number') return result(ioas, {});
    const sorted = [...args.allowedIovas].sort((a, b) => (a.start < b.start ? -1 : 1));
    for (let i = 0; i < sorted.length; i++) {
      const r = sorted[i]!;
      if (r.start >= r.last) return result(-Errno.EINVAL, {});
      if (i > 0 && sorted[i - 1]!.last >= r.start) return result(-Errno.EINVAL, {});
    }
    return result(ioas.iopt.setAllowIova(sorted), {});
  }

  // ------------------------------------------------------------ devices

  #igroup(dev: Device): IommufdGroup | number {
    const group = this.env.iommu.groupOf(dev);
    if (group === null) return -Errno.ENODEV;
    let ig = this.#groups.get(group);
    if (ig === undefined) this.#groups.set(group, (ig = { group, hwpt: null, attached: [] }));
    return ig;
  }

  /**
   * device.c: iommufd_device_bind() — CACHE_COHERENCY (-EINVAL; also no
   * IOMMU), a group (-ENODEV), isolated MSI unless allowed or a selftest mock device (-EPERM), DMA
   * ownership (-EPERM/-EBUSY); the driver holds the DEVICE until unbind.
   */
  bindDevice(dev: Device): IommufdDevice | number {
    const core = this.env.iommu;
    if (!core.deviceCapable(dev, IommuCap.CACHE_COHERENCY)) return -Errno.EINVAL;
    const ig = this.#igroup(dev);
    if (typeof ig === 'number') return ig;
    // iommufd_selftest_is_mock_dev(): the selftest's own devices (mock_dev_create(), on its bus) skip the MSI check.
    if (dev.bus?.name !== MOCK_BUS_NAME && !this.env.isolatedMsi(dev)) {
      if (!this.env.allowUnsafeInterrupts) return -Errno.EPERM;
      this.env.k.devPrintk(dev, LogLevel.WARNING, 'MSI interrupts are not secure, they cannot be isolated by the platform. Check that platform features like interrupt remapping are enabled. Use the "allow_unsafe_interrupts" module parameter to override');
    }
    const r = core.deviceClaimDmaOwner(dev, this);
    if (r !== 0) return r;
    const idev = this.#add(new IommufdDevice(dev, ig, core.iommuOf(dev)));
    idev.enforceCacheCoherency = core.deviceCapable(dev, IommuCap.ENFORCE_CACHE_COHERENCY);
    idev.users = 1; // the driver is a user until iommufd_device_unbind()
    return idev;
  }

  /** device.c: iommufd_device_unbind() — detach, destroy its vDEVICE, release DMA ownership. */
  unbindDevice(idev: IommufdDevice): void {
    for (const pasid of [...idev.pasids.keys()]) this.detachDevice(idev, pasid);
    this.detachDevice(idev, null);
    if (idev.vdevice !== null) {
      const vd = idev.vdevice;
      vd.users = 0;
      this.#remove(vd);
    }
    idev.users = 0;
    this.#remove(idev);
    this.env.iommu.deviceReleaseDmaOwner(idev.dev);
  }

  /** The DEVICE object `id`, or -ENOENT. */
  device(id: number): IommufdDevice | number {
    const o = this.get(id, 'DEVICE');
    return typeof o === 'number' ? o : (o as IommufdDevice);
  }

  // device.c: iommufd_hw_pagetable_attach() for the RID
  #hwptAttach(hwpt: IommufdHwpt, idev: IommufdDevice): number {
    const ig = idev.igroup;
    if (hwpt instanceof IommufdHwptPaging && idev.enforceCacheCoherency && !hwpt.enforceCacheCoherency && !this.#atLeast(6, 7)) {
      // v6.2–v6.6: iommufd_hw_pagetable_enforce_cc() upgrades the domain at attach
      hwpt.enforceCacheCoherency = hwpt.domain.enforceCacheCoherency();
      if (!hwpt.enforceCacheCoherency) return -Errno.EINVAL;
    }
    if (ig.hwpt !== null && ig.hwpt !== hwpt) return -Errno.EINVAL;
    const ioas = hwpt instanceof IommufdHwptPaging ? hwpt.ioas : hwpt instanceof IommufdHwptNested && hwpt.parent instanceof IommufdHwptPaging ? hwpt.parent.ioas : null;
    if (ioas !== null) {
      for (const rr of this.env.iommu.resvRegions(idev.dev)) {
        if (rr.type === 'DIRECT_RELAXABLE') continue;
        const r = ioas.iopt.reserve(rr.start, rr.start + rr.length - 1n, idev);
        if (r !== 0) {
          ioas.iopt.unreserve(idev);
          return r;
        }
      }
    }
    if (ig.hwpt === null) {
      const r = this.env.iommu.attachGroup(hwpt.domain, ig.group);
      if (r !== 0) {
        ioas?.iopt.unreserve(idev);
        return r;
      }
      ig.hwpt = hwpt;
    }
    ig.attached.push(idev);
    hwpt.devices.push(idev);
    hwpt.users++;
    return 0;
  }

  // device.c: iommufd_hw_pagetable_detach()
  #hwptDetach(hwpt: IommufdHwpt, idev: IommufdDevice): void {
    const ig = idev.igroup;
    ig.attached.splice(ig.attached.indexOf(idev), 1);
    hwpt.devices.splice(hwpt.devices.indexOf(idev), 1);
    hwpt.users--;
    const ioas = hwpt instanceof IommufdHwptPaging ? hwpt.ioas : hwpt instanceof IommufdHwptNested && hwpt.parent instanceof IommufdHwptPaging ? hwpt.parent.ioas : null;
    ioas?.iopt.unreserve(idev);
    if (ig.attached.length === 0) {
      this.env.iommu.detachGroup(hwpt.domain, ig.group);
      ig.hwpt = null;
    }
  }

  /**
   * device.c: iommufd_device_attach() / _replace(): `ptId` an IOAS takes
   * the auto-domain path, a HWPT is attached as is, anything else -EINVAL.
   * Returns the HWPT ID the device ended on.
   */
  attachDevice(idev: IommufdDevice, ptId: number, pasid: number | null = null): IoctlResult<{ ptId: number }> {
    const pt = this.get(ptId);
    if (typeof pt === 'number') return result(pt, { ptId });
    if (pasid !== null) {
      if (pt instanceof IommufdIoas) return result(-Errno.EINVAL, { ptId });
      if (!(pt instanceof IommufdHwptPaging || pt instanceof IommufdHwptNested)) return result(-Errno.EINVAL, { ptId });
      if ((pt.domain.flags & IOMMU_HWPT_ALLOC.PASID) === 0) return result(-Errno.EINVAL, { ptId });
      if (idev.pasids.has(pasid)) return result(-Errno.EBUSY, { ptId });
      idev.pasids.set(pasid, pt);
      pt.users++;
      return result(0, { ptId });
    }
    const old = this.#attachedHwpt(idev);
    if (old !== null) {
      // Replace: move the device's group; the old attachment stays on failure.
      this.#hwptDetach(old, idev);
      const r = this.#attachPt(idev, pt);
      if (r.errno !== 0) this.#hwptAttach(old, idev);
      else if (old instanceof IommufdHwptPaging && old.autoDomain && old.devices.length === 0 && old.users === 0) this.#remove(old);
      return r;
    }
    return this.#attachPt(idev, pt);
  }

  #attachedHwpt(idev: IommufdDevice): IommufdHwpt | null {
    return idev.igroup.attached.includes(idev) ? idev.igroup.hwpt : null;
  }

  #attachPt(idev: IommufdDevice, pt: IommufdObject): IoctlResult<{ ptId: number }> {
    if (pt instanceof IommufdHwptPaging || pt instanceof IommufdHwptNested) {
      const r = this.#hwptAttach(pt, idev);
      return result(r, { ptId: pt.id });
    }
    if (!(pt instanceof IommufdIoas)) return result(-Errno.EINVAL, { ptId: pt.id });
    // device.c: iommufd_device_auto_get_domain() — -EINVAL means "try the next"
    for (const hwpt of pt.hwpts) {
      if (!hwpt.autoDomain || hwpt.destroyed) continue;
      const r = this.#hwptAttach(hwpt, idev);
      if (r === 0) return result(0, { ptId: hwpt.id });
      if (r !== -Errno.EINVAL) return result(r, { ptId: pt.id });
    }
    const hwpt = this.#hwptPagingAlloc(pt, idev, 0, null, true);
    if (typeof hwpt === 'number') return result(hwpt, { ptId: pt.id });
    hwpt.autoDomain = true;
    return result(0, { ptId: hwpt.id });
  }

  /** device.c: iommufd_device_detach() — back to the blocked domain; auto domains die with their last device. */
  detachDevice(idev: IommufdDevice, pasid: number | null = null): void {
    if (pasid !== null) {
      const h = idev.pasids.get(pasid);
      if (h === undefined) return;
      idev.pasids.delete(pasid);
      h.users--;
      return;
    }
    const hwpt = this.#attachedHwpt(idev);
    if (hwpt === null) return;
    this.#hwptDetach(hwpt, idev);
    if (hwpt instanceof IommufdHwptPaging && hwpt.autoDomain && hwpt.devices.length === 0 && hwpt.users === 0) this.#remove(hwpt);
  }

  // ------------------------------------------------------------ HWPT

  #pagingFlags(): number {
    const F = IOMMU_HWPT_ALLOC;
    return this.#atLeast(6, 13) ? F.NEST_PARENT | F.DIRTY_TRACKING | F.FAULT_ID_VALID | F.PASID : F.NEST_PARENT | F.DIRTY_TRACKING;
  }

  // hw_pagetable.c: iommufd_hwpt_paging_alloc()
  #hwptPagingAlloc(ioas: IommufdIoas, idev: IommufdDevice, flags: number, data: IommuUserData | null, immediateAttach: boolean): IommufdHwptPaging | number {
    const core = this.env.iommu;
    const ops = core.deviceOps(idev.dev);
    if (ops === null || ops.domainAllocPaging === undefined) return -Errno.EOPNOTSUPP;
    if ((flags & ~this.#pagingFlags()) !== 0) return -Errno.EOPNOTSUPP;
    if ((flags & IOMMU_HWPT_ALLOC.DIRTY_TRACKING) !== 0 && !core.deviceCapable(idev.dev, IommuCap.DIRTY_TRACKING)) return -Errno.EOPNOTSUPP;
    if ((flags & IOMMU_HWPT_ALLOC.FAULT_ID_VALID) !== 0 && (flags & IOMMU_HWPT_ALLOC.NEST_PARENT) !== 0) return -Errno.EOPNOTSUPP;
    const domain = ops.domainAllocPaging(idev.dev, flags & ~IOMMU_HWPT_ALLOC.FAULT_ID_VALID, data);
    if (typeof domain === 'number') return domain;
    const hwpt = this.#add(new IommufdHwptPaging(domain, ioas));
    ioas.users++;
    ioas.hwpts.push(hwpt);
    hwpt.nestParent = (flags & IOMMU_HWPT_ALLOC.NEST_PARENT) !== 0;
    // Fix the coherency mode before any map (v6.3+ at allocation; the only place from v6.7).
    if (idev.enforceCacheCoherency) {
      hwpt.enforceCacheCoherency = domain.enforceCacheCoherency();
      if (!hwpt.enforceCacheCoherency) {
        this.env.k.printk(LogLevel.WARNING, 'WARNING: drivers/iommu/iommufd/hw_pagetable.c: iommufd_hwpt_paging_enforce_cc');
        this.#remove(hwpt);
        return -Errno.EINVAL;
      }
    }
    if (immediateAttach) {
      const r = this.#hwptAttach(hwpt, idev);
      if (r !== 0) {
        this.#remove(hwpt);
        return r;
      }
    }
    const r = ioas.iopt.addDomain(domain);
    if (r !== 0) {
      if (immediateAttach) this.#hwptDetach(hwpt, idev);
      this.#remove(hwpt);
      return r;
    }
    return hwpt;
  }

  /** hw_pagetable.c: iommufd_hwpt_alloc() (IOMMU_HWPT_ALLOC). */
  hwptAlloc(args: HwptAllocArgs): IoctlResult<{ hwptId: number }> {
    const fail = (e: number): IoctlResult<{ hwptId: number }> => result(e, { hwptId: 0 });
    const e = this.#enter('HWPT_ALLOC', args);
    if (e !== 0) return fail(e);
    if ((args.reserved ?? 0) !== 0) return fail(-Errno.EOPNOTSUPP);
    const data = args.data ?? null;
    const type = data?.type ?? IommuHwptDataType.NONE;
    const dataLen = args.dataLen ?? (data === null ? 0 : 1);
    if ((type === IommuHwptDataType.NONE) !== (dataLen === 0)) return fail(-Errno.EINVAL);
    const idev = this.device(args.devId);
    if (typeof idev === 'number') return fail(idev);
    const pt = this.get(args.ptId);
    if (typeof pt === 'number') return fail(-Errno.EINVAL);
    let hwpt: IommufdHwpt | number;
    if (pt instanceof IommufdIoas) hwpt = this.#hwptPagingAlloc(pt, idev, args.flags, type === IommuHwptDataType.NONE ? null : data, false);
    else if (pt instanceof IommufdHwptPaging) hwpt = this.#hwptNestedAlloc(pt, idev, args.flags, data);
    else if (pt instanceof IommufdViommu) hwpt = this.#viommuNestedAlloc(pt, idev, args.flags, data);
    else return fail(-Errno.EINVAL);
    if (typeof hwpt === 'number') return fail(hwpt);
    if ((args.flags & IOMMU_HWPT_ALLOC.FAULT_ID_VALID) !== 0) {
      const f = this.get(args.faultId ?? 0, 'FAULT');
      if (typeof f === 'number') {
        this.#remove(hwpt);
        return fail(f);
      }
      hwpt.fault = f as IommufdFault;
      f.users++;
    }
    return result(0, { hwptId: hwpt.id });
  }

  // hw_pagetable.c: iommufd_hwpt_nested_alloc()
  #hwptNestedAlloc(parent: IommufdHwptPaging, idev: IommufdDevice, flags: number, data: IommuUserData | null): IommufdHwpt | number {
    const ops = this.env.iommu.deviceOps(idev.dev);
    const allowed = IOMMU_HWPT_ALLOC.FAULT_ID_VALID | (this.#atLeast(6, 13) ? IOMMU_HWPT_ALLOC.PASID : 0);
    if ((flags & ~allowed) !== 0 || data === null || data.type === IommuHwptDataType.NONE || ops?.domainAllocNested === undefined) return -Errno.EOPNOTSUPP;
    if (parent.autoDomain || !parent.nestParent || parent.domain.ops !== ops) return -Errno.EINVAL;
    const domain = ops.domainAllocNested(idev.dev, parent.domain, flags & ~IOMMU_HWPT_ALLOC.FAULT_ID_VALID, data);
    if (typeof domain === 'number') return domain;
    parent.users++;
    return this.#add(new IommufdHwptNested(domain, parent));
  }

  // viommu.c / hw_pagetable.c: iommufd_viommu_alloc_hwpt_nested()
  #viommuNestedAlloc(viommu: IommufdViommu, idev: IommufdDevice, flags: number, data: IommuUserData | null): IommufdHwpt | number {
    if (viommu.iommu !== idev.iommu) return -Errno.EINVAL;
    if ((flags & ~(IOMMU_HWPT_ALLOC.FAULT_ID_VALID | IOMMU_HWPT_ALLOC.PASID)) !== 0 || data === null) return -Errno.EOPNOTSUPP;
    if (viommu.ops.allocDomainNested === undefined) return -Errno.EOPNOTSUPP;
    const domain = viommu.ops.allocDomainNested(idev.dev, flags & ~IOMMU_HWPT_ALLOC.FAULT_ID_VALID, data);
    if (typeof domain === 'number') return domain;
    viommu.users++;
    return this.#add(new IommufdHwptNested(domain, viommu));
  }

  /** hw_pagetable.c: iommufd_hwpt_invalidate() — entry_num is written back with the count handled. */
  hwptInvalidate(args: HwptInvalidateArgs): IoctlResult<{ entryNum: number }> {
    const entryNum = args.entryNum ?? args.entries.length;
    const e = this.#enter('HWPT_INVALIDATE', args);
    if (e !== 0) return result(e, { entryNum });
    if ((args.reserved ?? 0) !== 0) return result(-Errno.EOPNOTSUPP, { entryNum });
    if (entryNum !== 0 && (args.nullData === true || args.entryLen === 0 || args.entryLen > PAGE || entryNum > MAX_ENTRY_NUM)) {
      return result(-Errno.EINVAL, { entryNum: 0 });
    }
    const o = this.get(args.hwptId);
    if (typeof o === 'number') return result(o, { entryNum: 0 });
    const entries = args.entries.slice(0, entryNum).map((x) => ({ ...x, type: args.dataType }));
    if (o instanceof IommufdHwptNested) {
      const r = o.domain.cacheInvalidateUser(entries);
      if (r === null) return result(-Errno.EOPNOTSUPP, { entryNum: 0 });
      return result(r.errno, { entryNum: r.handled });
    }
    if (o instanceof IommufdViommu && this.#atLeast(6, 13)) {
      if (o.ops.cacheInvalidate === undefined) return result(-Errno.EOPNOTSUPP, { entryNum: 0 });
      const r = o.ops.cacheInvalidate(entries);
      return result(r.errno, { entryNum: r.handled });
    }
    // v6.12 looked the ID up as HWPT_NESTED only
    return result(this.#atLeast(6, 13) ? -Errno.EINVAL : -Errno.ENOENT, { entryNum: 0 });
  }

  // ------------------------------------------------------------ GET_HW_INFO

  /** device.c: iommufd_get_hw_info(). */
  getHwInfo(args: HwInfoArgs): IoctlResult<{ dataType: number; dataLen: number; data: Readonly<Record<string, number | readonly number[]>>; maxPasidLog2: number; capabilities: bigint }> {
    const none = { dataType: 0, dataLen: args.dataLen, data: {}, maxPasidLog2: 0, capabilities: 0n };
    const e = this.#enter('GET_HW_INFO', args);
    if (e !== 0) return result(e, none);
    const flags = args.flags ?? 0;
    const okFlags = this.#atLeast(6, 17) ? IOMMU_HW_INFO_FLAG.INPUT_TYPE : 0;
    if ((flags & ~okFlags) !== 0 || (args.reserved ?? 0) !== 0) return result(-Errno.EOPNOTSUPP, none);
    const idev = this.device(args.devId);
    if (typeof idev === 'number') return result(idev, none);
    const core = this.env.iommu;
    const ops = core.deviceOps(idev.dev);
    const wanted = (flags & IOMMU_HW_INFO_FLAG.INPUT_TYPE) !== 0 ? args.inDataType ?? 0 : 0;
    let dataType = 0;
    let data: Readonly<Record<string, number | readonly number[]>> = {};
    if (ops?.hwInfo !== undefined) {
      const info = ops.hwInfo(idev.dev, wanted);
      if (typeof info === 'number') return result(info, none);
      dataType = info.type;
      data = info.data;
    } else if (wanted !== 0) {
      return result(-Errno.EOPNOTSUPP, none);
    }
    let caps = 0n;
    if (core.deviceCapable(idev.dev, IommuCap.DIRTY_TRACKING)) caps |= IOMMU_HW_CAP.DIRTY_TRACKING;
    if (this.#atLeast(6, 13) && !core.deviceCapable(idev.dev, IommuCap.PCI_ATS_SUPPORTED)) caps |= IOMMU_HW_CAP.PCI_ATS_NOT_SUPPORTED;
    const maxPasids = core.devIommu(idev.dev)?.maxPasids ?? 0;
    const maxPasidLog2 = maxPasids > 1 ? Math.floor(Math.log2(maxPasids)) : 0;
    return result(0, { dataType, dataLen: HW_INFO_LEN[dataType] ?? 0, data, maxPasidLog2, capabilities: caps });
  }

  // ------------------------------------------------------------ vIOMMU

  /** viommu.c: iommufd_viommu_alloc_ioctl(). */
  viommuAlloc(args: ViommuAllocArgs): IoctlResult<{ viommuId: number }> {
    const fail = (e: number): IoctlResult<{ viommuId: number }> => result(e, { viommuId: 0 });
    const e = this.#enter('VIOMMU_ALLOC', args);
    if (e !== 0) return fail(e);
    if ((args.flags ?? 0) !== 0 || args.type === IommuViommuType.DEFAULT) return fail(-Errno.EOPNOTSUPP);
    const idev = this.device(args.devId);
    if (typeof idev === 'number') return fail(idev);
    const ops = this.env.iommu.deviceOps(idev.dev);
    if (ops?.viommuSupported === undefined || ops.viommuInit === undefined || !ops.viommuSupported(idev.dev, args.type)) return fail(-Errno.EOPNOTSUPP);
    const h = this.get(args.hwptId, 'HWPT_PAGING');
    if (typeof h === 'number') return fail(h);
    const hwpt = h as IommufdHwptPaging;
    if (!hwpt.nestParent) return fail(-Errno.EINVAL);
    const drv = ops.viommuInit(idev.dev, hwpt.domain, args.type, args.data ?? null);
    if (typeof drv === 'number') return fail(drv);
    hwpt.users++;
    const v = this.#add(new IommufdViommu(args.type, hwpt, idev.iommu!, drv));
    return result(0, { viommuId: v.id });
  }

  /** viommu.c: iommufd_vdevice_alloc_ioctl(). */
  vdeviceAlloc(args: VdeviceAllocArgs): IoctlResult<{ vdeviceId: number }> {
    const fail = (e: number): IoctlResult<{ vdeviceId: number }> => result(e, { vdeviceId: 0 });
    const e = this.#enter('VDEVICE_ALLOC', args);
    if (e !== 0) return fail(e);
    if (args.virtId > ULONG_MAX || args.virtId < 0n) return fail(-Errno.EINVAL);
    const v = this.get(args.viommuId, 'VIOMMU');
    if (typeof v === 'number') return fail(v);
    const viommu = v as IommufdViommu;
    const idev = this.device(args.devId);
    if (typeof idev === 'number') return fail(idev);
    if (viommu.iommu !== idev.iommu) return fail(-Errno.EINVAL);
    if (idev.vdevice !== null || viommu.vdevices.has(args.virtId)) return fail(-Errno.EEXIST);
    const r = viommu.ops.vdeviceInit?.(idev.dev, args.virtId) ?? 0;
    if (r !== 0) return fail(r);
    const vd = this.#add(new IommufdVdevice(viommu, idev, args.virtId));
    viommu.users++;
    viommu.vdevices.set(args.virtId, vd);
    idev.vdevice = vd;
    return result(0, { vdeviceId: vd.id });
  }

  /** fault.c: iommufd_fault_alloc() (IOMMU_FAULT_QUEUE_ALLOC). */
  faultQueueAlloc(args: FaultQueueAllocArgs = {}): IoctlResult<{ faultId: number; faultFd: number }> {
    const e = this.#enter('FAULT_QUEUE_ALLOC', args);
    if (e !== 0) return result(e, { faultId: 0, faultFd: -1 });
    if ((args.flags ?? 0) !== 0) return result(-Errno.EOPNOTSUPP, { faultId: 0, faultFd: -1 });
    const f = this.#add(new IommufdFault(1000 + this.#objects.size));
    return result(0, { faultId: f.id, faultFd: f.fd });
  }

  // ------------------------------------------------------------ in-kernel access

  /** device.c: iommufd_access_create() + iommufd_access_attach() — an emulated device's view of `ioasId`. */
  accessCreate(ioasId: number, alignment = 1n): IommufdAccess | number {
    const ioas = this.#ioas(ioasId);
    if (typeof ioas === 'number') return ioas;
    const acc = new IommufdAccess(ioas);
    const r = ioas.iopt.addAlignUser(acc, alignment);
    if (r !== 0) return r;
    this.#add(acc);
    ioas.users++;
    acc.users = 1;
    return acc;
  }

  /** iommufd_access_pin_pages(): pins a range (-ENOENT unless wholly mapped; -EFAULT for bad user memory). */
  accessPin(acc: IommufdAccess, iova: bigint, length: bigint): number {
    const ioas = acc.ioas;
    if (ioas === null) return -Errno.EINVAL;
    const slices = ioas.iopt.getPages(iova, length);
    if (typeof slices === 'number') return slices;
    for (const s of slices) if (typeof this.mm.pin(s.uptr, s.length) === 'number') return -Errno.EFAULT;
    for (const a of ioas.iopt.areasIn(iova, iova + length - 1n)) a.accesses++;
    acc.pins.push({ iova, length });
    return 0;
  }

  /** iommufd_access_unpin_pages(). */
  accessUnpin(acc: IommufdAccess, iova: bigint, length: bigint): void {
    const i = acc.pins.findIndex((p) => p.iova === iova && p.length === length);
    if (i < 0 || acc.ioas === null) return;
    acc.pins.splice(i, 1);
    for (const a of acc.ioas.iopt.areasIn(iova, iova + length - 1n)) a.accesses--;
  }

  /** iommufd_access_destroy(). */
  accessDestroy(acc: IommufdAccess): void {
    for (const p of [...acc.pins]) this.accessUnpin(acc, p.iova, p.length);
    acc.users = 0;
    this.#remove(acc);
  }

  /** True if every HWPT_PAGING on `ioasId` enforces cache coherency (compat VFIO_DMA_CC_IOMMU). */
  ioasEnforcesCoherency(ioasId: number): boolean {
    const ioas = this.#ioas(ioasId);
    return typeof ioas !== 'number' && ioas.hwpts.every((h) => h.enforceCacheCoherency);
  }

  /** Closes the file: destroys every object in dependency order (iommufd_fops_release()). */
  close(): void {
    for (let guard = 0; this.#objects.size > 0 && guard < 1000; guard++) {
      for (const o of [...this.#objects.values()].reverse()) {
        if (o instanceof IommufdDevice) this.unbindDevice(o);
        else if (o instanceof IommufdAccess) this.accessDestroy(o);
        else if (o.users === 0 && !o.destroyed) this.#remove(o);
      }
    }
  }
}

/** The live HWPT a device is attached to (RID), for inspection. */
export type { IommufdHwpt };
