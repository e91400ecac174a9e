import { Errno } from '@kdsim/core';
import { IOMMU_PROT, type IommuDomain } from '@kdsim/iommu';
import { PAGE_SIZE, ULONG_MAX } from '../uapi.js';
import type { UserMm } from './user-mm.js';

/** One IOVA range, both ends inclusive (the uapi's `{start, last}`). */
export interface IovaRange {
  /** First IOVA. */
  readonly start: bigint;
  /** Last IOVA (inclusive). */
  readonly last: bigint;
}

/** struct iopt_area: one IOAS_MAP, with its user memory. */
export interface IoptArea {
  /** First IOVA. */
  readonly iova: bigint;
  /** Last IOVA. */
  readonly last: bigint;
  /** The user VA it maps (after COPY: the source's VA at this offset). */
  readonly uptr: bigint;
  /** IOMMU_PROT bits (always with IOMMU_CACHE). */
  readonly prot: number;
  /** In-kernel accesses pinning it (num_accesses). */
  accesses: number;
}

/** A reserved IOVA range and who reserved it (a device, a domain's aperture, a test). */
export interface IoptReserved extends IovaRange {
  /** The owner (removed together). */
  readonly owner: unknown;
}

const overlaps = (a: IovaRange, start: bigint, last: bigint): boolean => a.start <= last && start <= a.last;
const alignUp = (v: bigint, a: bigint): bigint => (v + a - 1n) / a * a;
const ffs = (v: bigint): bigint => v & -v;
const roundupPow2 = (v: bigint): bigint => {
  let p = 1n;
  while (p < v) p <<= 1n;
  return p;
};

/**
 * struct io_pagetable (drivers/iommu/iommufd/io_pagetable.c): the IOAS's
 * areas, reserved and allowed IOVA, and the domains every area is mapped
 * into. Pages are pinned only while a domain needs them.
 */
export class IoPagetable {
  /** Areas sorted by IOVA. */
  readonly areas: IoptArea[] = [];
  /** Reserved IOVA (device reserved regions, domain apertures, test reservations). */
  readonly reserved: IoptReserved[] = [];
  /** The allowed list (empty: everything allowed). */
  allowed: IovaRange[] = [];
  /** Domains the areas are mapped into. */
  readonly domains: IommuDomain[] = [];
  /** iova_alignment: max over domains and accesses of their granule. */
  iovaAlignment = 1n;
  /** Extra alignment users (accesses) require, by owner. */
  readonly #alignUsers = new Map<unknown, bigint>();

  /** Creates an empty table pinning from `mm`. */
  constructor(readonly mm: UserMm) {}

  /** Areas intersecting [start, last]. */
  areasIn(start: bigint, last: bigint): IoptArea[] {
    return this.areas.filter((a) => a.iova <= last && start <= a.last);
  }

