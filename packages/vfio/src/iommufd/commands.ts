import { Errno, type KernelProfile } from '@kdsim/core';

/** An iommufd ioctl: its number, struct sizes and the kernel that added it. */
export interface IommufdCommand {
  /** IOMMUFD_CMD_* (the ioctl nr). */
  readonly nr: number;
  /** offsetofend(struct, last mandatory field): a smaller `size` is -EINVAL. */
  readonly minSize: number;
  /** sizeof(struct) in the newest modelled kernel. */
  readonly size: number;
  /** First kernel with the command. */
  readonly since: readonly [number, number];
}

/** main.c: iommufd_ioctl_ops[] (struct sizes from include/uapi/linux/iommufd.h). */
export const IOMMUFD_COMMANDS = {
  DESTROY: { nr: 0x80, minSize: 8, size: 8, since: [6, 2] },
  IOAS_ALLOC: { nr: 0x81, minSize: 12, size: 12, since: [6, 2] },
  IOAS_ALLOW_IOVAS: { nr: 0x82, minSize: 24, size: 24, since: [6, 2] },
  IOAS_COPY: { nr: 0x83, minSize: 40, size: 40, since: [6, 2] },
  IOAS_IOVA_RANGES: { nr: 0x84, minSize: 32, size: 32, since: [6, 2] },
  IOAS_MAP: { nr: 0x85, minSize: 40, size: 40, since: [6, 2] },
  IOAS_UNMAP: { nr: 0x86, minSize: 24, size: 24, since: [6, 2] },
  OPTION: { nr: 0x87, minSize: 24, size: 24, since: [6, 2] },
  VFIO_IOAS: { nr: 0x88, minSize: 12, size: 12, since: [6, 2] },
  HWPT_ALLOC: { nr: 0x89, minSize: 24, size: 48, since: [6, 6] },
  GET_HW_INFO: { nr: 0x8a, minSize: 32, size: 40, since: [6, 6] },
  HWPT_SET_DIRTY_TRACKING: { nr: 0x8b, minSize: 16, size: 16, since: [6, 7] },
  HWPT_GET_DIRTY_BITMAP: { nr: 0x8c, minSize: 48, size: 48, since: [6, 7] },
  HWPT_INVALIDATE: { nr: 0x8d, minSize: 32, size: 32, since: [6, 8] },
  FAULT_QUEUE_ALLOC: { nr: 0x8e, minSize: 16, size: 16, since: [6, 11] },
  IOAS_MAP_FILE: { nr: 0x8f, minSize: 48, size: 48, since: [6, 13] },
  VIOMMU_ALLOC: { nr: 0x90, minSize: 24, size: 40, since: [6, 13] },
  VDEVICE_ALLOC: { nr: 0x91, minSize: 24, size: 24, since: [6, 13] },
} as const satisfies Record<string, IommufdCommand>;

/** One iommufd command name. */
export type IommufdCommandName = keyof typeof IOMMUFD_COMMANDS;

/** The header every iommufd argument struct starts with. */
export interface IommufdArgs {
  /** The `size` field; default the kernel's struct size. */
  readonly size?: number;
  /** Bytes past the kernel's struct are non-zero (only matters when `size` is larger). */
  readonly trailingNonZero?: boolean;
}

/**
 * main.c: iommufd_fops_ioctl() — the generic checks before the handler:
 * unknown command ⇒ -ENOTTY (the VFIO compat layer's answer), size below
 * the minimum ⇒ -EINVAL, non-zero bytes past the kernel struct ⇒ -E2BIG.
 */
export function checkIoctl(profile: KernelProfile, name: IommufdCommandName, args: IommufdArgs): number {
  const c: IommufdCommand = IOMMUFD_COMMANDS[name];
  if (!profile.atLeast(c.since[0], c.since[1])) return -Errno.ENOTTY;
  const size = args.size ?? c.size;
  if (size < c.minSize) return -Errno.EINVAL;
  if (size > c.size && args.trailingNonZero === true) return -Errno.E2BIG;
  return 0;
}
