// Conformance cases modelled on tools/testing/selftests/iommu/iommufd.c
// (fixture and test names kept where they apply), run against the mock.
import { Errno } from '@kdsim/core';
import { IOMMU_HWPT_ALLOC, IommuCap } from '@kdsim/iommu';
import { describe, expect, it } from 'vitest';
import { MOCK, MOCK_FLAGS_DEVICE } from '../mock/mock-iommu.js';
import { mockDomain, mockWorld, openCtx } from '../testing.js';
import { IOMMU_IOAS_MAP, IOMMU_SELFTEST, PAGE_SIZE, ULONG_MAX } from '../uapi.js';

const RW = IOMMU_IOAS_MAP.READABLE | IOMMU_IOAS_MAP.WRITEABLE;
const FIXED = RW | IOMMU_IOAS_MAP.FIXED_IOVA;
const BUFFER_SIZE = PAGE_SIZE * 16n;

function ioasWorld(domains: number, profile = 'linux-6.12') {
  const w = mockWorld({ profile });
  const ctx = openCtx(w);
  const ioasId = ctx.ioasAlloc().out.ioasId;
  const md = Array.from({ length: domains }, () => mockDomain(w, ctx, ioasId));
  const buffer = w.proc.mm.mmap(BUFFER_SIZE);
  return { w, ctx, ioasId, md, buffer };
}

describe('iommufd', () => {
  it("binds the selftest's own devices whatever the platform's MSI isolation (iommufd_selftest_is_mock_dev())", () => {
    const w = mockWorld({ vfio: { isolatedMsi: () => false } });
    const ctx = openCtx(w);
    const r = mockDomain(w, ctx, ctx.ioasAlloc().out.ioasId);
    expect(r.errno).toBe(0);
    expect(w.k.dmesg()).not.toContain('MSI interrupts are not secure');
  });

  it('cmd_fail: unknown IDs are -ENOENT, ID 0 included', () => {
    const ctx = openCtx(mockWorld());
    expect(ctx.destroy({ id: 0 }).errno).toBe(-Errno.ENOENT);
    expect(ctx.destroy({ id: 123 }).errno).toBe(-Errno.ENOENT);
    expect(ctx.ioasMap({ flags: RW, ioasId: 0, userVa: 0n, length: PAGE_SIZE }).errno).toBe(-Errno.ENOENT);
  });

  it('cmd_length: short structs are -EINVAL, longer ones with non-zero tails -E2BIG, zero tails accepted', () => {
    const ctx = openCtx(mockWorld());
    expect(ctx.ioasAlloc({ size: 8 }).errno).toBe(-Errno.EINVAL);
    expect(ctx.ioasAlloc({ size: 16, trailingNonZero: true }).errno).toBe(-Errno.E2BIG);
    expect(ctx.ioasAlloc({ size: 16 }).errno).toBe(0);
    expect(ctx.destroy({ id: 1, size: 4 }).errno).toBe(-Errno.EINVAL);
  });

  it('ioas_alloc: unknown flags are -EOPNOTSUPP; IDs are the lowest free, from 1', () => {
    const ctx = openCtx(mockWorld());
    expect(ctx.ioasAlloc({ flags: 1 }).errno).toBe(-Errno.EOPNOTSUPP);
    expect(ctx.ioasAlloc().out.ioasId).toBe(1);
    expect(ctx.ioasAlloc().out.ioasId).toBe(2);
    expect(ctx.destroy({ id: 1 }).errno).toBe(0);
    expect(ctx.ioasAlloc().out.ioasId).toBe(1);
  });

  it('does not exist before v6.2, and v6.12 has no vIOMMU commands (-ENOTTY)', () => {
    expect(mockWorld({ profile: 'linux-6.1' }).vfio.openIommufd()).toBe(-Errno.ENODEV);
    const ctx = openCtx(mockWorld({ profile: 'linux-6.12' }));
    expect(ctx.viommuAlloc({ type: 0xdeadbeef, devId: 1, hwptId: 1 }).errno).toBe(-Errno.ENOTTY);
  });
});