  // io_pagetable.c: iopt_alloc_iova()
  #allocIova(uptr: bigint, length: bigint): bigint | number {
    if (length === 0n || length >= ULONG_MAX / 2n) return -Errno.EOVERFLOW;
    const pageOffset = uptr % PAGE_SIZE;
    const rl = roundupPow2(length);
    const align = uptr === 0n ? rl : (rl < ffs(uptr) ? rl : ffs(uptr));
    if (align < this.iovaAlignment) return -Errno.EINVAL;
    const spans: IovaRange[] = this.allowed.length === 0 ? [{ start: PAGE_SIZE, last: ULONG_MAX - PAGE_SIZE }] : this.allowed;
    for (const span of [...spans].sort((a, b) => (a.start < b.start ? -1 : 1))) {
      const lo = span.start < PAGE_SIZE ? PAGE_SIZE : span.start;
      const hi = span.last > ULONG_MAX - PAGE_SIZE ? ULONG_MAX - PAGE_SIZE : span.last;
      const used = [...this.reserved, ...this.areas.map((a) => ({ start: a.iova, last: a.last }))]
        .filter((u) => overlaps(u, lo, hi))
        .sort((a, b) => (a.start < b.start ? -1 : 1));
      let holeStart = lo;
      for (const u of [...used, { start: hi + 1n, last: hi + 1n }]) {
        const holeLast = u.start - 1n;
        if (holeLast >= holeStart) {
          const s = alignUp(holeStart, align) | pageOffset;
          if (s <= holeLast && holeLast - s >= length - 1n) return s;
        }
        if (u.last + 1n > holeStart) holeStart = u.last + 1n;
      }
    }
    return -Errno.ENOSPC;
  }

  // io_pagetable.c: iopt_check_iova()
  #checkIova(iova: bigint, length: bigint): number {
    if ((iova & (this.iovaAlignment - 1n)) !== 0n) return -Errno.EINVAL;
    const last = iova + length - 1n;
    if (last > ULONG_MAX) return -Errno.EOVERFLOW;
    if (this.reserved.some((r) => overlaps(r, iova, last))) return -Errno.EINVAL;
    if (this.areasIn(iova, last).length > 0) return -Errno.EEXIST;
    return 0;
  }

  /**
   * io_pagetable.c: iopt_map_user_pages() — `iova` null asks for an
   * automatic IOVA. Returns the IOVA or an errno; with domains attached the
   * pages are pinned (-EFAULT for unmapped user memory) and mapped.
   */
  mapUser(iova: bigint | null, uptr: bigint, length: bigint, prot: number): bigint | number {
    if ((length & (this.iovaAlignment - 1n)) !== 0n || length === 0n) return -Errno.EINVAL;
    let at: bigint;
    if (iova === null) {
      const r = this.#allocIova(uptr, length);
      if (typeof r === 'number') return r;
      at = r;
    } else {
      const r = this.#checkIova(iova, length);
      if (r !== 0) return r;
      at = iova;
    }
    if (((uptr % PAGE_SIZE) & (this.iovaAlignment - 1n)) !== 0n) return -Errno.EINVAL;
    const area: IoptArea = { iova: at, last: at + length - 1n, uptr, prot: prot | IOMMU_PROT.CACHE, accesses: 0 };
    const r = this.#fillDomains(area, this.domains);
    if (r !== 0) return r;
    this.#insert(area);
    return at;
  }

  #insert(area: IoptArea): void {
    const i = this.areas.findIndex((a) => a.iova > area.iova);
    this.areas.splice(i < 0 ? this.areas.length : i, 0, area);
  }

  // pages.c: iopt_area_fill_domains() — pin, then map into every domain; undo on failure.
  #fillDomains(area: IoptArea, domains: readonly IommuDomain[]): number {
    if (domains.length === 0) return 0;
    const length = area.last - area.iova + 1n;
    const paddr = this.mm.pin(area.uptr, length);
    if (typeof paddr === 'number') return paddr;
    const done: IommuDomain[] = [];
    for (const d of domains) {
      const r = d.map(area.iova, paddr, length, area.prot);
      if (r !== 0) {
        for (const u of done) u.unmap(area.iova, length);
        return r;
      }
      done.push(d);
    }
    return 0;
  }

  /**
   * io_pagetable.c: iopt_unmap_iova() — the range must cover whole areas
   * (-ENOENT when splitting one or when nothing was mapped); areas pinned
   * by an access ⇒ -EBUSY. Returns the bytes unmapped.
   */
  unmap(iova: bigint, length: bigint): { readonly errno: number; readonly unmapped: bigint } {
    if (length === 0n) return { errno: -Errno.EINVAL, unmapped: 0n };
    const last = iova + length - 1n;
    if (last > ULONG_MAX) return { errno: -Errno.EOVERFLOW, unmapped: 0n };
    return this.#unmapRange(iova, last);
  }

  /** io_pagetable.c: iopt_unmap_all() — succeeds when nothing is mapped. */
  unmapAll(): { readonly errno: number; readonly unmapped: bigint } {
    const r = this.#unmapRange(0n, ULONG_MAX);
    return r.errno === -Errno.ENOENT ? { errno: 0, unmapped: 0n } : r;
  }

  // io_pagetable.c: iopt_unmap_iova_range()
  #unmapRange(start: bigint, last: bigint): { readonly errno: number; readonly unmapped: bigint } {
    let unmapped = 0n;
    for (const area of this.areasIn(start, last)) {
      if (area.iova < start || area.last > last) return { errno: -Errno.ENOENT, unmapped };
      if (area.accesses > 0) return { errno: -Errno.EBUSY, unmapped };
      const len = area.last - area.iova + 1n;
      for (const d of this.domains) d.unmap(area.iova, len);
      this.areas.splice(this.areas.indexOf(area), 1);
      unmapped += len;
    }
    return { errno: unmapped > 0n ? 0 : -Errno.ENOENT, unmapped };
  }

  /** io_pagetable.c: iopt_set_allow_iova() — -EADDRINUSE if a reserved range intersects. */
  setAllowIova(ranges: readonly IovaRange[]): number {
    for (const a of ranges) if (this.reserved.some((r) => overlaps(r, a.start, a.last))) return -Errno.EADDRINUSE;
    this.allowed = [...ranges];
    return 0;
  }

  /** io_pagetable.c: iopt_reserve_iova() — -EADDRINUSE over an area or an allowed range. */
  reserve(start: bigint, last: bigint, owner: unknown): number {
    if (this.areasIn(start, last).length > 0 || this.allowed.some((a) => overlaps(a, start, last))) return -Errno.EADDRINUSE;
    this.reserved.push({ start, last, owner });
    return 0;
  }

  /** io_pagetable.c: iopt_remove_reserved_iova() — drops everything `owner` reserved. */
  unreserve(owner: unknown): void {
    for (let i = this.reserved.length - 1; i >= 0; i--) if (this.reserved[i]!.owner === owner) this.reserved.splice(i, 1);
  }

  /** Usable IOVA: the holes of the reserved tree (IOAS_IOVA_RANGES). */
  usableRanges(): IovaRange[] {
    const rs = [...this.reserved].sort((a, b) => (a.start < b.start ? -1 : 1));
    const out: IovaRange[] = [];
    let cursor = 0n;
    for (const r of rs) {
      if (r.start > cursor) out.push({ start: cursor, last: r.start - 1n });
      if (r.last + 1n > cursor) cursor = r.last + 1n;
      if (cursor > ULONG_MAX) return out;
    }
    out.push({ start: cursor, last: ULONG_MAX });
    return out;
  }

  #recalcAlignment(extra: bigint | null): bigint {
    let a = 1n;
    for (const d of this.domains) if (d.minPageSize > a) a = d.minPageSize;
    for (const v of this.#alignUsers.values()) if (v > a) a = v;
    if (extra !== null && extra > a) a = extra;
    return a;
  }

  #checkAlignment(align: bigint): number {
    for (const area of this.areas) {
      if ((area.iova & (align - 1n)) !== 0n || ((area.last + 1n) & (align - 1n)) !== 0n) return -Errno.EADDRINUSE;
      if (((area.uptr % PAGE_SIZE) & (align - 1n)) !== 0n) return -Errno.EADDRINUSE;
    }
    return 0;
  }

  /**
   * io_pagetable.c: iopt_table_add_domain() — granule above PAGE_SIZE ⇒
   * -EINVAL; areas misaligned for it ⇒ -EADDRINUSE; reserve outside the
   * aperture; map every area.
   */
  addDomain(domain: IommuDomain): number {
    const granule = domain.minPageSize;
    if (granule > PAGE_SIZE) return -Errno.EINVAL;
    const align = this.#recalcAlignment(granule);
    if (align !== this.iovaAlignment) {
      const r = this.#checkAlignment(align);
      if (r !== 0) return r;
    }
    // Whether or not the aperture is forced: a domain not finalised yet reserves all but IOVA 0.
    const g = domain.geometry;
    if (g.apertureStart > 0n) {
      const r = this.reserve(0n, g.apertureStart - 1n, domain);
      if (r !== 0) return r;
    }
    if (g.apertureEnd < ULONG_MAX) {
      const r = this.reserve(g.apertureEnd + 1n, ULONG_MAX, domain);
      if (r !== 0) {
        this.unreserve(domain);
        return r;
      }
    }
    for (const area of this.areas) {
      const r = this.#fillDomains(area, [domain]);
      if (r !== 0) {
        for (const a of this.areas) {
          if (a === area) break;
          domain.unmap(a.iova, a.last - a.iova + 1n);
        }
        this.unreserve(domain);
        return r;
      }
    }
    this.domains.push(domain);
    this.iovaAlignment = align;
    return 0;
  }

  /** io_pagetable.c: iopt_table_remove_domain(). */
  removeDomain(domain: IommuDomain): void {
    const i = this.domains.indexOf(domain);
    if (i < 0) return;
    this.domains.splice(i, 1);
    for (const a of this.areas) domain.unmap(a.iova, a.last - a.iova + 1n);
    this.unreserve(domain);
    this.iovaAlignment = this.#recalcAlignment(null);
  }

  /** iopt_add_access(): an access needing `align` joins (-EADDRINUSE when areas are misaligned). */
  addAlignUser(owner: unknown, align: bigint): number {
    const a = this.#recalcAlignment(align);
    const r = this.#checkAlignment(a);
    if (r !== 0) return r;
    this.#alignUsers.set(owner, align);
    this.iovaAlignment = a;
    return 0;
  }

  /** iopt_remove_access(). */
  removeAlignUser(owner: unknown): void {
    this.#alignUsers.delete(owner);
    this.iovaAlignment = this.#recalcAlignment(null);
  }

  /**
   * io_pagetable.c: iopt_get_pages() + iopt_map_pages() for IOAS_COPY:
   * the source range must be exactly covered by contiguous areas (-ENOENT).
   * Returns the user VA slices of the range.
   */
  getPages(iova: bigint, length: bigint): { readonly uptr: bigint; readonly length: bigint }[] | number {
    if (length === 0n) return -Errno.EINVAL;
    const last = iova + length - 1n;
    if (last > ULONG_MAX) return -Errno.EOVERFLOW;
    const out: { uptr: bigint; length: bigint }[] = [];
    let cursor = iova;
    while (cursor <= last) {
      const a = this.areas.find((x) => x.iova <= cursor && cursor <= x.last);
      if (a === undefined) return -Errno.ENOENT;
      const stop = a.last < last ? a.last : last;
      out.push({ uptr: a.uptr + (cursor - a.iova), length: stop - cursor + 1n });
      cursor = stop + 1n;
    }
    return out;
  }
}
