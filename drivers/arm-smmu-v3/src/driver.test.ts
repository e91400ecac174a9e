import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Errno, Kernel, KernelModule, kernelProfile, type Device } from '@kdsim/core';
import { MachineFirmware, OfTree, parseDts } from '@kdsim/firmware';
import { DmaSimpleBus, IOMMU_FWSPEC, IOMMU_HWPT_ALLOC, IommuCap, IommuCore, IommuDomain, IommuHwInfoType, iommuCoreModule } from '@kdsim/iommu';
import { describe, expect, it } from 'vitest';
import { ArmSmmuV3Driver, type SmmuV3Domain } from './driver.js';
import { ARM_SMMU_FEAT, armSmmuV3HwProbe } from './features.js';
import { QEMU_SMMUV3, smmuV3Regs, type SmmuV3Hw } from './hw.js';

const TRUTH = '../../../../shared/truth/arm64-virt-smmuv3-dt';
const truthLog = (): string => gunzipSync(readFileSync(new URL(`${TRUTH}/serial.log.gz`, import.meta.url))).toString('utf8');

const DTS = `/dts-v1/;
/ {
  #address-cells = <2>; #size-cells = <2>;
  smmu: smmuv3@9050000 { compatible = "arm,smmu-v3"; reg = <0x00 0x9050000 0x00 0x20000>; #iommu-cells = <1>; dma-coherent; };
  eth@a000000 { compatible = "test,eth"; reg = <0x00 0xa000000 0x00 0x200>; iommus = <&smmu 0x10>; };
  big@a001000 { compatible = "test,big"; reg = <0x00 0xa001000 0x00 0x200>; iommus = <&smmu 0x10000>; };
};`;

function boot(profile = 'linux-6.12', hw: SmmuV3Hw = QEMU_SMMUV3, dts = DTS): { k: Kernel; drv: ArmSmmuV3Driver; dev: (n: string) => Device } {
  const tree = new OfTree(parseDts(dts, { file: 't.dts', preprocess: false }));
  const bus = new DmaSimpleBus('platform');
  let drv: ArmSmmuV3Driver | null = null;
  const machine = new KernelModule('machine', {
    initcalls: [
      { level: 'core', name: 'platform_bus_init', fn: (k) => { bus.kernel = k; return k.busRegister(bus); } },
      { level: 'arch', name: 'populate', fn: (k) => { for (const n of tree.root.children) k.deviceRegister({ name: n.name, bus, fwnode: n }); } },
      {
        level: 'device', name: 'drivers', fn: (k) => {
          drv = new ArmSmmuV3Driver(k, () => hw);
          for (const n of ['eth', 'big', 'a', 'b', 'c']) k.driverRegister({ name: n, bus, matchTable: [`test,${n}`] });
          k.driverRegister(drv.platformDriver(bus));
        },
      },
    ],
  });
  const k = new Kernel({
    profile, cmdline: 'fw_devlink=off', builtin: [iommuCoreModule(), machine],
    configure: (c) => c.bind(MachineFirmware).toConstantValue(new MachineFirmware({ of: tree })),
  });
  k.boot();
  return { k, drv: drv!, dev: (n) => k.device(n)! };
}

describe('arm-smmu-v3 probe on QEMU 7.2 (truth: arm64-virt-smmuv3-dt)', () => {
  it('prints the feature and queue lines the real 6.12 kernel printed', () => {
    const log = boot().k.dmesg();
    for (const line of ['ias 44-bit, oas 44-bit (features 0x00008305)', 'allocated 65536 entries for cmdq', 'allocated 32768 entries for evtq']) {
      expect(truthLog()).toContain(`arm-smmu-v3 9050000.smmuv3: ${line}`);
      expect(log).toContain(`arm-smmu-v3 smmuv3@9050000: ${line}`);
    }
  });

  it('registers the instance under the sysfs name truth.json shows', () => {
    const { k, drv } = boot();
    expect(drv.instances.map((s) => s.name)).toEqual(['smmu3.0x0000000009050000']);
    expect(readFileSync(new URL(`${TRUTH}/truth.json`, import.meta.url), 'utf8')).toContain('smmu3.0x0000000009050000');
    expect(k.container.get(IommuCore).groups()).toEqual([{ id: 0, type: 'DMA', devices: ['eth@a000000'] }]);
  });

  it('refuses a StreamID beyond IDR1.SIDSIZE: the endpoint binds without an IOMMU', () => {
    const { k, dev } = boot();
    expect(dev('big@a001000').bound).toBe(true);
    expect(k.container.get(IommuCore).groupOf(dev('big@a001000'))).toBeNull();
  });
});