describe.each([0, 1, 2])('iommufd_ioas (mock_domains = %i)', (domains) => {
  it('ioas_destroy: -EBUSY while a domain holds the IOAS', () => {
    const { ctx, ioasId } = ioasWorld(domains);
    expect(ctx.destroy({ id: ioasId }).errno).toBe(domains > 0 ? -Errno.EBUSY : 0);
  });

  it('ioas_area_destroy / unmap: whole areas only, -ENOENT for splits and holes', () => {
    const { ctx, ioasId, buffer } = ioasWorld(domains);
    const base = MOCK.APERTURE_START;
    expect(ctx.ioasUnmap({ ioasId, iova: base, length: PAGE_SIZE }).errno).toBe(-Errno.ENOENT);
    for (let i = 0n; i < 16n; i++) {
      expect(ctx.ioasMap({ flags: FIXED, ioasId, userVa: buffer + i * PAGE_SIZE, length: PAGE_SIZE, iova: base + i * PAGE_SIZE }).errno).toBe(0);
    }
    // Overlapping an existing area
    expect(ctx.ioasMap({ flags: FIXED, ioasId, userVa: buffer, length: PAGE_SIZE * 2n, iova: base + PAGE_SIZE }).errno).toBe(-Errno.EEXIST);
    // Unmap covering two whole areas
    const r = ctx.ioasUnmap({ ioasId, iova: base, length: PAGE_SIZE * 2n });
    expect(r.errno).toBe(0);
    expect(r.out.length).toBe(PAGE_SIZE * 2n);
    // Splitting an area
    expect(ctx.ioasUnmap({ ioasId, iova: base + PAGE_SIZE * 2n + 1024n, length: PAGE_SIZE }).errno).toBe(-Errno.ENOENT);
    // Unmap all
    const all = ctx.ioasUnmap({ ioasId, iova: 0n, length: ULONG_MAX });
    expect(all).toEqual({ errno: 0, out: { length: PAGE_SIZE * 14n } });
    expect(ctx.ioasUnmap({ ioasId, iova: 0n, length: ULONG_MAX }).errno).toBe(0);
  });

  it('area: flags, overflow and permission checks in the kernel order', () => {
    const { ctx, ioasId, buffer } = ioasWorld(domains);
    expect(ctx.ioasMap({ flags: 1 << 8, ioasId, userVa: buffer, length: PAGE_SIZE }).errno).toBe(-Errno.EOPNOTSUPP);
    expect(ctx.ioasMap({ flags: RW, ioasId, userVa: buffer, length: PAGE_SIZE, reserved: 1 }).errno).toBe(-Errno.EOPNOTSUPP);
    expect(ctx.ioasMap({ flags: RW, ioasId, userVa: buffer, length: ULONG_MAX }).errno).toBe(-Errno.EOVERFLOW);
    expect(ctx.ioasMap({ flags: IOMMU_IOAS_MAP.FIXED_IOVA, ioasId: 999, userVa: buffer, length: PAGE_SIZE, iova: 0n }).errno).toBe(-Errno.EINVAL);
    expect(ctx.ioasMap({ flags: RW, ioasId, userVa: buffer, length: 0n }).errno).toBe(-Errno.EINVAL);
  });

  it('area_auto_iova: picks aligned IOVAs inside the usable ranges', () => {
    const { ctx, ioasId, buffer } = ioasWorld(domains);
    const got: bigint[] = [];
    for (let i = 0; i < 4; i++) {
      const r = ctx.ioasMap({ flags: RW, ioasId, userVa: buffer, length: PAGE_SIZE * 2n });
      expect(r.errno).toBe(0);
      expect(r.out.iova % (PAGE_SIZE * 2n)).toBe(0n);
      if (domains > 0) {
        expect(r.out.iova >= MOCK.APERTURE_START && r.out.iova <= MOCK.APERTURE_LAST).toBe(true);
      } else {
        expect(r.out.iova >= PAGE_SIZE).toBe(true);
      }
      got.push(r.out.iova);
    }
    expect(new Set(got).size).toBe(4);
  });

  it('iova_ranges: the aperture with mock domains, everything without; -EMSGSIZE with the count when short', () => {
    const { ctx, ioasId } = ioasWorld(domains);
    const r = ctx.ioasIovaRanges({ ioasId, numIovas: 10 });
    expect(r.errno).toBe(0);
    if (domains === 0) {
      expect(r.out.ranges).toEqual([{ start: 0n, last: ULONG_MAX }]);
      expect(r.out.iovaAlignment).toBe(1n);
    } else {
      expect(r.out.ranges).toEqual([{ start: MOCK.APERTURE_START, last: MOCK.APERTURE_LAST }]);
      expect(r.out.iovaAlignment).toBe(MOCK.PAGE_SIZE);
    }
    const short = ctx.ioasIovaRanges({ ioasId, numIovas: 0 });
    expect(short.errno).toBe(-Errno.EMSGSIZE);
    expect(short.out.numIovas).toBe(1);
    expect(ctx.ioasIovaRanges({ ioasId, numIovas: 1, reserved: 1 }).errno).toBe(-Errno.EOPNOTSUPP);
  });

  it('area_allowed: the allowed list bounds automatic IOVAs; bad lists are -EINVAL', () => {
    const { ctx, ioasId, buffer } = ioasWorld(domains);
    const start = MOCK.APERTURE_START + PAGE_SIZE * 64n;
    expect(ctx.ioasAllowIovas({ ioasId, allowedIovas: [{ start: 10n, last: 5n }] }).errno).toBe(-Errno.EINVAL);
    expect(ctx.ioasAllowIovas({ ioasId, allowedIovas: [{ start: 0n, last: 0x10000n }, { start: 0x8000n, last: 0x20000n }] }).errno).toBe(-Errno.EINVAL);
    expect(ctx.ioasAllowIovas({ ioasId, allowedIovas: [{ start, last: start + PAGE_SIZE * 4n - 1n }] }).errno).toBe(0);
    const r = ctx.ioasMap({ flags: RW, ioasId, userVa: buffer, length: PAGE_SIZE });
    expect(r.errno).toBe(0);
    expect(r.out.iova).toBe(start);
    if (domains > 0) {
      // Outside the aperture is reserved: an allowed range there conflicts
      expect(ctx.ioasAllowIovas({ ioasId, allowedIovas: [{ start: 0n, last: PAGE_SIZE }] }).errno).toBe(-Errno.EADDRINUSE);
    }
  });

  it('copy_area: copies whole areas to another IOAS; holes are -ENOENT', () => {
    const { ctx, ioasId, buffer } = ioasWorld(domains);
    const base = MOCK.APERTURE_START;
    ctx.ioasMap({ flags: FIXED, ioasId, userVa: buffer, length: PAGE_SIZE * 4n, iova: base });
    const dst = ctx.ioasAlloc().out.ioasId;
    const ok = ctx.ioasCopy({ flags: FIXED, dstIoasId: dst, srcIoasId: ioasId, length: PAGE_SIZE * 2n, srcIova: base + PAGE_SIZE, dstIova: base });
    expect(ok.errno).toBe(0);
    expect(ctx.ioasCopy({ flags: RW, dstIoasId: dst, srcIoasId: ioasId, length: PAGE_SIZE * 8n, srcIova: base }).errno).toBe(-Errno.ENOENT);
    expect(ctx.ioasCopy({ flags: RW, dstIoasId: dst, srcIoasId: 777, length: PAGE_SIZE, srcIova: base }).errno).toBe(-Errno.ENOENT);
  });

  it('access_pin: a pinned area cannot be unmapped (-EBUSY) until the access lets go', () => {
    const { ctx, ioasId, buffer } = ioasWorld(domains);
    const base = MOCK.APERTURE_START;
    ctx.ioasMap({ flags: FIXED, ioasId, userVa: buffer, length: PAGE_SIZE, iova: base });
    const acc = ctx.accessCreate(ioasId);
    if (typeof acc === 'number') throw new Error(String(acc));
    expect(ctx.accessPin(acc, base, PAGE_SIZE)).toBe(0);
    expect(ctx.ioasUnmap({ ioasId, iova: base, length: PAGE_SIZE }).errno).toBe(-Errno.EBUSY);
    expect(ctx.destroy({ id: acc.id }).errno).toBe(-Errno.EBUSY);
    ctx.accessUnpin(acc, base, PAGE_SIZE);
    expect(ctx.ioasUnmap({ ioasId, iova: base, length: PAGE_SIZE }).errno).toBe(0);
    expect(ctx.accessPin(acc, base, PAGE_SIZE)).toBe(-Errno.ENOENT);
    ctx.accessDestroy(acc);
    expect(ctx.destroy({ id: ioasId }).errno).toBe(domains > 0 ? -Errno.EBUSY : 0);
  });

  it('get_hw_info: the selftest type and register; bad IDs -ENOENT, reserved bits -EOPNOTSUPP', () => {
    const { ctx, md } = ioasWorld(domains);
    if (domains === 0) {
      expect(ctx.getHwInfo({ devId: 99, dataLen: 8 }).errno).toBe(-Errno.ENOENT);
      return;
    }
    const devId = md[0]!.idev!.id;
    const r = ctx.getHwInfo({ devId, dataLen: 8 });
    expect(r.errno).toBe(0);
    expect(r.out.dataType).toBe(IOMMU_SELFTEST.HW_INFO_TYPE);
    expect(r.out.data['test_reg']).toBe(MOCK.HW_INFO_REGVAL);
    expect(r.out.dataLen).toBe(8);
    expect(r.out.capabilities & 1n).toBe(1n); // DIRTY_TRACKING
    expect(ctx.getHwInfo({ devId, dataLen: 8, reserved: 1 }).errno).toBe(-Errno.EOPNOTSUPP);
    expect(ctx.getHwInfo({ devId, dataLen: 8, flags: 1 }).errno).toBe(-Errno.EOPNOTSUPP); // no INPUT_TYPE in v6.12
  });
});

