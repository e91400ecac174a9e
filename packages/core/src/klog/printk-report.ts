/**
 * A kernel log line produced by code that has no kernel to print to (the
 * firmware package's interrupt-tree walk): the walk returns these with its
 * result and the kernel that called it prints them ({@link PrintkSink}).
 * Texts are as the kernel prints them, pr_fmt() prefix included.
 */
export type PrintkReport =
  /** pr_debug() in `file`: printed only when dynamic debug enables that file. */
  | { readonly kind: 'debug'; readonly file: string; readonly text: string }
  /** WARN_ON(cond) firing in function `fn` of `file`. */
  | { readonly kind: 'warn-on'; readonly file: string; readonly fn: string }
  /** WARN(cond, fmt) firing in function `fn` of `file`, with its message. */
  | { readonly kind: 'warn'; readonly file: string; readonly fn: string; readonly text: string };

/** No reports: shared so a walk that logs nothing allocates nothing. */
export const NO_PRINTK_REPORTS: readonly PrintkReport[] = Object.freeze([]);

/** Where code without a kernel hands its {@link PrintkReport}s: the calling kernel's printk. */
export interface PrintkSink {
  /** True if pr_debug() sites in `file` print, so callers build debug text only then. */
  debugEnabled(file: string): boolean;
  /** Prints `reports` in order (debug lines only where dynamic debug enables their file). */
  emit(reports: readonly PrintkReport[]): void;
}