describe('arm_smmu_device_hw_probe()', () => {
  const p612 = kernelProfile('linux-6.12')!;
  const p613 = kernelProfile('linux-6.13')!;
  it('lets the firmware coherency override IDR0.COHACC, with a warning', () => {
    const r = armSmmuV3HwProbe(smmuV3Regs({ ...QEMU_SMMUV3, cohacc: false }), true, p612);
    expect(r.features & ARM_SMMU_FEAT.COHERENCY).toBe(ARM_SMMU_FEAT.COHERENCY);
    expect(r.warnings).toEqual(['IDR0.COHACC overridden by FW configuration (true)']);
  });
  it('fails an SMMU with neither stage', () => {
    expect(armSmmuV3HwProbe(smmuV3Regs({ ...QEMU_SMMUV3, s1p: false }), true, p612).error).toBe('no translation support!');
  });
  it('reports FEAT_NESTING for two stages from v6.5 ("Add explicit feature for nesting") and S2FWB only from v6.13', () => {
    const regs = smmuV3Regs({ ...QEMU_SMMUV3, s2p: true, fwb: true });
    const feats = (profile: string): number => armSmmuV3HwProbe(regs, true, kernelProfile(profile)!).features & (ARM_SMMU_FEAT.NESTING | ARM_SMMU_FEAT.S2FWB);
    expect(feats('linux-6.4')).toBe(0);
    expect(feats('linux-6.5')).toBe(ARM_SMMU_FEAT.NESTING);
    expect(armSmmuV3HwProbe(regs, true, p612).features & (ARM_SMMU_FEAT.NESTING | ARM_SMMU_FEAT.S2FWB)).toBe(ARM_SMMU_FEAT.NESTING);
    expect(armSmmuV3HwProbe(regs, true, p613).features & (ARM_SMMU_FEAT.NESTING | ARM_SMMU_FEAT.S2FWB)).toBe(ARM_SMMU_FEAT.NESTING | ARM_SMMU_FEAT.S2FWB);
    // A stage-1-only SMMU (QEMU's default) never has it.
    expect(armSmmuV3HwProbe(smmuV3Regs(QEMU_SMMUV3), true, p613).features & ARM_SMMU_FEAT.NESTING).toBe(0);
  });
  it('detects HTTU (HA/HD) from IDR0 only from v6.11 ("Add feature detection for HTTU")', () => {
    const regs = smmuV3Regs({ ...QEMU_SMMUV3, httu: 2 });
    const ha = (profile: string): number => armSmmuV3HwProbe(regs, true, kernelProfile(profile)!).features & (ARM_SMMU_FEAT.HA | ARM_SMMU_FEAT.HD);
    expect(ha('linux-6.10')).toBe(0);
    expect(ha('linux-6.11')).toBe(ARM_SMMU_FEAT.HA | ARM_SMMU_FEAT.HD);
  });
});