describe('iommufd_ioas hwpt_attach (nesting on the mock)', () => {
  it('allocates nested HWPTs only on a NEST_PARENT parent; the parent is pinned', () => {
    const { ctx, ioasId, md } = ioasWorld(1);
    const devId = md[0]!.idev!.id;
    const plain = ctx.hwptAlloc({ flags: 0, devId, ptId: ioasId });
    const parent = ctx.hwptAlloc({ flags: IOMMU_HWPT_ALLOC.NEST_PARENT, devId, ptId: ioasId });
    expect(plain.errno).toBe(0);
    expect(parent.errno).toBe(0);
    const data = { type: IOMMU_SELFTEST.HWPT_DATA, data: { iotlb: 0xbeef } };
    // type and length must agree
    expect(ctx.hwptAlloc({ flags: 0, devId, ptId: parent.out.hwptId, data, dataLen: 0 }).errno).toBe(-Errno.EINVAL);
    // no data: -EOPNOTSUPP; not a nest parent: -EINVAL; bad flags: -EOPNOTSUPP
    expect(ctx.hwptAlloc({ flags: 0, devId, ptId: parent.out.hwptId }).errno).toBe(-Errno.EOPNOTSUPP);
    expect(ctx.hwptAlloc({ flags: 0, devId, ptId: plain.out.hwptId, data }).errno).toBe(-Errno.EINVAL);
    expect(ctx.hwptAlloc({ flags: IOMMU_HWPT_ALLOC.DIRTY_TRACKING, devId, ptId: parent.out.hwptId, data }).errno).toBe(-Errno.EOPNOTSUPP);
    // unknown pt_id: -EINVAL (not -ENOENT); unknown dev_id: -ENOENT
    expect(ctx.hwptAlloc({ flags: 0, devId, ptId: 555 }).errno).toBe(-Errno.EINVAL);
    expect(ctx.hwptAlloc({ flags: 0, devId: 555, ptId: ioasId }).errno).toBe(-Errno.ENOENT);
    const nested = ctx.hwptAlloc({ flags: 0, devId, ptId: parent.out.hwptId, data });
    expect(nested.errno).toBe(0);
    // a nested HWPT is no parent
    expect(ctx.hwptAlloc({ flags: 0, devId, ptId: nested.out.hwptId, data }).errno).toBe(-Errno.EINVAL);
    expect(ctx.destroy({ id: parent.out.hwptId }).errno).toBe(-Errno.EBUSY);
    expect(ctx.destroy({ id: nested.out.hwptId }).errno).toBe(0);
    expect(ctx.destroy({ id: parent.out.hwptId }).errno).toBe(0);
  });

  it('HWPT_INVALIDATE: per-entry checks, entry_num written back; a paging HWPT is -ENOENT in v6.12 and -EINVAL after', () => {
    for (const [profile, paging] of [['linux-6.12', -Errno.ENOENT], ['linux-6.18', -Errno.EINVAL]] as const) {
      const { ctx, ioasId, md } = ioasWorld(1, profile);
      const devId = md[0]!.idev!.id;
      const parent = ctx.hwptAlloc({ flags: IOMMU_HWPT_ALLOC.NEST_PARENT, devId, ptId: ioasId }).out.hwptId;
      const hwptId = ctx.hwptAlloc({ flags: 0, devId, ptId: parent, data: { type: IOMMU_SELFTEST.HWPT_DATA, data: { iotlb: 1 } } }).out.hwptId;
      const T = 0xdeadbeef;
      const e = (iotlb_id: number, flags = 0) => ({ type: T, data: { iotlb_id, flags } });
      expect(ctx.hwptInvalidate({ hwptId, dataType: T, entryLen: 8, entries: [e(0)], entryNum: 1, nullData: true }).errno).toBe(-Errno.EINVAL);
      expect(ctx.hwptInvalidate({ hwptId, dataType: T, entryLen: 0, entries: [e(0)] }).errno).toBe(-Errno.EINVAL);
      expect(ctx.hwptInvalidate({ hwptId, dataType: T, entryLen: 8, entries: [], reserved: 1 }).errno).toBe(-Errno.EOPNOTSUPP);
      const partial = ctx.hwptInvalidate({ hwptId, dataType: T, entryLen: 8, entries: [e(0), e(1), e(MOCK.IOTLB_ID_MAX + 1)] });
      expect(partial).toEqual({ errno: -Errno.EINVAL, out: { entryNum: 2 } });
      expect(ctx.hwptInvalidate({ hwptId, dataType: T, entryLen: 8, entries: [e(0, 2)] })).toEqual({ errno: -Errno.EOPNOTSUPP, out: { entryNum: 0 } });
      expect(ctx.hwptInvalidate({ hwptId, dataType: T, entryLen: 8, entries: [e(0, 1)] })).toEqual({ errno: 0, out: { entryNum: 1 } });
      expect(ctx.hwptInvalidate({ hwptId: parent, dataType: T, entryLen: 8, entries: [e(0)] }).errno).toBe(paging);
    }
  });
});

