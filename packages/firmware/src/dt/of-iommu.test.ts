import { Errno } from '@kdsim/core';
import { describe, expect, it } from 'vitest';
import { fixture } from '@kdsim/testing';
import { parseDts } from './dts-compile.js';
import { decodeFdt } from './fdt-decode.js';
import { OfTree, type OfNode } from './of.js';
import { type OfIommuEnv, type OfIommuInstance, ofIommuConfigure } from './of-iommu.js';
import { xenDtGrantBackendDomid } from './xen-grant.js';

const tree = (body: string): OfTree => new OfTree(parseDts(`/dts-v1/;\n/ {\n${body}\n};\n`, { file: 't.dts', preprocess: false }));
const at = (t: OfTree, path: string): OfNode => t.findNodeByPath(path) ?? (() => { throw new Error(path); })();

const smmu: OfIommuInstance = { ops: 'arm-smmu-v3', ready: true };
/** A registry by node path; anything else is not registered and the deferral policy answers `state`. */
function env(registered: Record<string, OfIommuInstance>, state = -Errno.EPROBE_DEFER): OfIommuEnv {
  return { lookup: (n) => registered[n.path] ?? null, checkState: () => state };
}

describe('of_iommu_configure(): platform devices and "iommus" (spec §2.8 table)', () => {
  const t = tree(`
    s1: smmu1 { #iommu-cells = <1>; };
    s2: smmu2 { #iommu-cells = <1>; };
    v: viommu { #iommu-cells = <1>; };
    off: off { #iommu-cells = <1>; status = "disabled"; };
    nc: nocells { };
    none { };
    one { iommus = <&s1 0x10>; };
    empty-first { iommus = <0>, <&s1 1>; };
    dangling { iommus = <0x4242 1>; };
    no-cells { iommus = <&nc 1>; };
    short { iommus = <&s1>; };
    disabled { iommus = <&off 1>; };
    two { iommus = <&s1 1>, <&s2 2>; };
    second-off { iommus = <&s1 1>, <&off 2>; };
    second-bad { iommus = <&s1 1>, <0x4242 2>; };
    mixed { iommus = <&s1 1>, <&v 2>; };`);
  const reg = env({ '/smmu1': smmu, '/smmu2': smmu, '/viommu': { ops: 'virtio-iommu', ready: true } });
  const run = (path: string, e = reg, extra = {}) => ofIommuConfigure({ node: at(t, path), ...extra }, e);

  it('binds a master to its IOMMU with the specifier as ID', () => {
    expect(run('/one')).toEqual({ outcome: 'BOUND', errno: 0, iommu: at(t, '/smmu1'), ids: [0x10], flags: { ats: false } });
  });

  it('gives NO_IOMMU (-ENODEV) without "iommus" or without a node', () => {
    expect(run('/none')).toMatchObject({ outcome: 'NO_IOMMU', errno: -Errno.ENODEV, iommu: null, ids: [] });
    expect(ofIommuConfigure({ node: null }, reg)).toMatchObject({ outcome: 'NO_IOMMU', errno: -Errno.ENODEV });
  });

  it('gives NO_IOMMU when the first entry is empty, dangling, without #iommu-cells or short', () => {
    for (const p of ['/empty-first', '/dangling', '/no-cells', '/short']) {
      expect(run(p), p).toMatchObject({ outcome: 'NO_IOMMU', errno: -Errno.ENODEV });
    }
  });

  it('does not wait for an unavailable IOMMU', () => {
    expect(run('/disabled', env({}))).toMatchObject({ outcome: 'NO_IOMMU', errno: -Errno.ENODEV });
  });

  it('defers while the IOMMU is not registered and the policy says wait', () => {
    expect(run('/one', env({}))).toMatchObject({ outcome: 'DEFER', errno: -Errno.EPROBE_DEFER });
  });

  it('gives up with the policy\'s error once it stops waiting', () => {
    expect(run('/one', env({}, -Errno.ETIMEDOUT))).toMatchObject({ outcome: 'NO_IOMMU', errno: -Errno.ETIMEDOUT });
    expect(run('/one', env({}, -Errno.ENODEV))).toMatchObject({ outcome: 'NO_IOMMU', errno: -Errno.ENODEV });
  });

  it('defers while registration is still running, unless the device already has IOMMU state', () => {
    const registering = env({ '/smmu1': { ...smmu, ready: false } });
    expect(run('/one', registering)).toMatchObject({ outcome: 'DEFER' });
    expect(run('/one', registering, { hasIommuState: true })).toMatchObject({ outcome: 'BOUND', ids: [0x10] });
  });

  it('gives NO_IOMMU when the driver has no of_xlate (the Xen grant stub)', () => {
    expect(run('/one', env({ '/smmu1': { ops: 'xen-grant-dma-iommu', ready: true, ofXlate: null } }))).toMatchObject({ outcome: 'NO_IOMMU', errno: -Errno.ENODEV });
  });

  it('uses the driver\'s of_xlate, whose error fails the device', () => {
    const two = env({ '/smmu1': { ...smmu, ofXlate: (args) => [args[0]! | 0x100, 7] } });
    expect(run('/one', two)).toMatchObject({ outcome: 'BOUND', ids: [0x110, 7] });
    expect(run('/one', env({ '/smmu1': { ...smmu, ofXlate: () => -Errno.EINVAL } }))).toMatchObject({ outcome: 'NO_IOMMU', errno: -Errno.EINVAL });
  });

  it('keeps the first IOMMU and accumulates IDs across instances of one driver', () => {
    expect(run('/two')).toMatchObject({ outcome: 'BOUND', iommu: at(t, '/smmu1'), ids: [1, 2] });
  });

  it('fails the whole device when a later entry reaches a disabled IOMMU or another driver', () => {
    expect(run('/second-off')).toMatchObject({ outcome: 'NO_IOMMU', errno: -Errno.ENODEV, ids: [] });
    expect(run('/mixed')).toMatchObject({ outcome: 'NO_IOMMU', errno: -Errno.EINVAL, ids: [] });
  });

  it('keeps what was gathered when a later entry merely fails to parse', () => {
    expect(run('/second-bad')).toMatchObject({ outcome: 'BOUND', iommu: at(t, '/smmu1'), ids: [1] });
  });

  it('returns an existing fwspec untouched', () => {
    const fwspec = { iommu: at(t, '/smmu2'), ids: [9], ats: false };
    expect(run('/none', env({}), { fwspec })).toMatchObject({ outcome: 'BOUND', iommu: at(t, '/smmu2'), ids: [9] });
  });
});

