import { Errno, type Kernel } from '@kdsim/core';
import { describe, expect, it } from 'vitest';
import { IommuCore } from './core.js';
import { dtMachine, dtTree, iommuDriver, testIommuOps, type TestIommuShape } from './testing.js';
import { IommuCap, IommuDomainType } from './types.js';

const DTS = `
  smmu: iommu@5000000 { compatible = "test,iommu"; reg = <0x5000000 0x1000>; #iommu-cells = <1>; };
  off: iommu@6000000 { compatible = "test,iommu"; reg = <0x6000000 0x1000>; #iommu-cells = <1>; status = "disabled"; };
  eth@1000 { compatible = "test,eth"; reg = <0x1000 0x100>; iommus = <&smmu 0x10>; };
  blk@2000 { compatible = "test,blk"; reg = <0x2000 0x100>; iommus = <&smmu 0x20>; dma-coherent; };
  uart@3000 { compatible = "test,uart"; reg = <0x3000 0x100>; };
  nic@4000 { compatible = "test,nic"; reg = <0x4000 0x100>; iommus = <&off 0x30>; };
`;

interface Boot {
  readonly k: Kernel;
  readonly core: IommuCore;
}

/** Endpoint drivers register before the IOMMU driver (link order), so endpoints defer once. */
function boot(opts: { cmdline?: string; shape?: TestIommuShape; iommuDriver?: boolean; profile?: string; config?: 'strict' | 'lazy' | 'passthrough' } = {}): Boot {
  const tree = dtTree(DTS);
  const k = dtMachine({
    tree,
    cmdline: `fw_devlink=off ${opts.cmdline ?? ''}`,
    ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
    iommuConfig: { defaultDomain: opts.config ?? 'strict' },
    devices: ['/iommu@5000000', '/iommu@6000000', '/eth@1000', '/blk@2000', '/uart@3000', '/nic@4000'],
    drivers: (bus, kk) => {
      const ops = testIommuOps(() => kk().container.get(IommuCore), opts.shape);
      const eps = ['eth', 'blk', 'uart', 'nic'].map((n) => ({ name: n, bus, matchTable: [`test,${n}`] }));
      return opts.iommuDriver === false ? eps : [...eps, iommuDriver(bus, kk, 'test-iommu', 'test,iommu', () => ops)];
    },
  });
  k.boot();
  return { k, core: k.container.get(IommuCore) };
}

