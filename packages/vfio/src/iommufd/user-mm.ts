import { Errno } from '@kdsim/core';
import { PAGE_SIZE } from '../uapi.js';

/** One mmap()ed range of the user process. */
interface Vma {
  readonly start: bigint;
  readonly length: bigint;
}

/**
 * The user address space iommufd pins from (current->mm): ranges the
 * process has mapped. Pinning memory outside them fails -EFAULT as
 * pin_user_pages() does. Physical addresses are derived from the VA, so
 * the same user page always pins to the same frame.
 */
export class UserMm {
  readonly #vmas: Vma[] = [];
  #next = 0x7f00_0000_0000n;

  /** mmap(NULL, length): returns the page-aligned start of a new anonymous mapping. */
  mmap(length: bigint, align: bigint = PAGE_SIZE): bigint {
    const a = align < PAGE_SIZE ? PAGE_SIZE : align;
    const start = (this.#next + a - 1n) / a * a;
    const len = (length + PAGE_SIZE - 1n) / PAGE_SIZE * PAGE_SIZE;
    this.#vmas.push({ start, length: len });
    this.#next = start + len + PAGE_SIZE; // a guard page between mappings
    return start;
  }

  /** munmap(): forgets every mapping overlapping the range. */
  munmap(start: bigint, length: bigint): void {
    for (let i = this.#vmas.length - 1; i >= 0; i--) {
      const v = this.#vmas[i]!;
      if (v.start < start + length && start < v.start + v.length) this.#vmas.splice(i, 1);
    }
  }

  /** True if [uptr, uptr + length) is mapped. */
  mapped(uptr: bigint, length: bigint): boolean {
    let cursor = uptr;
    const end = uptr + length;
    while (cursor < end) {
      const v = this.#vmas.find((m) => m.start <= cursor && cursor < m.start + m.length);
      if (v === undefined) return false;
      cursor = v.start + v.length;
    }
    return true;
  }

  /** pin_user_pages(): the physical address of `uptr`, or -EFAULT. */
  pin(uptr: bigint, length: bigint): bigint | number {
    if (!this.mapped(uptr, length)) return -Errno.EFAULT;
    return uptr - 0x7f00_0000_0000n + 0x1_0000_0000n;
  }
}