describe('of_iommu_configure(): PCI devices and "iommu-map"', () => {
  const t = tree(`
    s1: smmu { #iommu-cells = <1>; };
    off: off { #iommu-cells = <1>; status = "disabled"; };
    host { iommu-map = <0x0 &s1 0x10000 0x100>, <0x200 &off 0 0x10>; ats-supported; };
    nomap { };
    bad { iommu-map = <0 &s1 0>; };
    efault { iommu-map = <0x1000 &s1 0 0x10>; iommu-map-mask = <0xff>; };
    fslmc { iommu-map = <0x0 &s1 0x0 0x80>; };`);
  const reg = env({ '/smmu': smmu });
  const pci = (path: string, rids: number[]) => ofIommuConfigure({ node: at(t, path), pciRids: rids }, reg);

  it('maps the RID through the host bridge map and flags ATS from ats-supported', () => {
    expect(pci('/host', [0x8])).toEqual({ outcome: 'BOUND', errno: 0, iommu: at(t, '/smmu'), ids: [0x10008], flags: { ats: true } });
  });

  it('adds one ID per DMA alias, and stops at the first alias that fails', () => {
    expect(pci('/host', [0x108 - 0x100, 0x10])).toMatchObject({ outcome: 'BOUND', ids: [0x10008, 0x10010] });
    expect(pci('/host', [0x8, 0x150, 0x10])).toMatchObject({ outcome: 'NO_IOMMU', errno: -Errno.ENODEV, ids: [] });
  });

  it('gives NO_IOMMU for a RID no entry matches, a disabled target, no map or a malformed one', () => {
    expect(pci('/host', [0x150])).toMatchObject({ outcome: 'NO_IOMMU', errno: -Errno.ENODEV });
    expect(pci('/host', [0x201])).toMatchObject({ outcome: 'NO_IOMMU', errno: -Errno.ENODEV });
    expect(pci('/nomap', [0])).toMatchObject({ outcome: 'NO_IOMMU', errno: -Errno.ENODEV });
    expect(pci('/bad', [0])).toMatchObject({ outcome: 'NO_IOMMU', errno: -Errno.EINVAL });
    expect(pci('/efault', [0x10])).toMatchObject({ outcome: 'NO_IOMMU', errno: -Errno.EFAULT });
  });

  it('translates a bus input ID (fsl-mc, CDX) through iommu-map', () => {
    expect(ofIommuConfigure({ node: at(t, '/fslmc'), inputId: 0x42 }, reg)).toMatchObject({ outcome: 'BOUND', ids: [0x42] });
  });
});