// Two masters with one StreamID between them (functions behind one PCIe-to-PCI bridge both carry
// its alias), and a master listing its own ID twice (the function at devfn 0 behind such a bridge).
const SHARED_SID_DTS = `/dts-v1/;
/ {
  #address-cells = <2>; #size-cells = <2>;
  smmu: smmuv3@9050000 { compatible = "arm,smmu-v3"; reg = <0x00 0x9050000 0x00 0x20000>; #iommu-cells = <1>; dma-coherent; };
  a@a000000 { compatible = "test,a"; reg = <0x00 0xa000000 0x00 0x200>; iommus = <&smmu 0x309>, <&smmu 0x300>; };
  b@a001000 { compatible = "test,b"; reg = <0x00 0xa001000 0x00 0x200>; iommus = <&smmu 0x30a>, <&smmu 0x300>; };
  eth@a002000 { compatible = "test,eth"; reg = <0x00 0xa002000 0x00 0x200>; iommus = <&smmu 0x400>, <&smmu 0x400>; };
  c@a003000 { compatible = "test,c"; reg = <0x00 0xa003000 0x00 0x200>; iommus = <&smmu 0x30a>; };
};`;

describe('arm-smmu-v3 stream tree (arm_smmu_insert_master())', () => {
  const groups = (profile: string): { dev: string; group: string }[] => {
    const { k } = boot(profile, QEMU_SMMUV3, SHARED_SID_DTS);
    const core = k.container.get(IommuCore);
    return ['a@a000000', 'b@a001000', 'eth@a002000'].map((n) => ({ dev: n, group: core.groups().find((g) => g.devices.includes(n))?.devices.join(' ') ?? '-' }));
  };

  it('from v5.13 fails the second master of a StreamID with -EINVAL: it binds without an IOMMU', () => {
    const { k } = boot('linux-6.12', QEMU_SMMUV3, SHARED_SID_DTS);
    expect(k.device('b@a001000')!.bound).toBe(true);
    expect(k.dmesg()).toContain('b b@a001000: stream 768 already in tree\n');
    expect(groups('linux-6.12').find((g) => g.dev === 'b@a001000')!.group).toBe('-');
    expect(groups('linux-6.12').find((g) => g.dev === 'a@a000000')!.group).toBe('a@a000000');
  });

  it('until v6.13 also fails a master that lists its own StreamID twice; v6.13 names the owner', () => {
    expect(groups('linux-6.12').find((g) => g.dev === 'eth@a002000')!.group).toBe('-');
    expect(groups('linux-6.13').find((g) => g.dev === 'eth@a002000')!.group).toBe('eth@a002000');
    const log = boot('linux-6.13', QEMU_SMMUV3, SHARED_SID_DTS).k.dmesg();
    expect(log).toContain('b b@a001000: stream 768 already in tree from dev a@a000000');
    expect(log).not.toContain('eth@a002000: stream');
  });

  it('before v5.13 keeps no tree: every master gets its group, and attaching the second master of a StreamID oopses', () => {
    expect(groups('linux-5.12').map((g) => g.group)).toEqual(['a@a000000', 'b@a001000', 'eth@a002000']);
    // arm_smmu_write_strtab_ent(): BUG_ON(ste_live). The probing context dies with b half-probed;
    // the other contexts carry on (a real 5.10.223 on QEMU, test/calibration/v5.10-*-bridges).
    const { k } = boot('linux-5.12', QEMU_SMMUV3, SHARED_SID_DTS);
    expect(k.dmesg()).toContain('kernel BUG at drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c:1279!\n');
    expect(k.dmesg()).toContain('Internal error: Oops - BUG: 00000000f2000800 [#1] SMP');
    expect(k.oopses).toBe(1);
    // Here b was retried by the deferred probe work: that kworker died, so the init task's
    // wait_for_device_probe() (flush_work()) never returns, as the real boot would hang.
    expect(k.runResult).toEqual({ end: 'stuck', blocked: [{ thread: 'init', what: 'flush_work(deferred_probe_work)' }] });
    expect(k.device('a@a000000')!.bound).toBe(true);
    expect(k.device('b@a001000')!.bound).toBe(false);
  });

  it('frees the IDs of a failed probe and of a released master', () => {
    const { k, drv, dev } = boot('linux-6.12', QEMU_SMMUV3, SHARED_SID_DTS);
    // b inserted 0x30a before failing at 0x300: taken out again, so c (0x30a) probes.
    expect(k.container.get(IommuCore).groups().find((g) => g.devices.includes('c@a003000'))).toBeDefined();
    // On 6.12 even a master's own ID still in the tree fails it: a probes again only once released.
    expect(drv.probeDevice(dev('a@a000000'))).toBe(-Errno.EINVAL);
    drv.releaseDevice(dev('a@a000000'));
    expect(typeof drv.probeDevice(dev('a@a000000'))).toBe('object');
  });
});

