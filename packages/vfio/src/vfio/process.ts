import { Errno } from '@kdsim/core';
import type { IommufdCtx } from '../iommufd/ctx.js';
import { IommufdHwptPaging } from '../iommufd/objects.js';
import { UserMm } from '../iommufd/user-mm.js';
import { result, type IoctlResult } from '../result.js';
import { VFIO_DEVICE_FLAGS, VFIO_EXT, VFIO_GROUP_FLAGS } from '../uapi.js';
import { hostPasidTable, PasidTablePolicy, type PasidTableInfo } from '../pasid-table.js';
import { VfioContainer } from './container.js';
import type { Type1Iommu } from './type1.js';
import type { VfioCore } from './core.js';
import type { VfioDevice } from './device.js';
import type { VfioGroup } from './group.js';

/** An open `/dev/vfio/N`. */
export class GroupFile {
  /** Opens `group`. */
  constructor(readonly group: VfioGroup) {}
}

/** An open `/dev/vfio/vfio`. */
export class ContainerFile {
  /** Wraps `container`. */
  constructor(readonly container: VfioContainer) {}
}

/** An open `/dev/iommu`. */
export class IommufdFile {
  /** Wraps `ctx`. */
  constructor(readonly ctx: IommufdCtx) {}
}

/** An open VFIO device: a cdev (`/dev/vfio/devices/vfioX`) or a group's GET_DEVICE_FD. */
export class DeviceFile {
  /** Bound to an iommufd (cdev) or opened through a group (access granted). */
  accessGranted = false;
  /** Wraps `vdev`; `viaGroup` for group-path files. */
  constructor(readonly vdev: VfioDevice, readonly viaGroup: GroupFile | null) {}
}

/** Anything a VFIO user process can hold open. */
export type VfioFile = GroupFile | ContainerFile | IommufdFile | DeviceFile;

/** What a {@link VfioProcess} may do. */
export interface VfioProcessOptions {
  /** CAP_SYS_RAWIO (no-IOMMU groups need it). Default true (root). */
  readonly sysRawio?: boolean;
}

/** VFIO_DEVICE_BIND_IOMMUFD arguments. */
export interface BindIommufdArgs {
  /** argsz; default the full struct. */
  readonly argsz?: number;
  /** VFIO_DEVICE_BIND_* flags. */
  readonly flags?: number;
  /** The iommufd file descriptor. */
  readonly iommufd: number;
}

/** VFIO_DEVICE_ATTACH_IOMMUFD_PT / DETACH arguments. */
export interface AttachPtArgs {
  /** argsz; default the full struct. */
  readonly argsz?: number;
  /** VFIO_DEVICE_ATTACH_PASID. */
  readonly flags?: number;
  /** IOAS or HWPT ID (attach only). */
  readonly ptId?: number;
  /** With the PASID flag. */
  readonly pasid?: number;
}

/** What a successful bind_pasid_table reports: every device now using the table. */
export interface PasidTableBindOut {
  /** Device names of every group of the container. */
  readonly devices: readonly string[];
}

const BIND_MINSZ = 16; // offsetofend(struct vfio_device_bind_iommufd, out_devid)
const ATTACH_MINSZ = 12; // offsetofend(struct vfio_device_attach_iommufd_pt, pt_id)
const DETACH_MINSZ = 8;

/**
 * A user process driving VFIO: its file descriptors, its address space,
 * and the VFIO ioctls (group, container, device cdev) taking struct-shaped
 * arguments and returning `{ errno, out }`. iommufd ioctls go through
 * {@link VfioProcess.iommufd}.
 */
export class VfioProcess {
  /** The address space IOAS_MAP pins from. */
  readonly mm = new UserMm();
  readonly #fds = new Map<number, VfioFile>();
  readonly #sysRawio: boolean;

  /** A process of the kernel whose VFIO is `vfio`. */
  constructor(readonly vfio: VfioCore, options: VfioProcessOptions = {}) {
    this.#sysRawio = options.sysRawio ?? true;
  }

  #install(f: VfioFile): number {
    let fd = 3;
    while (this.#fds.has(fd)) fd++;
    this.#fds.set(fd, f);
    return fd;
  }