describe('of_iommu_configure() on the fixtures', () => {
  it('qemu72-virt-smmuv3: the host bridge 00:00.0 gets StreamID 0 once the SMMU is registered', () => {
    const q = new OfTree(decodeFdt(fixture('dt/qemu72-virt-smmuv3.dtb')));
    const dev = { node: at(q, '/pcie@10000000'), pciRids: [0x0000] };
    expect(ofIommuConfigure(dev, env({}))).toMatchObject({ outcome: 'DEFER' });
    expect(ofIommuConfigure(dev, env({ '/smmuv3@9050000': smmu }))).toMatchObject({ outcome: 'BOUND', iommu: at(q, '/smmuv3@9050000'), ids: [0] });
  });

  it('qemu72-virt-virtio-iommu: the IOMMU function 00:01.0 itself is left out of the map', () => {
    const q = new OfTree(decodeFdt(fixture('dt/qemu72-virt-virtio-iommu.dtb')));
    const e = env({ '/pcie@10000000/virtio_iommu@1,0': { ops: 'virtio-iommu', ready: true } });
    expect(ofIommuConfigure({ node: at(q, '/pcie@10000000'), pciRids: [0x0008] }, e)).toMatchObject({ outcome: 'NO_IOMMU', errno: -Errno.ENODEV });
    expect(ofIommuConfigure({ node: at(q, '/pcie@10000000'), pciRids: [0x0010] }, e)).toMatchObject({ outcome: 'BOUND', ids: [0x10] });
  });

  it('linux virtio-mmio example: /virtio@3000 gets endpoint 23 from the virtio,mmio IOMMU', () => {
    const l = new OfTree(decodeFdt(fixture('dt/linux-example-virtio-mmio-iommu.dtb')));
    const e = env({ '/iommu@3100': { ops: 'virtio-iommu', ready: true } });
    expect(ofIommuConfigure({ node: at(l, '/virtio@3000') }, e)).toMatchObject({ outcome: 'BOUND', iommu: at(l, '/iommu@3100'), ids: [23] });
  });

  it('xen grant DMA: waits for the stub, then carries on without an IOMMU', () => {
    const x = new OfTree(decodeFdt(fixture('dt/xen-grant-dma-mmio.dtb')));
    const dev = { node: at(x, '/virtio@3000') };
    expect(ofIommuConfigure(dev, env({}))).toMatchObject({ outcome: 'DEFER' });
    expect(ofIommuConfigure(dev, env({ '/xen_iommu': { ops: 'xen-grant', ready: true, ofXlate: null } }))).toMatchObject({ outcome: 'NO_IOMMU', errno: -Errno.ENODEV });
  });
});

describe('xen_dt_grant_init_backend_domid()', () => {
  it('reads backend domid 1 for /virtio@3000 of the xen fixture', () => {
    const x = new OfTree(decodeFdt(fixture('dt/xen-grant-dma-mmio.dtb')));
    expect(xenDtGrantBackendDomid({ node: at(x, '/virtio@3000') })).toEqual({ errno: 0, domid: 1 });
  });

  it('maps a PCI device\'s own RID through the host controller, as a 16-bit domid', () => {
    const t = tree(`
      xen: xen { compatible = "xen,grant-dma"; #iommu-cells = <1>; };
      host { iommu-map = <0x0 &xen 0x10007 0x10>; };`);
    expect(xenDtGrantBackendDomid({ node: at(t, '/host'), pciRid: 0x1 })).toEqual({ errno: 0, domid: 0x0008 });
    expect(xenDtGrantBackendDomid({ node: at(t, '/host'), pciRid: 0x20 })).toMatchObject({ errno: -Errno.ESRCH });
  });

  it('refuses an IOMMU that is not xen,grant-dma or has more than one cell (-ESRCH)', () => {
    const t = tree(`
      s: smmu { compatible = "arm,smmu-v3"; #iommu-cells = <1>; };
      x2: xen2 { compatible = "xen,grant-dma"; #iommu-cells = <2>; };
      a { iommus = <&s 1>; }; b { iommus = <&x2 1 2>; }; c { };`);
    for (const p of ['/a', '/b', '/c']) expect(xenDtGrantBackendDomid({ node: at(t, p) }).errno, p).toBe(-Errno.ESRCH);
  });

  it('without DT: -ENODEV, or dom0 when grants are forced', () => {
    expect(xenDtGrantBackendDomid({ node: null }).errno).toBe(-Errno.ENODEV);
    expect(xenDtGrantBackendDomid({ node: null }, { forceGrant: true })).toEqual({ errno: 0, domid: 0 });
  });
});
