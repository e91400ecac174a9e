import { Errno, LogLevel, type BusType, type Device, type DriverSpec, type Kernel } from '@kdsim/core';
import { IortFwnode, ofAddressToResource, OfNode } from '@kdsim/firmware';
import {
  IOMMU_FWSPEC, IOMMU_HWPT_ALLOC, IOMMU_PROT, IommuCap, IommuCore, IommuDevice, IommuDomain, IommuDomainType, IommuHwInfoType,
  type IommuHwInfo, type IommuOps, type IommuResvRegion, type IommuUserData, type IommuViommu,
} from '@kdsim/iommu';
import { ARM_SMMU_FEAT, armSmmuV3HwProbe, type SmmuV3Probe } from './features.js';
import { QEMU_SMMUV3, smmuV3Regs, type SmmuV3Hw, type SmmuV3Regs } from './hw.js';

// arm_smmu_get_resv_regions(): every master's software MSI window (MSI_IOVA_BASE, MSI_IOVA_LENGTH),
// where iommu-dma maps the doorbell; VFIO keeps it out of the user's IOVA space.
const SMMU_RESV_REGIONS: readonly IommuResvRegion[] = [
  { start: 0x8000000n, length: 0x100000n, type: 'SW_MSI', prot: IOMMU_PROT.WRITE | IOMMU_PROT.NOEXEC | IOMMU_PROT.MMIO },
];

/** One probed SMMUv3 (struct arm_smmu_device). */
export class ArmSmmuV3 extends IommuDevice {
  /** Creates the instance from its probe results. */
  constructor(name: string, readonly dev: Device, readonly regs: SmmuV3Regs, readonly probe: SmmuV3Probe) {
    super(name);
  }

  /** The stream tree (smmu->streams): which master owns each StreamID. */
  readonly streams = new Map<number, Device>();

  /** Stream table entries that translate, with the master whose attach wrote them. */
  readonly liveStes = new Map<number, Device>();

  /** ARM_SMMU_FEAT_* bits. */
  get features(): number {
    return this.probe.features;
  }

  /** True if every bit of `feat` is set. */
  has(feat: number): boolean {
    return (this.probe.features & feat) === feat;
  }
}

/** Per-master state (struct arm_smmu_master). */
export interface SmmuV3Master {
  /** The SMMU translating the master. */
  readonly smmu: ArmSmmuV3;
  /** Its StreamIDs. */
  readonly sids: readonly number[];
  /** The root complex is CANWBS (IOMMU_FWSPEC_PCI_RC_CANWBS). */
  readonly canwbs: boolean;
  /** ATS usable (SMMU and root complex support it). */
  readonly ats: boolean;
}

/** IOMMU_VIOMMU_TYPE_ARM_SMMUV3 (include/uapi/linux/iommufd.h). */
const IOMMU_VIOMMU_TYPE_ARM_SMMUV3 = 1;

const PGSIZE_4K = 0x1000n | 0x200000n | 0x40000000n;

/** A paging domain of one SMMU (struct arm_smmu_domain). */
export class SmmuV3Domain extends IommuDomain {
  /** The SMMU the domain was finalised on (first attach). */
  smmu: ArmSmmuV3 | null = null;

  /** The translation stage; enable_nesting may switch it to 2 before finalisation. */
  stage: 1 | 2;

  /** Creates a stage-1 or stage-2 domain. */
  constructor(readonly driver: ArmSmmuV3Driver, stage: 1 | 2, type: number, flags: number) {
    super({ type, ops: driver.ops, pgsizeBitmap: PGSIZE_4K, flags });
    this.stage = stage;
  }

  /**
   * arm_smmu_domain_finalise(): bind the domain to `smmu`, restricting the
   * stage to what the SMMU implements.
   */
  finalise(smmu: ArmSmmuV3): void {
    if (!smmu.has(ARM_SMMU_FEAT.TRANS_S1)) this.stage = 2;
    if (!smmu.has(ARM_SMMU_FEAT.TRANS_S2)) this.stage = 1;
    this.smmu = smmu;
    // The input size: a stage-1 VA of 48 bits (IDR5.VAX's 52 is not modelled), the SMMU's IAS
    // for stage 2. DMA is confined to it (force_aperture), so iommufd keeps every IOVA above it
    // out of an IOAS the domain is attached to.
    const ias = this.stage === 1 ? 48 : smmu.probe.ias;
    this.geometry = { apertureStart: 0n, apertureEnd: (1n << BigInt(ias)) - 1n, forceAperture: true };
  }