describe('iommufd_mock_domain', () => {
  it('basic: bind needs CACHE_COHERENCY (-EINVAL); DIRTY_TRACKING HWPTs need the cap (-EOPNOTSUPP)', () => {
    const w = mockWorld();
    const ctx = openCtx(w);
    const ioasId = ctx.ioasAlloc().out.ioasId;
    const nocc = mockDomain(w, ctx, ioasId, { caps: [] });
    expect(nocc.errno).toBe(-Errno.EINVAL);
    const nodirty = mockDomain(w, ctx, ioasId, { flags: MOCK_FLAGS_DEVICE.NO_DIRTY });
    expect(nodirty.errno).toBe(0);
    expect(ctx.hwptAlloc({ flags: IOMMU_HWPT_ALLOC.DIRTY_TRACKING, devId: nodirty.idev!.id, ptId: ioasId }).errno).toBe(-Errno.EOPNOTSUPP);
    const dirty = mockDomain(w, ctx, ioasId);
    expect(ctx.hwptAlloc({ flags: IOMMU_HWPT_ALLOC.DIRTY_TRACKING, devId: dirty.idev!.id, ptId: ioasId }).errno).toBe(0);
    // PASID allocation flag: rejected on paging HWPTs by v6.12
    expect(ctx.hwptAlloc({ flags: IOMMU_HWPT_ALLOC.PASID, devId: dirty.idev!.id, ptId: ioasId }).errno).toBe(-Errno.EOPNOTSUPP);
  });

  it('shares one auto domain between mock devices on an IOAS and frees it with the last device', () => {
    const w = mockWorld();
    const ctx = openCtx(w);
    const ioasId = ctx.ioasAlloc().out.ioasId;
    const a = mockDomain(w, ctx, ioasId);
    const b = mockDomain(w, ctx, ioasId);
    expect(a.hwptId).toBe(b.hwptId);
    expect(ctx.destroy({ id: a.hwptId }).errno).toBe(-Errno.EBUSY);
    ctx.unbindDevice(a.idev!);
    ctx.unbindDevice(b.idev!);
    expect(ctx.get(a.hwptId)).toBe(-Errno.ENOENT);
    expect(ctx.destroy({ id: ioasId }).errno).toBe(0);
  });

  it('DEVICE objects are held by their driver: IOMMU_DESTROY is -EBUSY', () => {
    const w = mockWorld();
    const ctx = openCtx(w);
    const m = mockDomain(w, ctx, ctx.ioasAlloc().out.ioasId);
    expect(ctx.destroy({ id: m.idev!.id }).errno).toBe(-Errno.EBUSY);
  });

  it('maps existing areas into a domain attached later, and pins (-EFAULT) only once a domain needs the pages', () => {
    const w = mockWorld();
    const ctx = openCtx(w);
    const ioasId = ctx.ioasAlloc().out.ioasId;
    const buffer = w.proc.mm.mmap(PAGE_SIZE * 4n);
    const iova = MOCK.APERTURE_START;
    ctx.ioasMap({ flags: FIXED, ioasId, userVa: buffer, length: PAGE_SIZE * 2n, iova });
    // unmapped user memory is accepted without a domain...
    expect(ctx.ioasMap({ flags: FIXED, ioasId, userVa: 0x1000n, length: PAGE_SIZE, iova: iova + PAGE_SIZE * 8n }).errno).toBe(0);
    // ...and a domain that must pin it cannot be added
    expect(mockDomain(w, ctx, ioasId).errno).toBe(-Errno.EFAULT);
    ctx.ioasUnmap({ ioasId, iova: iova + PAGE_SIZE * 8n, length: PAGE_SIZE });
    const m = mockDomain(w, ctx, ioasId);
    expect(m.errno).toBe(0);
    const hwpt = ctx.get(m.hwptId);
    if (typeof hwpt === 'number' || !('domain' in hwpt)) throw new Error('no hwpt');
    expect((hwpt as { domain: { iovaToPhys(i: bigint): bigint | null } }).domain.iovaToPhys(iova + 8n)).toBe(w.proc.mm.pin(buffer, 1n) as bigint + 8n);
  });

  it('fault injection: a failing attach leaves nothing behind', () => {
    const w = mockWorld();
    const ctx = openCtx(w);
    const ioasId = ctx.ioasAlloc().out.ioasId;
    const dev = w.mock.addDevice();
    if (typeof dev === 'number') throw new Error(String(dev));
    const idev = ctx.bindDevice(dev);
    if (typeof idev === 'number') throw new Error(String(idev));
    w.mock.injectFault('attach', -Errno.ENOSPC);
    expect(ctx.attachDevice(idev, ioasId).errno).toBe(-Errno.ENOSPC);
    expect(ctx.objects().map((o) => o.type)).toEqual(['IOAS', 'DEVICE']);
    w.mock.injectFault('domain_alloc', -Errno.ENOMEM);
    expect(ctx.attachDevice(idev, ioasId).errno).toBe(-Errno.ENOMEM);
    expect(ctx.attachDevice(idev, ioasId).errno).toBe(0);
    ctx.unbindDevice(idev);
    expect(ctx.destroy({ id: ioasId }).errno).toBe(0);
  });
});

