/**
 * Kernel errno values (include/uapi/asm-generic/errno-base.h, errno.h,
 * include/linux/errno.h). Kernel-level failures in kdsim are these numbers,
 * negated as the kernel returns them, never exceptions.
 */
export const Errno = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EIO: 5, ENXIO: 6, E2BIG: 7, EBADF: 9, EAGAIN: 11,
  ENOMEM: 12, EACCES: 13, EFAULT: 14, EBUSY: 16, EEXIST: 17, ENODEV: 19, EINVAL: 22,
  ENOTTY: 25, ENOSPC: 28, ERANGE: 34, ENOSYS: 38, EOVERFLOW: 75, EBADFD: 77,
  EMSGSIZE: 90, EOPNOTSUPP: 95, EADDRINUSE: 98, ETIMEDOUT: 110,
  /** include/linux/errno.h: kernel-internal "try again later". */
  EPROBE_DEFER: 517,
} as const;

/** One of the errno names kdsim knows. */
export type ErrnoName = keyof typeof Errno;

const byValue = new Map<number, ErrnoName>(
  (Object.entries(Errno) as [ErrnoName, number][]).map(([name, value]) => [value, name]),
);

/** The symbolic name of an errno (sign ignored), e.g. `errnoName(-22)` → `'EINVAL'`. */
export function errnoName(err: number): ErrnoName | undefined {
  return byValue.get(Math.abs(err));
}

/**
 * Formats an error as `%pe` does: `-EINVAL`, or the number for unknown values
 * (lib/vsprintf.c: errname()).
 */
export function formatErrno(err: number): string {
  const name = errnoName(err);
  if (name === undefined) return String(err);
  return err < 0 ? `-${name}` : name;
}