  /** The file behind `fd`, if open. */
  file(fd: number): VfioFile | undefined {
    return this.#fds.get(fd);
  }

  /** The iommufd context behind `fd` (-EBADF / -EBADFD otherwise). */
  iommufd(fd: number): IommufdCtx | number {
    const f = this.#fds.get(fd);
    if (f === undefined) return -Errno.EBADF;
    return f instanceof IommufdFile ? f.ctx : -Errno.EBADFD;
  }

  /**
   * open(2) on `/dev/iommu`, `/dev/vfio/vfio`, `/dev/vfio/<group>` or
   * `/dev/vfio/devices/vfioX`: -ENOENT for a node that does not exist,
   * -EBUSY for a group that is already open (or has a cdev-bound device).
   */
  open(path: string): IoctlResult<{ fd: number }> {
    const v = this.vfio;
    if (path === '/dev/iommu') {
      const ctx = v.openIommufd(this.mm);
      return typeof ctx === 'number' ? result(-Errno.ENOENT, { fd: -1 }) : result(0, { fd: this.#install(new IommufdFile(ctx)) });
    }
    if (path === '/dev/vfio/vfio') return result(0, { fd: this.#install(new ContainerFile(new VfioContainer(v.k, v.config))) });
    const cdev = /^\/dev\/vfio\/devices\/(vfio\d+)$/.exec(path);
    if (cdev !== null) {
      const vdev = v.device(cdev[1]!);
      if (vdev === undefined || vdev.cdevName === null) return result(-Errno.ENOENT, { fd: -1 });
      // vfio_device_fops_cdev_open(): any number of files; only one may bind.
      return result(0, { fd: this.#install(new DeviceFile(vdev, null)) });
    }
    const m = /^\/dev\/vfio\/((?:noiommu-)?\d+)$/.exec(path);
    const group = m === null ? undefined : v.group(m[1]!);
    if (group === undefined) return result(-Errno.ENOENT, { fd: -1 });
    if (group.type === 'VFIO_NO_IOMMU' && !this.#sysRawio) return result(-Errno.EPERM, { fd: -1 });
    if (group.openedFile !== null || group.devices.some((d) => d.cdevBound)) {
      return result(-Errno.EBUSY, { fd: -1 });
    }
    const f = new GroupFile(group);
    group.openedFile = f;
    return result(0, { fd: this.#install(f) });
  }

  /** close(2): a device file unbinds, a group file leaves its container. */
  close(fd: number): number {
    const f = this.#fds.get(fd);
    if (f === undefined) return -Errno.EBADF;
    this.#fds.delete(fd);
    if (f instanceof DeviceFile) {
      // vfio_df_close(): the last file that opened the device unbinds it.
      const vdev = f.vdev;
      if (f.accessGranted && --vdev.openCount === 0) {
        const b = vdev.iommufd;
        if (b !== null) b.ctx.unbindDevice(b.idev);
        vdev.iommufd = null;
      }
      if (f.viaGroup === null && f.accessGranted) vdev.cdevBound = false;
    } else if (f instanceof GroupFile) {
      this.#unsetContainer(f.group);
      f.group.openedFile = null;
    } else if (f instanceof IommufdFile) {
      f.ctx.close();
    }
    return 0;
  }

  #group(fd: number): GroupFile | number {
    const f = this.#fds.get(fd);
    if (f === undefined) return -Errno.EBADF;
    return f instanceof GroupFile ? f : -Errno.ENOTTY;
  }

  /** VFIO_GROUP_GET_STATUS: VIABLE unless a kernel driver uses the group's DMA; CONTAINER_SET once attached. */
  groupGetStatus(fd: number): IoctlResult<{ flags: number }> {
    const g = this.#group(fd);
    if (typeof g === 'number') return result(g, { flags: 0 });
    const group = g.group;
    let flags = 0;
    if (group.container !== null || group.iommufd !== null) flags |= VFIO_GROUP_FLAGS.CONTAINER_SET | VFIO_GROUP_FLAGS.VIABLE;
    // iommu_group_dma_owner_claimed(): any kernel driver or other owner makes the group not viable
    else if (group.type === 'VFIO_NO_IOMMU' || group.iommuGroup.ownerCnt === 0) flags |= VFIO_GROUP_FLAGS.VIABLE;
    return result(0, { flags });
  }

  /**
   * group.c: vfio_group_ioctl_set_container() — a group already set is
   * -EINVAL; a container fd attaches (container rules), an iommufd fd gets a
   * compat IOAS, any other fd is -EBADFD, a closed one -EBADF.
   */
  groupSetContainer(fd: number, containerFd: number): IoctlResult<Record<string, never>> {
    const g = this.#group(fd);
    if (typeof g === 'number') return result(g, {});
    const group = g.group;
    if (group.container !== null || group.iommufd !== null) return result(-Errno.EINVAL, {});
    const target = this.#fds.get(containerFd);
    if (target === undefined) return result(-Errno.EBADF, {});
    if (target instanceof ContainerFile) return result(target.container.attachGroup(group, this.#sysRawio), {});
    if (target instanceof IommufdFile) {
      const ctx = target.ctx;
      if (group.type === 'VFIO_NO_IOMMU') {
        if (!this.#sysRawio) return result(-Errno.EPERM, {});
        ctx.noIommuMode = true;
      } else if (ctx.compatIoasId === null) {
        const r = ctx.ioasAlloc();
        if (r.errno !== 0) return result(r.errno, {});
        ctx.compatIoasId = r.out.ioasId;
      }
      group.iommufd = ctx;
      return result(0, {});
    }
    return result(-Errno.EBADFD, {});
  }

  // group.c: vfio_group_ioctl_unset_container() — a container stays while a device opened
  // through the group uses it (container_users); an iommufd goes at once.
  #unsetContainer(group: VfioGroup): number {
    if (group.container === null && group.iommufd === null) return -Errno.EINVAL;
    if (group.container !== null) {
      if (group.devices.some((d) => d.openCount > 0)) return -Errno.EBUSY;
      group.container.detachGroup(group);
    }
    group.iommufd = null;
    return 0;
  }

  /** VFIO_GROUP_UNSET_CONTAINER: -EINVAL when not set, -EBUSY while a device opened through the group uses the container. */
  groupUnsetContainer(fd: number): IoctlResult<Record<string, never>> {
    const g = this.#group(fd);
    if (typeof g === 'number') return result(g, {});
    return result(this.#unsetContainer(g.group), {});
  }

  /**
   * VFIO_GROUP_GET_DEVICE_FD: needs a container with a backend or an
   * iommufd (-EINVAL); an unknown name is -ENODEV — asked first from v5.19,
   * where the device is looked up before it is opened (group.c:
   * vfio_group_ioctl_get_device_fd()), after the container before; with an
   * iommufd the device is bound (ownership, coherency) and attached to the
   * compat IOAS.
   */
  groupGetDeviceFd(fd: number, name: string): IoctlResult<{ fd: number }> {
    const g = this.#group(fd);
    if (typeof g === 'number') return result(g, { fd: -1 });
    const group = g.group;
    const vdev = group.devices.find((d) => d.name === name);
    const nameFirst = this.vfio.k.profile.atLeast(5, 19);
    if (nameFirst && vdev === undefined) return result(-Errno.ENODEV, { fd: -1 });
    if (group.container === null && group.iommufd === null) return result(-Errno.EINVAL, { fd: -1 });
    if (group.container !== null && group.container.backend === null) return result(-Errno.EINVAL, { fd: -1 });
    if (vdev === undefined) return result(-Errno.ENODEV, { fd: -1 });
    // vfio_df_open(): the group path may open a device again; only the first open binds it.
    if (vdev.openCount === 0) {
      const r = this.#firstGroupOpen(vdev);
      if (r !== 0) return result(r, { fd: -1 });
    }
    const f = new DeviceFile(vdev, g);
    f.accessGranted = true;
    vdev.openCount++;
    return result(0, { fd: this.#install(f) });
  }

  // vfio_df_group_open() on a device nothing has open: with an iommufd, bind it and attach it
  // to the compat IOAS (vfio_df_iommufd_bind(), vfio_iommufd_compat_attach_ioas()); a no-IOMMU
  // device needs CAP_SYS_RAWIO.
  #firstGroupOpen(vdev: VfioDevice): number {
    const ctx = vdev.group.iommufd;
    if (ctx === null) return 0;
    if (vdev.group.type === 'VFIO_NO_IOMMU') return this.#sysRawio ? 0 : -Errno.EPERM;
    const idev = ctx.bindDevice(vdev.dev);
    if (typeof idev === 'number') return idev;
    const a = ctx.attachDevice(idev, ctx.compatIoasId ?? 0);
    if (a.errno !== 0) {
      ctx.unbindDevice(idev);
      return a.errno;
    }
    vdev.iommufd = { ctx, idev };
    return 0;
  }

  #container(fd: number): VfioContainer | number {
    const f = this.#fds.get(fd);
    if (f === undefined) return -Errno.EBADF;
    if (f instanceof ContainerFile) return f.container;
    return -Errno.ENOTTY;
  }

  /**
   * VFIO_CHECK_EXTENSION on a container — or on an iommufd used as one
   * (vfio_compat.c: TYPE1/TYPE1v2/UNMAP_ALL are 1 unless in no-IOMMU mode,
   * NOIOMMU_IOMMU is whether CONFIG_VFIO_NOIOMMU is built (kdsim's VFIO has
   * it), DMA_CC_IOMMU follows the compat IOAS (-ENODEV before a group made
   * it), the nesting type is 0).
   */
  checkExtension(fd: number, ext: number): IoctlResult<{ ret: number }> {
    const f = this.#fds.get(fd);
    if (f instanceof IommufdFile) {
      const ctx = f.ctx;
      switch (ext) {
        case VFIO_EXT.TYPE1_IOMMU:
        case VFIO_EXT.TYPE1v2_IOMMU:
        case VFIO_EXT.UNMAP_ALL:
          return result(0, { ret: ctx.noIommuMode ? 0 : 1 });
        case VFIO_EXT.NOIOMMU_IOMMU:
          return result(0, { ret: 1 });
        case VFIO_EXT.DMA_CC_IOMMU: {
          const cc = ctx.vfioCcIommu();
          return cc < 0 ? result(cc, { ret: 0 }) : result(0, { ret: cc });
        }
        default:
          return result(0, { ret: 0 });
      }
    }
    const c = this.#container(fd);
    if (typeof c === 'number') return result(c, { ret: 0 });
    return result(0, { ret: c.checkExtension(ext) });
  }

  /**
   * VFIO_SET_IOMMU on a container (container rules), or on an iommufd
   * (vfio_compat.c: iommufd_vfio_set_iommu(): the no-IOMMU type in no-IOMMU
   * mode, -EPERM without CAP_SYS_RAWIO; TYPE1/TYPE1v2 otherwise, -EINVAL for
   * any other type or in no-IOMMU mode, -ENODEV without the compat IOAS; again
   * and again, as often as asked).
   */
  setIommu(fd: number, type: number): IoctlResult<Record<string, never>> {
    const f = this.#fds.get(fd);
    if (f instanceof IommufdFile) {
      const ctx = f.ctx;
      if (type === VFIO_EXT.NOIOMMU_IOMMU && ctx.noIommuMode) return result(this.#sysRawio ? 0 : -Errno.EPERM, {});
      if ((type !== VFIO_EXT.TYPE1_IOMMU && type !== VFIO_EXT.TYPE1v2_IOMMU) || ctx.noIommuMode) return result(-Errno.EINVAL, {});
      return result(ctx.compatIoasId === null ? -Errno.ENODEV : 0, {});
    }
    const c = this.#container(fd);
    if (typeof c === 'number') return result(c, {});
    return result(c.setIommu(type), {});
  }

  // container.c: vfio_fops_unl_ioctl() passes a type1 ioctl to the container's IOMMU driver:
  // -EINVAL without one, -ENOTTY from the no-IOMMU driver (vfio_noiommu_ioctl()).
  #type1(fd: number): Type1Iommu | number {
    const c = this.#container(fd);
    if (typeof c === 'number') return c;
    if (c.backend === null) return -Errno.EINVAL;
    return c.backend.kind === 'type1' ? c.backend.iommu : -Errno.ENOTTY;
  }

  /**
   * VFIO_IOMMU_MAP_DMA on a type1 container (-EINVAL without the backend, -EEXIST over a
   * mapping), or on an iommufd, into its compat IOAS.
   */
  iommuMapDma(fd: number, args: { readonly vaddr: bigint; readonly iova: bigint; readonly size: bigint }): IoctlResult<Record<string, never>> {
    const f = this.#fds.get(fd);
    if (f instanceof IommufdFile) return result(f.ctx.vfioMapDma(args.iova, args.vaddr, args.size), {});
    const t = this.#type1(fd);
    if (typeof t === 'number') return result(t, {});
    return result(t.mapDma(args.iova, args.vaddr, args.size), {});
  }

  /** VFIO_IOMMU_UNMAP_DMA: `size` returns the bytes unmapped (v1 and v2 differ on partial ranges; an iommufd unmaps whole areas of its compat IOAS). */
  iommuUnmapDma(fd: number, args: { readonly iova: bigint; readonly size: bigint }): IoctlResult<{ size: bigint }> {
    const f = this.#fds.get(fd);
    if (f instanceof IommufdFile) {
      const r = f.ctx.vfioUnmapDma(args.iova, args.size);
      return result(r.errno, { size: r.unmapped });
    }
    const t = this.#type1(fd);
    if (typeof t === 'number') return result(t, { size: 0n });
    const r = t.unmapDma(args.iova, args.size);
    return result(r.errno, { size: r.size });
  }

  #device(fd: number): DeviceFile | number {
    const f = this.#fds.get(fd);
    if (f === undefined) return -Errno.EBADF;
    return f instanceof DeviceFile ? f : -Errno.ENOTTY;
  }

  /**
   * device_cdev.c: vfio_df_ioctl_bind_iommufd() — argsz, flags and a
   * negative fd are -EINVAL; group-path files -EINVAL; an open group
   * -EBUSY; a second bind -EINVAL; fd checks; then iommufd_device_bind().
   */
  bindIommufd(fd: number, args: BindIommufdArgs): IoctlResult<{ devid: number }> {
    const fail = (e: number): IoctlResult<{ devid: number }> => result(e, { devid: 0 });
    const df = this.#device(fd);
    if (typeof df === 'number') return fail(df);
    if ((args.argsz ?? 24) < BIND_MINSZ || (args.flags ?? 0) !== 0 || args.iommufd < 0) return fail(-Errno.EINVAL);
    if (df.viaGroup !== null) return fail(-Errno.EINVAL);
    if (df.vdev.group.openedFile !== null) return fail(-Errno.EBUSY);
    if (df.accessGranted) return fail(-Errno.EINVAL);
    const ctx = this.iommufd(args.iommufd);
    if (typeof ctx === 'number') return fail(ctx);
    // vfio_df_open(): a cdev file binds only a device nothing else has open.
    if (df.vdev.openCount !== 0) return fail(-Errno.EINVAL);
    const idev = ctx.bindDevice(df.vdev.dev);
    if (typeof idev === 'number') return fail(idev);
    df.vdev.iommufd = { ctx, idev };
    df.vdev.openCount = 1;
    df.vdev.cdevBound = true;
    df.accessGranted = true;
    return result(0, { devid: idev.id });
  }

  /** VFIO_DEVICE_ATTACH_IOMMUFD_PT: attach first, replace afterwards; `ptId` returns the HWPT. */
  attachIommufdPt(fd: number, args: AttachPtArgs): IoctlResult<{ ptId: number; enforceCacheCoherency?: boolean }> {
    const ptId = args.ptId ?? 0;
    const df = this.#device(fd);
    if (typeof df === 'number') return result(df, { ptId });
    if (!df.accessGranted || df.vdev.iommufd === null) return result(-Errno.EINVAL, { ptId });
    const flags = args.flags ?? 0;
    if ((args.argsz ?? 20) < ATTACH_MINSZ || (flags & ~VFIO_DEVICE_FLAGS.ATTACH_PASID) !== 0) return result(-Errno.EINVAL, { ptId });
    const pasid = (flags & VFIO_DEVICE_FLAGS.ATTACH_PASID) !== 0 ? args.pasid ?? 0 : null;
    if (pasid !== null && (this.vfio.iommu.devIommu(df.vdev.dev)?.maxPasids ?? 0) === 0) return result(-Errno.EOPNOTSUPP, { ptId });
    const { ctx, idev } = df.vdev.iommufd;
    const r = ctx.attachDevice(idev, ptId, pasid);
    if (r.errno !== 0 || pasid !== null) return r;
    // kdsim's view of the attached paging HWPT (the ioctl itself returns only pt_id): does it block No-Snoop?
    const hwpt = ctx.get(r.out.ptId);
    return hwpt instanceof IommufdHwptPaging ? result(0, { ...r.out, enforceCacheCoherency: hwpt.enforceCacheCoherency }) : r;
  }

  /** VFIO_DEVICE_DETACH_IOMMUFD_PT: the device (or PASID) goes back to blocked DMA. */
  detachIommufdPt(fd: number, args: AttachPtArgs = {}): IoctlResult<Record<string, never>> {
    const df = this.#device(fd);
    if (typeof df === 'number') return result(df, {});
    if (!df.accessGranted || df.vdev.iommufd === null) return result(-Errno.EINVAL, {});
    const flags = args.flags ?? 0;
    if ((args.argsz ?? 16) < DETACH_MINSZ || (flags & ~VFIO_DEVICE_FLAGS.ATTACH_PASID) !== 0) return result(-Errno.EINVAL, {});
    const pasid = (flags & VFIO_DEVICE_FLAGS.ATTACH_PASID) !== 0 ? args.pasid ?? 0 : null;
    df.vdev.iommufd.ctx.detachDevice(df.vdev.iommufd.idev, pasid);
    return result(0, {});
  }

  /**
   * The 2017 proposal's VFIO_IOMMU_BIND_PASID_TABLE on a container: only
   * when a {@link PasidTablePolicy} is injected (-ENOTTY otherwise, as
   * upstream never had the ioctl), on a type1 nesting container (-EINVAL),
   * for every group of the container — the group, not the device, is the
   * unit. A group whose IOMMU has another format is -EINVAL; earlier groups
   * are unbound again.
   */
  bindPasidTable(fd: number, info: PasidTableInfo): IoctlResult<PasidTableBindOut> {
    const none: PasidTableBindOut = { devices: [] };
    const c = this.#container(fd);
    if (typeof c === 'number') return result(c, none);
    const k = this.vfio.k;
    if (!k.container.isBound(PasidTablePolicy)) return result(-Errno.ENOTTY, none);
    const policy = k.container.get(PasidTablePolicy);
    if (c.backend?.kind !== 'type1' || !c.backend.iommu.nesting) return result(-Errno.EINVAL, none);
    const done: VfioGroup[] = [];
    for (const g of c.groups) {
      const host = hostPasidTable(this.vfio.iommu, g.iommuGroup);
      const r = policy.bind(g.iommuGroup, host.model, host.size, info);
      if (r !== 0) {
        for (const d of done) policy.unbind(d.iommuGroup);
        return result(r, none);
      }
      done.push(g);
    }
    return result(0, { devices: done.flatMap((g) => g.iommuGroup.devices.map((d) => d.name)) });
  }

  /** VFIO_IOMMU_UNBIND_PASID_TABLE of the proposal: unbinds every group of the container. */
  unbindPasidTable(fd: number): IoctlResult<Record<string, never>> {
    const c = this.#container(fd);
    if (typeof c === 'number') return result(c, {});
    const k = this.vfio.k;
    if (!k.container.isBound(PasidTablePolicy)) return result(-Errno.ENOTTY, {});
    const policy = k.container.get(PasidTablePolicy);
    let r = 0;
    for (const g of c.groups) {
      const u = policy.unbind(g.iommuGroup);
      if (u !== 0) r = u;
    }
    return result(r, {});
  }

  /** vfio_file_enforced_coherent() of a group or device fd (KVM's wbinvd decision). */
  enforcedCoherent(fd: number): boolean {
    const f = this.#fds.get(fd);
    if (f instanceof GroupFile) return this.vfio.enforcedCoherent(f.group);
    if (f instanceof DeviceFile) return this.vfio.enforcedCoherent(f.vdev);
    return false;
  }
}