describe('enforce_cache_coherency (CC = device reports ENFORCE_CACHE_COHERENCY)', () => {
  const CC = [IommuCap.CACHE_COHERENCY, IommuCap.ENFORCE_CACHE_COHERENCY];
  const NONCC = [IommuCap.CACHE_COHERENCY];

  function mix(profile: string, first: readonly IommuCap[], second: readonly IommuCap[]) {
    const w = mockWorld({ profile });
    const ctx = openCtx(w);
    const ioasId = ctx.ioasAlloc().out.ioasId;
    const a = mockDomain(w, ctx, ioasId, { caps: first });
    const b = mockDomain(w, ctx, ioasId, { caps: second });
    const hwpts = ctx.objects().filter((o) => o.type === 'HWPT_PAGING') as unknown as { enforceCacheCoherency: boolean }[];
    return { a, b, hwpts, compatCc: ctx.ioasEnforcesCoherency(ioasId) };
  }

  it('v6.7+: a non-CC HWPT is shared by a later CC device (No-Snoop stays allowed)', () => {
    const r = mix('linux-6.12', NONCC, CC);
    expect([r.a.errno, r.b.errno]).toEqual([0, 0]);
    expect(r.a.hwptId).toBe(r.b.hwptId);
    expect(r.hwpts.map((h) => h.enforceCacheCoherency)).toEqual([false]);
    expect(r.compatCc).toBe(false);
  });

  it('v6.7+: a CC HWPT refuses a non-CC device, which gets its own HWPT', () => {
    const r = mix('linux-6.12', CC, NONCC);
    expect([r.a.errno, r.b.errno]).toEqual([0, 0]);
    expect(r.a.hwptId).not.toBe(r.b.hwptId);
    expect(r.hwpts.map((h) => h.enforceCacheCoherency)).toEqual([true, false]);
  });

  it('v6.2–v6.6: a CC device attaching to a non-CC HWPT tries the upgrade, fails -EINVAL, and gets a new CC HWPT', () => {
    const r = mix('linux-6.6', NONCC, CC);
    expect([r.a.errno, r.b.errno]).toEqual([0, 0]);
    expect(r.a.hwptId).not.toBe(r.b.hwptId);
    expect(r.hwpts.map((h) => h.enforceCacheCoherency)).toEqual([false, true]);
  });

  it('an explicit CC HWPT refuses a non-CC device at attach (-EINVAL)', () => {
    const w = mockWorld();
    const ctx = openCtx(w);
    const ioasId = ctx.ioasAlloc().out.ioasId;
    const cc = mockDomain(w, ctx, ioasId, { caps: CC });
    const non = mockDomain(w, ctx, ioasId, { caps: NONCC });
    ctx.detachDevice(non.idev!);
    expect(ctx.attachDevice(non.idev!, cc.hwptId).errno).toBe(-Errno.EINVAL);
  });
});