  protected override doAttach(dev: Device): number {
    const m = this.driver.master(dev);
    if (m === undefined) return -Errno.ENODEV;
    // arm_smmu_attach_dev(): a domain belongs to the SMMU it was finalised on.
    if (this.smmu !== null && this.smmu !== m.smmu) return -Errno.EINVAL;
    // arm_smmu_attach_prepare() (v6.13+): a coherency-enforcing domain only takes CANWBS masters.
    if (this.enforcingCoherency && !m.canwbs) return -Errno.EINVAL;
    if (this.smmu === null) this.finalise(m.smmu);
    // arm_smmu_install_ste_for_dev() -> arm_smmu_write_strtab_ent(): a translating STE cannot be
    // rewritten in place: BUG_ON(ste_live). Before v5.13 nothing stopped two masters from sharing
    // a StreamID (two functions behind one PCIe-to-PCI bridge), so the second attach oopsed.
    for (const sid of m.sids) {
      const owner = m.smmu.liveStes.get(sid);
      // The file and line of 5.10.223's BUG_ON (the driver moved there in v5.9).
      if (owner !== undefined && owner !== dev) this.driver.k.bug('drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c', 1279);
    }
    for (const sid of m.sids) m.smmu.liveStes.set(sid, dev);
    return 0;
  }

  protected override doDetach(dev: Device): void {
    const m = this.driver.master(dev);
    if (m === undefined) return;
    for (const sid of m.sids) if (m.smmu.liveStes.get(sid) === dev) m.smmu.liveStes.delete(sid);
  }

  /**
   * arm_smmu_enable_nesting() (until v6.12; removed in v6.13 by "vfio:
   * Remove VFIO_TYPE1_NESTING_IOMMU", 35890f85573c): ask for a stage-2
   * table, which only an unfinalised domain can still change (-EPERM once
   * finalised — on v6.11/v6.12 type1's domains are finalised at allocation).
   */
  override enableNesting(): number {
    if (this.driver.k.profile.atLeast(6, 13)) return super.enableNesting();
    if (this.smmu !== null) return -Errno.EPERM;
    this.stage = 2;
    return 0;
  }

  /** arm_smmu_enforce_cache_coherency() (v6.13+): only if every attached master is CANWBS. */
  override enforceCacheCoherency(): boolean {
    if (!this.driver.k.profile.atLeast(6, 13)) return false;
    for (const d of this.devices) if (this.driver.master(d)?.canwbs !== true) return false;
    this.enforcingCoherency = true;
    return true;
  }
}

/** Hardware descriptions per SMMU device (the machine's SMMUs); default QEMU 7.2's. */
export type SmmuV3HwLookup = (dev: Device) => SmmuV3Hw;

/**
 * The SMMUv3 driver of one kernel: its iommu_ops and the platform driver
 * (`arm,smmu-v3` in DT; IORT SMMUv3 nodes' platform devices are named for it).
 */
export class ArmSmmuV3Driver {
  /** The driver's iommu_ops. */
  readonly ops: IommuOps;
  /** Instances, in probe order. */
  readonly instances: ArmSmmuV3[] = [];
  readonly #masters = new WeakMap<Device, SmmuV3Master>();

