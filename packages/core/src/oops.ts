/**
 * A kernel BUG() (an Oops): thrown by {@link Kernel.bug} after the oops lines are logged. It
 * ends the context that hit it, as die() ends the task: the scheduler drops the thread, and
 * insmod drops the loading process while userspace carries on. Nothing the context held is
 * released, so whatever it was probing stays half-probed.
 */
export class KernelOops extends Error {
  /** Creates the oops of a BUG at `file`:`line`. */
  constructor(readonly file: string, readonly line: number) {
    super(`kernel BUG at ${file}:${line}!`);
    this.name = 'KernelOops';
  }
}