describe('IOMMU core on the DT path (of_dma_configure → of_iommu_configure → iommu_probe_device)', () => {
  it('defers an endpoint until its IOMMU registers, then puts it in its own group', () => {
    const { k, core } = boot();
    const eth = k.device('eth@1000')!;
    expect(eth.bound).toBe(true);
    expect(eth.deferCount).toBe(1);
    expect(core.fwspec(eth)?.ids).toEqual([0x10]);
    expect(core.groups()).toEqual([
      { id: 0, type: 'DMA', devices: ['eth@1000'] },
      { id: 1, type: 'DMA', devices: ['blk@2000'] },
    ]);
    expect(k.dmesg()).toContain('eth eth@1000: Adding to iommu group 0');
  });

  it('prints the default-domain boot lines as iommu_subsys_init() does', () => {
    expect(boot().k.dmesg()).toMatch(/iommu: Default domain type: Translated\n.*iommu: DMA domain TLB invalidation policy: strict mode/);
    const lazy = boot({ config: 'lazy' }).k.dmesg();
    expect(lazy).toContain('iommu: DMA domain TLB invalidation policy: lazy mode');
    const pt = boot({ cmdline: 'iommu.passthrough=1' }).k.dmesg();
    expect(pt).toContain('iommu: Default domain type: Passthrough (set via kernel command line)');
    expect(pt).not.toContain('TLB invalidation policy');
    expect(boot({ cmdline: 'iommu.strict=0' }).k.dmesg()).toContain('policy: lazy mode (set via kernel command line)');
  });

  it('makes lazy default domains DMA-FQ only when the driver reports DEFERRED_FLUSH', () => {
    expect(boot({ config: 'lazy' }).core.groups()[0]!.type).toBe('DMA');
    expect(boot({ config: 'lazy', shape: { caps: [IommuCap.DEFERRED_FLUSH] } }).core.groups()[0]!.type).toBe('DMA-FQ');
  });

  it('gives passthrough groups an identity domain, falling back to DMA when the driver has none', () => {
    expect(boot({ cmdline: 'iommu.passthrough=1', shape: { identity: true } }).core.groups()[0]!.type).toBe('identity');
    const noId = boot({ cmdline: 'iommu.passthrough=1' });
    expect(noId.core.groups()[0]!.type).toBe('DMA');
    expect(noId.k.dmesg()).toContain('iommu: Failed to allocate default IOMMU domain of type 4 for group 0 - Falling back to IOMMU_DOMAIN_DMA');
  });

  it('lets the driver require a domain type (def_domain_type)', () => {
    expect(boot({ shape: { defDomainType: IommuDomainType.IDENTITY, identity: true } }).core.groups()[0]!.type).toBe('identity');
  });

  it('binds a device whose iommus names a disabled IOMMU without one, logging -ENODEV at debug level', () => {
    const { k, core } = boot({ cmdline: 'dyndbg="file drivers/iommu/of_iommu.c +p"' });
    const nic = k.device('nic@4000')!;
    expect(nic.bound).toBe(true);
    expect(nic.deferCount).toBe(0);
    expect(core.groupOf(nic)).toBeNull();
    expect(k.dmesg()).toContain('nic nic@4000: Adding to IOMMU failed: -19');
    expect(k.dmesg()).toContain('uart uart@3000: Adding to IOMMU failed: -19');
  });

  it('records dma-coherent from the device node (arm64 default: not coherent)', () => {
    const { k } = boot();
    expect(k.device('blk@2000')!.dmaCoherent).toBe(true);
    expect(k.device('eth@1000')!.dmaCoherent).toBe(false);
  });

  it('treats an IOMMU driver without of_xlate as no IOMMU (the Xen grant stub case)', () => {
    const { k, core } = boot({ shape: { ofXlate: false } });
    expect(k.device('eth@1000')!.bound).toBe(true);
    expect(core.groups()).toEqual([]);
  });

  it('keeps deferring while no IOMMU driver exists, and gives up after deferred_probe_timeout on DT', () => {
    const { k, core } = boot({ iommuDriver: false, cmdline: 'deferred_probe_timeout=5' });
    const eth = k.device('eth@1000')!;
    expect(eth.bound).toBe(true);
    expect(eth.deferCount).toBeGreaterThan(0);
    expect(core.groupOf(eth)).toBeNull();
    expect(k.dmesg()).toContain('eth@1000: deferred probe timeout, ignoring dependency');
  });

  it('answers device_iommu_capable() from the driver, only for probed devices and capabilities the kernel has', () => {
    const { k, core } = boot({ shape: { caps: [IommuCap.CACHE_COHERENCY, IommuCap.DIRTY_TRACKING] } });
    expect(core.deviceCapable(k.device('eth@1000')!, IommuCap.CACHE_COHERENCY)).toBe(true);
    expect(core.deviceCapable(k.device('eth@1000')!, IommuCap.NOEXEC)).toBe(false);
    expect(core.deviceCapable(k.device('uart@3000')!, IommuCap.CACHE_COHERENCY)).toBe(false);
    const old = boot({ profile: 'linux-6.6', shape: { caps: [IommuCap.DIRTY_TRACKING] } });
    expect(old.core.deviceCapable(old.k.device('eth@1000')!, IommuCap.DIRTY_TRACKING)).toBe(false);
  });

  it('counts kernel drivers on the default domain and refuses them once a user owns the group', () => {
    const { k, core } = boot();
    const group = core.groupOf(k.device('eth@1000')!)!;
    expect(group.ownerCnt).toBe(1);
    group.owner = 'vfio';
    group.domain = null;
    expect(core.deviceUseDefaultDomain(k.device('eth@1000')!)).toBe(-Errno.EBUSY);
  });
});

describe('DMA ownership (iommu_group_claim_dma_owner and friends)', () => {
  it('refuses a user while a kernel driver uses the default domain, then blocks DMA for the owner', () => {
    const { k, core } = boot();
    const eth = k.device('eth@1000')!;
    const group = core.groupOf(eth)!;
    expect(core.groupClaimDmaOwner(group, 'vfio')).toBe(-Errno.EPERM);
    core.deviceUnuseDefaultDomain(eth);
    expect(core.groupClaimDmaOwner(group, 'vfio')).toBe(0);
    expect(group.domain).toBe(group.blockingDomain);
    expect(core.deviceClaimDmaOwner(eth, 'iommufd')).toBe(-Errno.EPERM);
    expect(core.deviceClaimDmaOwner(k.device('uart@3000')!, 'iommufd')).toBe(-Errno.ENODEV);
  });

  it('attaches an owner domain from the blocking domain and returns to the default domain on release', () => {
    const { k, core } = boot();
    const eth = k.device('eth@1000')!;
    const group = core.groupOf(eth)!;
    core.deviceUnuseDefaultDomain(eth);
    expect(core.deviceClaimDmaOwner(eth, 'iommufd')).toBe(0);
    const ops = core.deviceOps(eth)!;
    const dom = ops.domainAllocPaging!(eth, 0, null);
    if (typeof dom === 'number') throw new Error('alloc');
    expect(core.attachGroup(dom, group)).toBe(0);
    expect(dom.devices).toEqual([eth]);
    const other = ops.domainAllocPaging!(eth, 0, null);
    if (typeof other === 'number') throw new Error('alloc');
    expect(core.attachGroup(other, group)).toBe(-Errno.EBUSY);
    core.detachGroup(dom, group);
    expect(group.domain).toBe(group.blockingDomain);
    core.deviceReleaseDmaOwner(eth);
    expect(group.domain).toBe(group.defaultDomain);
    expect(group.owner).toBeNull();
  });
});