  /** Creates the driver for kernel `k`; `hw` describes each SMMU's registers. */
  constructor(readonly k: Kernel, readonly hw: SmmuV3HwLookup = () => QEMU_SMMUV3) {
    const ops: { -readonly [K in keyof IommuOps]: IommuOps[K] } = {
      name: 'arm-smmu-v3',
      owner: null,
      pgsizeBitmap: PGSIZE_4K,
      capable: (dev, cap) => this.capable(dev, cap),
      probeDevice: (dev) => this.probeDevice(dev),
      releaseDevice: (dev) => this.releaseDevice(dev),
      deviceGroup: (dev, core) => core.deviceGroupByBus(dev),
      ofXlate: (_dev, args) => args.slice(0, 1), // arm_smmu_of_xlate(): one StreamID
      getResvRegions: () => SMMU_RESV_REGIONS,
      domainAllocPaging: (dev, flags, data) => this.domainAllocPaging(dev, flags, data),
      ...(k.profile.atLeast(6, 13) ? { hwInfo: (dev: Device, t: number) => this.hwInfo(dev, t) } : {}),
      // arm-smmu-v3-iommufd.c (v6.13+): the vIOMMU gate and the vSMMU's vdevice_init
      viommuSupported: (dev, type) => type === IOMMU_VIOMMU_TYPE_ARM_SMMUV3 && this.viommuSupported(dev),
      viommuInit: (dev) => this.#vsmmu(dev),
    };
    this.ops = ops;
    ops.identityDomain = new IommuDomain({ type: IommuDomainType.IDENTITY, ops });
    ops.blockedDomain = new IommuDomain({ type: IommuDomainType.BLOCKED, ops });
  }

  /** The master state of `dev`, if the driver probed it. */
  master(dev: Device): SmmuV3Master | undefined {
    return this.#masters.get(dev);
  }

  /** arm_smmu_capable() for this kernel. */
  capable(dev: Device, cap: IommuCap): boolean {
    const m = this.#masters.get(dev);
    if (m === undefined) return false;
    switch (cap) {
      case 'CACHE_COHERENCY': return m.smmu.has(ARM_SMMU_FEAT.COHERENCY); // a coherent TCU implies coherent TBUs
      case 'NOEXEC':
      case 'DEFERRED_FLUSH': return true;
      case 'ENFORCE_CACHE_COHERENCY': return this.k.profile.atLeast(6, 13) && m.canwbs;
      case 'DIRTY_TRACKING': return m.smmu.has(ARM_SMMU_FEAT.HD | ARM_SMMU_FEAT.COHERENCY); // arm_smmu_dbm_capable()
      case 'PCI_ATS_SUPPORTED': return m.ats;
      default: return false;
    }
  }