describe('arm-smmu-v3 capabilities and domains per kernel', () => {
  it('answers CACHE_COHERENCY from the coherent TCU and never ENFORCE_CACHE_COHERENCY without CANWBS', () => {
    const { k, dev } = boot();
    const core = k.container.get(IommuCore);
    expect(core.deviceCapable(dev('eth@a000000'), IommuCap.CACHE_COHERENCY)).toBe(true);
    expect(core.deviceCapable(dev('eth@a000000'), IommuCap.DEFERRED_FLUSH)).toBe(true);
    expect(core.deviceCapable(dev('eth@a000000'), IommuCap.ENFORCE_CACHE_COHERENCY)).toBe(false);
  });

  // Decision table "Is E's HWPT No-Snoop-safe?": ENFORCE_CACHE_COHERENCY of the master ∧ the domain op.
  it('gives ENFORCE_CACHE_COHERENCY per CANWBS master from v6.13, and a CANWBS-only domain then enforces coherency', () => {
    for (const [profile, canwbs, want] of [['linux-6.13', true, true], ['linux-6.13', false, false], ['linux-6.12', true, false]] as const) {
      const { k, drv, dev } = boot(profile);
      const eth = dev('eth@a000000');
      // What IORT sets for a root complex with the CANWBS memory flag (iort_pci_rc_supports_canwbs()),
      // which a DT machine cannot express: set on the fwspec, release the master and probe it again.
      const fw = k.container.get(IommuCore).fwspec(eth)!;
      if (canwbs) fw.flags |= IOMMU_FWSPEC.PCI_RC_CANWBS;
      drv.releaseDevice(eth);
      expect(typeof drv.probeDevice(eth)).toBe('object');
      expect(drv.capable(eth, IommuCap.ENFORCE_CACHE_COHERENCY)).toBe(want);
      const domain = drv.domainAllocPaging(eth, 0, null);
      if (!(domain instanceof IommuDomain)) throw new Error(`domain alloc: ${String(domain)}`);
      expect(domain.attachDev(eth)).toBe(0);
      expect(domain.enforceCacheCoherency()).toBe(want);
    }
  });

  it('v6.12 refuses NEST_PARENT (-EOPNOTSUPP); v6.13 accepts it only with FEAT_NESTING', () => {
    const nest = { ...QEMU_SMMUV3, s2p: true };
    const a = boot('linux-6.12', nest);
    expect(a.drv.domainAllocPaging(a.dev('eth@a000000'), IOMMU_HWPT_ALLOC.NEST_PARENT, null)).toBe(-Errno.EOPNOTSUPP);
    const b = boot('linux-6.13', nest);
    expect(typeof b.drv.domainAllocPaging(b.dev('eth@a000000'), IOMMU_HWPT_ALLOC.NEST_PARENT, null)).toBe('object');
    const c = boot('linux-6.13');
    expect(c.drv.domainAllocPaging(c.dev('eth@a000000'), IOMMU_HWPT_ALLOC.NEST_PARENT, null)).toBe(-Errno.EOPNOTSUPP);
  });

  it('confines a finalised domain to its input size: 48-bit VAs at stage 1, the IAS at stage 2', () => {
    const a = boot('linux-6.12');
    const s1 = a.drv.domainAllocPaging(a.dev('eth@a000000'), 0, null) as SmmuV3Domain;
    expect(s1.geometry).toEqual({ apertureStart: 0n, apertureEnd: (1n << 48n) - 1n, forceAperture: true });
    const b = boot('linux-6.13', { ...QEMU_SMMUV3, s2p: true, oasBits: 42 });
    const s2 = b.drv.domainAllocPaging(b.dev('eth@a000000'), IOMMU_HWPT_ALLOC.NEST_PARENT, null) as SmmuV3Domain;
    expect(s2.stage).toBe(2);
    expect(s2.geometry.apertureEnd).toBe((1n << 42n) - 1n);
  });

  it('allows a vIOMMU only with nesting and CANWBS or S2FWB (v6.13+)', () => {
    const b = boot('linux-6.13', { ...QEMU_SMMUV3, s2p: true });
    expect(b.drv.viommuSupported(b.dev('eth@a000000'))).toBe(false);
    const c = boot('linux-6.13', { ...QEMU_SMMUV3, s2p: true, fwb: true });
    expect(c.drv.viommuSupported(c.dev('eth@a000000'))).toBe(true);
  });

  it('dirty tracking needs HTTU dirty state (HD) on a coherent SMMU', () => {
    const a = boot('linux-6.12');
    expect(a.drv.domainAllocPaging(a.dev('eth@a000000'), IOMMU_HWPT_ALLOC.DIRTY_TRACKING, null)).toBe(-Errno.EOPNOTSUPP);
    const b = boot('linux-6.12', { ...QEMU_SMMUV3, httu: 2 });
    expect(typeof b.drv.domainAllocPaging(b.dev('eth@a000000'), IOMMU_HWPT_ALLOC.DIRTY_TRACKING, null)).toBe('object');
  });

  it('reports the raw ID registers through hw_info from v6.13 only', () => {
    const a = boot('linux-6.12');
    expect(a.drv.ops.hwInfo).toBeUndefined();
    const b = boot('linux-6.13');
    const info = b.drv.hwInfo(b.dev('eth@a000000'), IommuHwInfoType.NONE);
    expect(info).toMatchObject({ type: IommuHwInfoType.ARM_SMMUV3, data: { idr: smmuV3Regs(QEMU_SMMUV3).idr } });
    expect(b.drv.hwInfo(b.dev('eth@a000000'), IommuHwInfoType.INTEL_VTD)).toBe(-Errno.EOPNOTSUPP);
  });

  it('enable_nesting (VFIO_TYPE1_NESTING_IOMMU): stage 2 on an unfinalised domain, -EPERM once finalised, gone in v6.13', () => {
    const { k, drv, dev } = boot('linux-6.6', { ...QEMU_SMMUV3, s2p: true });
    const d = drv.domainAllocPaging(dev('eth@a000000'), 0, null) as SmmuV3Domain;
    expect([d.stage, d.smmu]).toEqual([1, null]); // v6.6: finalised at first attach
    expect(d.enableNesting()).toBe(0);
    expect(d.stage).toBe(2);
    const group = k.container.get(IommuCore).groupOf(dev('eth@a000000'))!;
    expect(k.container.get(IommuCore).attachGroup(d, group)).toBe(0);
    expect(d.smmu).toBe(drv.instances[0]);
    expect(d.stage).toBe(2);
    expect(d.enableNesting()).toBe(-Errno.EPERM);
    // arm_smmu_domain_finalise() restricts the stage to the SMMU's: QEMU 7.2's default is stage-1 only.
    const s1 = boot('linux-6.6');
    const d1 = s1.drv.domainAllocPaging(s1.dev('eth@a000000'), 0, null) as SmmuV3Domain;
    expect(d1.enableNesting()).toBe(0);
    expect(s1.k.container.get(IommuCore).attachGroup(d1, s1.k.container.get(IommuCore).groupOf(s1.dev('eth@a000000'))!)).toBe(0);
    expect(d1.stage).toBe(1);
    // v6.11+: the device is given at allocation, so the domain is finalised before type1 asks.
    const b = boot('linux-6.12');
    expect((b.drv.domainAllocPaging(b.dev('eth@a000000'), 0, null) as SmmuV3Domain).enableNesting()).toBe(-Errno.EPERM);
    const c = boot('linux-6.13');
    expect((c.drv.domainAllocPaging(c.dev('eth@a000000'), 0, null) as SmmuV3Domain).enableNesting()).toBe(-Errno.EINVAL);
  });
});
