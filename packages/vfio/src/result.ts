/**
 * What one ioctl-shaped call returns: `errno` 0 or a negative errno (never a
 * thrown exception), and the output fields the kernel writes back. On
 * failure `out` holds what the kernel wrote anyway (e.g. `num_iovas` with
 * -EMSGSIZE, `entry_num` after a partial invalidation), zeros elsewhere.
 */
export interface IoctlResult<O> {
  /** 0 or a negative errno. */
  readonly errno: number;
  /** The output fields. */
  readonly out: O;
}

/** Builds an {@link IoctlResult}. */
export function result<O>(errno: number, out: O): IoctlResult<O> {
  return { errno, out };
}