  /** arm_smmu_probe_device(): the SMMU of the fwspec, then the master's StreamIDs into its stream tree. */
  probeDevice(dev: Device): IommuDevice | number {
    const core = this.k.container.get(IommuCore);
    const fw = core.fwspec(dev);
    if (fw === null || fw.ops !== this.ops) return -Errno.ENODEV;
    const smmu = this.instances.find((s) => s.fwnode === fw.iommuFwnode);
    if (smmu === undefined) return -Errno.ENODEV;
    const err = this.#insertMaster(smmu, dev, fw.ids);
    if (err !== 0) return err;
    this.#masters.set(dev, {
      smmu, sids: [...fw.ids],
      canwbs: (fw.flags & IOMMU_FWSPEC.PCI_RC_CANWBS) !== 0,
      ats: smmu.has(ARM_SMMU_FEAT.ATS) && (fw.flags & IOMMU_FWSPEC.PCI_RC_ATS) !== 0,
    });
    return smmu;
  }

  /** arm_smmu_release_device(): arm_smmu_remove_master() takes its StreamIDs out of the tree. */
  releaseDevice(dev: Device): void {
    const m = this.#masters.get(dev);
    if (m === undefined) return;
    for (const sid of m.sids) {
      if (m.smmu.streams.get(sid) === dev) m.smmu.streams.delete(sid);
      if (m.smmu.liveStes.get(sid) === dev) m.smmu.liveStes.delete(sid);
    }
    this.#masters.delete(dev);
  }

  /**
   * arm_smmu_insert_master(): each StreamID must fit SIDSIZE (arm_smmu_init_sid_strtab(),
   * -ERANGE), and from v5.13 ("iommu/arm-smmu-v3: Maintain a SID->device structure") joins
   * the SMMU's stream tree, where an ID another master holds fails the probe with -EINVAL:
   * two functions behind one PCIe-to-PCI bridge both carry its alias (secondary bus, devfn 0),
   * so the second one probed gets no IOMMU. Until v6.13 ("iommu/arm-smmu-v3: Fix
   * iommu_device_probe bug due to duplicated stream ids") an ID the master itself listed twice
   * (the function at devfn 0 behind such a bridge) failed the same way. On failure the IDs
   * already inserted are taken out again.
   */
  #insertMaster(smmu: ArmSmmuV3, dev: Device, sids: readonly number[]): number {
    const tree = this.k.profile.atLeast(5, 13);
    const sameMasterOk = this.k.profile.atLeast(6, 13);
    const inserted: number[] = [];
    let err = 0;
    for (const sid of sids) {
      if (sid >= 2 ** smmu.probe.sidBits) {
        err = -Errno.ERANGE;
        break;
      }
      if (!tree) continue;
      const owner = smmu.streams.get(sid);
      if (owner === undefined) {
        smmu.streams.set(sid, dev);
        inserted.push(sid);
        continue;
      }
      if (owner === dev && sameMasterOk) continue;
      this.k.devPrintk(dev, LogLevel.WARNING, sameMasterOk ? `stream ${sid} already in tree from dev ${owner.name}` : `stream ${sid} already in tree`);
      err = -Errno.EINVAL;
      break;
    }
    if (err !== 0) for (const sid of inserted) smmu.streams.delete(sid);
    return err;
  }

  /**
   * arm_smmu_domain_alloc_paging_flags() (v6.11–v6.12: domain_alloc_user(),
   * "iommu/arm-smmu-v3: Add support for domain_alloc_user fn", v6.11):
   * v6.11/v6.12 take only DIRTY_TRACKING; v6.13 adds NEST_PARENT ("Implement
   * IOMMU_HWPT_ALLOC_NEST_PARENT", needs FEAT_NESTING); user data is never
   * accepted for a paging domain.
   */
  domainAllocPaging(dev: Device, flags: number, data: IommuUserData | null): IommuDomain | number {
    const m = this.#masters.get(dev);
    if (m === undefined) return -Errno.ENODEV;
    if (data !== null) return -Errno.EOPNOTSUPP;
    let allowed = IOMMU_HWPT_ALLOC.DIRTY_TRACKING;
    if (this.k.profile.atLeast(6, 13)) allowed |= IOMMU_HWPT_ALLOC.NEST_PARENT;
    if (this.k.profile.atLeast(6, 15)) allowed |= IOMMU_HWPT_ALLOC.PASID;
    if ((flags & ~allowed) !== 0) return -Errno.EOPNOTSUPP;
    if ((flags & IOMMU_HWPT_ALLOC.NEST_PARENT) && !m.smmu.has(ARM_SMMU_FEAT.NESTING)) return -Errno.EOPNOTSUPP;
    if ((flags & IOMMU_HWPT_ALLOC.DIRTY_TRACKING) && !this.capable(dev, IommuCap.DIRTY_TRACKING)) return -Errno.EOPNOTSUPP;
    const stage = flags & IOMMU_HWPT_ALLOC.NEST_PARENT || !m.smmu.has(ARM_SMMU_FEAT.TRANS_S1) ? 2 : 1;
    const domain = new SmmuV3Domain(this, stage, IommuDomainType.UNMANAGED, flags);
    // arm_smmu_domain_alloc_paging(dev) finalises on the master's SMMU when given a
    // device. type1 passes one from v6.11 ("vfio/type1: Use iommu_paging_domain_alloc()",
    // 60ffc4501722, IOMMU pull for v6.11); before, iommu_domain_alloc(bus) passed none and
    // the domain was finalised at first attach. So VFIO_TYPE1_NESTING_IOMMU's
    // enable_nesting gets -EPERM on v6.11/v6.12 (VFIO_SET_IOMMU fails with it).
    if (this.k.profile.atLeast(6, 11)) domain.finalise(m.smmu);
    return domain;
  }

  /**
   * arm_smmu_hw_info() (v6.13+, "iommu/arm-smmu-v3: Support IOMMU_GET_HW_INFO via
   * struct arm_smmu_hw_info"): the raw ID registers as IOMMU_HW_INFO_TYPE_ARM_SMMUV3.
   */
  hwInfo(dev: Device, requested: number): IommuHwInfo | number {
    const m = this.#masters.get(dev);
    if (m === undefined) return -Errno.ENODEV;
    if (requested !== IommuHwInfoType.NONE && requested !== IommuHwInfoType.ARM_SMMUV3) return -Errno.EOPNOTSUPP;
    return { type: IommuHwInfoType.ARM_SMMUV3, data: { flags: 0, idr: [...m.smmu.regs.idr], iidr: m.smmu.regs.iidr, aidr: m.smmu.regs.aidr } };
  }

  /**
   * Whether a vIOMMU (and so nested domains) can be created for `dev`
   * (v6.13 arm_vsmmu_alloc(), v6.17 get_viommu_size()): FEAT_NESTING and
   * either a CANWBS root complex or S2FWB.
   */
  viommuSupported(dev: Device): boolean {
    const m = this.#masters.get(dev);
    if (m === undefined || !this.k.profile.atLeast(6, 13)) return false;
    return m.smmu.has(ARM_SMMU_FEAT.NESTING) && (m.canwbs || m.smmu.has(ARM_SMMU_FEAT.S2FWB));
  }

  // arm_vsmmu_init(): the vSMMU; a vDEVICE needs a master with exactly one stream.
  #vsmmu(dev: Device): IommuViommu | number {
    if (this.#masters.get(dev) === undefined) return -Errno.ENODEV;
    return {
      vdeviceInit: (d) => ((this.#masters.get(d)?.sids.length ?? 0) === 1 ? 0 : -Errno.EOPNOTSUPP),
    };
  }

  /**
   * arm_smmu_device_probe(): read the ID registers, allocate the queues,
   * then iommu_device_register() under the name `smmu3.0x<base>`.
   */
  deviceProbe(dev: Device): number {
    const k = this.k;
    const regs = smmuV3Regs(this.hw(dev));
    const probe = armSmmuV3HwProbe(regs, dev.dmaCoherent, k.profile);
    for (const w of probe.warnings) k.devPrintk(dev, LogLevel.WARNING, w);
    if (probe.error !== undefined) {
      k.devPrintk(dev, LogLevel.ERR, probe.error);
      return -Errno.ENXIO;
    }
    k.devPrintk(dev, LogLevel.INFO, `ias ${probe.ias}-bit, oas ${probe.oas}-bit (features 0x${probe.features.toString(16).padStart(8, '0')})`);
    // arm_smmu_init_one_queue(): the log2 sizes were already capped at Q_MAX_SZ_SHIFT.
    k.devPrintk(dev, LogLevel.INFO, `allocated ${2 ** probe.cmdqShift} entries for cmdq`);
    k.devPrintk(dev, LogLevel.INFO, `allocated ${2 ** probe.evtqShift} entries for evtq`);
    if (probe.features & ARM_SMMU_FEAT.PRI) k.devPrintk(dev, LogLevel.INFO, `allocated ${2 ** probe.priqShift} entries for priq`);
    // The MEM resource: the DT `reg`, or the IORT node's base (iort.c: arm_smmu_v3_init_resources()).
    const res = dev.fwnode instanceof OfNode ? ofAddressToResource(dev.fwnode) : undefined;
    const iort = dev.fwnode instanceof IortFwnode && dev.fwnode.node.kind === 'smmuV3' ? dev.fwnode.node.baseAddress : undefined;
    const base = res?.start ?? iort ?? 0n;
    const smmu = new ArmSmmuV3(`smmu3.0x${base.toString(16).padStart(16, '0')}`, dev, regs, probe);
    this.instances.push(smmu);
    const r = k.container.get(IommuCore).deviceRegister(smmu, this.ops, dev);
    if (r !== 0) {
      this.instances.splice(this.instances.indexOf(smmu), 1);
      return r;
    }
    return 0;
  }

  /** The `arm-smmu-v3` platform driver on `bus`. */
  platformDriver(bus: BusType): DriverSpec {
    return { name: 'arm-smmu-v3', bus, matchTable: ['arm,smmu-v3'], suppressBindAttrs: true, probe: (dev) => this.deviceProbe(dev) };
  }
}
