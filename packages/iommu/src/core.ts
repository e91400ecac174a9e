import { BusNotify, Errno, LogLevel, type BusType, type Device, type Fwnode, type Kernel } from '@kdsim/core';
import type { IommuDomain } from './domain.js';
import { IommuGroup } from './group.js';
import type { IommuOps } from './ops.js';
import { pciDeviceGroup, type PciTopologyView } from './pci-group.js';
import type { IommuPolicy, IommuFirmwarePath, DefaultDomainChoice } from './policy.js';
import type { IommuDevice } from './registry.js';
import { DevIommu, IommuFwspec } from './registry.js';
import {
  IommuCap, IommuDomainType, domainTypeStr, groupTypeName, iommuCapExists, type IommuResvRegion, type IommuResvType,
} from './types.js';

const IOMMU_C = 'drivers/iommu/iommu.c';

// enum iommu_resv_type: the order regions starting at one address are listed in.
const RESV_TYPE_ORDER: readonly IommuResvType[] = ['DIRECT', 'DIRECT_RELAXABLE', 'RESERVED', 'MSI', 'SW_MSI'];

/** One row of `/sys/kernel/iommu_groups`. */
export interface IommuGroupView {
  /** The group number. */
  readonly id: number;
  /** `iommu_group/type` (`DMA`, `DMA-FQ`, `identity`, ...). */
  readonly type: string;
  /** Member device names, in join order. */
  readonly devices: readonly string[];
}

/**
 * The IOMMU core of one kernel (drivers/iommu/iommu.c): the instance list,
 * per-device state and fwspecs, groups with their default domains,
 * capabilities and DMA ownership.
 */
export class IommuCore {
  /** iommu_device_list, in registration order. */
  readonly instances: IommuDevice[] = [];
  /** The global default domain, once iommu_subsys_init() ran (before: the policy's answer). */
  defaults: DefaultDomainChoice;
  readonly #state = new WeakMap<Device, DevIommu>();
  readonly #groups = new Map<number, IommuGroup>();
  readonly #notified = new Set<BusType>();

  /** Creates the core of kernel `k`. */
  constructor(readonly k: Kernel, readonly policy: IommuPolicy) {
    this.defaults = policy.defaultDomain();
  }

  // ------------------------------------------------------------ boot

  /**
   * iommu.c: iommu_subsys_init() (subsys_initcall) — settles the default
   * domain, prints it, and hooks the bus notifiers of the IOMMU buses.
   */
  subsysInit(): number {
    const d = (this.defaults = this.policy.defaultDomain());
    this.k.printk(LogLevel.INFO, `iommu: Default domain type: ${domainTypeStr(d.type)}${d.typeFromCmdline ? ' (set via kernel command line)' : ''}`);
    if (d.type !== IommuDomainType.IDENTITY) {
      this.k.printk(LogLevel.INFO, `iommu: DMA domain TLB invalidation policy: ${d.strict ? 'strict' : 'lazy'} mode${d.strictFromCmdline ? ' (set via kernel command line)' : ''}`);
    }
    for (const bus of this.#iommuBuses()) this.#hookBus(bus);
    return 0;
  }

  #iommuBuses(): BusType[] {
    const out: BusType[] = [];
    for (const name of this.policy.iommuBuses()) {
      const bus = this.k.buses.get(name);
      if (bus !== undefined) out.push(bus);
    }
    return out;
  }

  // iommu.c: iommu_bus_notifier()
  #hookBus(bus: BusType): void {
    if (this.#notified.has(bus)) return;
    this.#notified.add(bus);
    bus.registerNotifier((event, dev) => {
      if (event === BusNotify.ADD_DEVICE) this.probeDevice(dev);
      else if (event === BusNotify.REMOVED_DEVICE) this.releaseDevice(dev);
    });
  }

  // ------------------------------------------------------------ registry

  /**
   * iommu.c: iommu_device_register() — makes `iommu` findable by the
   * fwnode of `hwdev` (or `fwnode`), then probes every existing device of
   * the IOMMU buses (bus_iommu_probe()). On failure the instance is removed.
   */
  deviceRegister(iommu: IommuDevice, ops: IommuOps, hwdev: Device | null, fwnode: Fwnode | null = hwdev?.fwnode ?? null): number {
    iommu.ops = ops;
    iommu.hwdev = hwdev;
    iommu.fwnode = fwnode;
    iommu.ready = false;
    this.instances.push(iommu);
    let err = 0;
    for (const bus of this.#iommuBuses()) {
      this.#hookBus(bus);
      err = this.busIommuProbe(bus);
      if (err !== 0) break;
    }
    if (err !== 0) {
      this.deviceUnregister(iommu);
      return err;
    }
    iommu.ready = true;
    return 0;
  }

  /** iommu.c: iommu_device_unregister() — releases the devices it translates and forgets it. */
  deviceUnregister(iommu: IommuDevice): void {
    for (const bus of this.#iommuBuses()) {
      for (const dev of bus.devices) if (this.#state.get(dev)?.iommuDev === iommu) this.releaseDevice(dev);
    }
    const i = this.instances.indexOf(iommu);
    if (i >= 0) this.instances.splice(i, 1);
    iommu.singletonGroup = null;
  }

  /** iommu.c: iommu_from_fwnode() — the instance registered with `fwnode`, or null. */
  fromFwnode(fwnode: Fwnode): IommuDevice | null {
    for (const inst of this.instances) if (inst.fwnode === fwnode) return inst;
    return null;
  }

  /** v7.2 semantics of `iommu->ready`; earlier kernels have no such guard (always ready once listed). */
  instanceReady(inst: IommuDevice): boolean {
    return this.k.profile.atLeast(6, 15) ? inst.ready : true;
  }

  // ------------------------------------------------------------ per-device state

  /** dev->iommu, or undefined. */
  devIommu(dev: Device): DevIommu | undefined {
    return this.#state.get(dev);
  }

  /** dev_iommu_fwspec_get(). */
  fwspec(dev: Device): IommuFwspec | null {
    return this.#state.get(dev)?.fwspec ?? null;
  }

  /** dev->iommu_group. */
  groupOf(dev: Device): IommuGroup | null {
    return this.#state.get(dev)?.group ?? null;
  }

  /** The instance translating `dev` (dev->iommu->iommu_dev), or null. */
  iommuOf(dev: Device): IommuDevice | null {
    return this.#state.get(dev)?.iommuDev ?? null;
  }

  /**
   * iommu.c: iommu_fwspec_init() (spec §1.5): an unregistered IOMMU asks the
   * policy (defer or give up); a registered one not yet ready defers a device
   * without IOMMU state; a second driver is -EINVAL; else the fwspec exists.
   */
  fwspecInit(dev: Device, iommuFwnode: Fwnode, path: IommuFirmwarePath): number {
    const inst = this.fromFwnode(iommuFwnode);
    if (inst === null || inst.ops === null) return this.policy.missingIommu(dev, path);
    let st = this.#state.get(dev);
    if (st === undefined && !this.instanceReady(inst)) return -Errno.EPROBE_DEFER;
    if (st?.fwspec) return st.fwspec.ops === inst.ops ? 0 : -Errno.EINVAL;
    if (st === undefined) this.#state.set(dev, (st = new DevIommu()));
    st.fwspec = new IommuFwspec(iommuFwnode, inst.ops);
    return 0;
  }

  /** iommu.c: iommu_fwspec_add_ids() — -EINVAL without an fwspec. */
  fwspecAddIds(dev: Device, ids: readonly number[]): number {
    const fw = this.fwspec(dev);
    if (fw === null) return -Errno.EINVAL;
    for (const id of ids) fw.ids.push(id);
    return 0;
  }

  /** iommu.c: iommu_fwspec_free() / dev_iommu_free(): forget the device's IOMMU state. */
  fwspecFree(dev: Device): void {
    const st = this.#state.get(dev);
    if (st === undefined) return;
    if (st.group !== null) return; // still probed: the group holds the state
    this.#state.delete(dev);
  }

  // ------------------------------------------------------------ probe

  /** iommu.c: bus_iommu_probe() — probe every device, then set up the new groups' default domains. */
  busIommuProbe(bus: BusType): number {
    const pending: IommuGroup[] = [];
    for (const dev of [...bus.devices]) {
      const r = this.#probe(dev, pending);
      if (r === -Errno.ENODEV) continue;
      if (r !== 0 && r !== -Errno.ENODEV) continue; // __iommu_probe_device() failures are per device
    }
    for (const group of pending) {
      if (group.devices.length === 0) continue;
      this.setupDefaultDomain(group, 0);
      for (const dev of group.devices) this.#state.get(dev)?.fwspec?.ops.probeFinalize?.(dev);
    }
    return 0;
  }

  /** iommu.c: iommu_probe_device() — 0 once `dev` is in a group with a domain, or an errno (-ENODEV: no IOMMU). */
  probeDevice(dev: Device): number {
    const r = this.#probe(dev, null);
    if (r !== 0) return r;
    this.#state.get(dev)?.fwspec?.ops.probeFinalize?.(dev);
    return 0;
  }

  // iommu.c: __iommu_probe_device()
  #probe(dev: Device, groupList: IommuGroup[] | null): number {
    const st = this.#state.get(dev);
    // v6.12: iommu_fwspec_ops() — DT/ACPI systems only proceed once firmware made an fwspec.
    const ops = st?.fwspec?.ops;
    if (st === undefined || ops === undefined) return -Errno.ENODEV;
    if (st.group !== null) return 0;
    const r = this.#initDevice(dev, st, ops);
    if (r !== 0) return r;
    const group = st.group!;
    this.#groupAddDevice(group, dev);
    if (group.domain !== null) {
      const a = group.domain.attachDev(dev);
      if (a !== 0) {
        this.#groupRemoveDevice(group, dev);
        this.#deinitDevice(dev, st, ops);
        return a;
      }
    } else if (group.defaultDomain === null) {
      if (groupList === null) {
        const s = this.setupDefaultDomain(group, 0);
        if (s !== 0) {
          this.#groupRemoveDevice(group, dev);
          this.#deinitDevice(dev, st, ops);
          return s;
        }
      } else if (!groupList.includes(group)) {
        groupList.push(group);
      }
    }
    return 0;
  }

  // iommu.c: iommu_init_device()
  #initDevice(dev: Device, st: DevIommu, ops: IommuOps): number {
    const inst = ops.probeDevice(dev);
    if (typeof inst === 'number') {
      this.#state.delete(dev); // dev_iommu_free()
      return inst;
    }
    st.iommuDev = inst;
    const group = ops.deviceGroup(dev, this);
    if (typeof group === 'number') {
      ops.releaseDevice?.(dev);
      this.#state.delete(dev);
      return group;
    }
    st.group = group;
    st.maxPasids = inst.maxPasids;
    return 0;
  }

  // iommu.c: iommu_deinit_device()
  #deinitDevice(dev: Device, st: DevIommu, ops: IommuOps): void {
    ops.releaseDevice?.(dev);
    st.group = null;
    st.iommuDev = null;
    this.#state.delete(dev);
  }

  /** iommu.c: iommu_release_device() — leave the group, release, free the state. */
  releaseDevice(dev: Device): void {
    const st = this.#state.get(dev);
    if (st === undefined) return;
    const group = st.group;
    if (group !== null && st.fwspec !== null) {
      this.#groupRemoveDevice(group, dev);
      this.#deinitDevice(dev, st, st.fwspec.ops);
    } else {
      this.#state.delete(dev);
    }
  }

  // ------------------------------------------------------------ groups

  /** iommu.c: iommu_group_alloc() — the lowest free group number (ida_alloc()). */
  groupAlloc(): IommuGroup {
    let id = 0;
    while (this.#groups.has(id)) id++;
    const group = new IommuGroup(id);
    this.#groups.set(id, group);
    if (this.k.dyndbg.enabled(IOMMU_C)) this.k.prDebug(IOMMU_C, `iommu: Allocated group ${id}`);
    return group;
  }

  /** iommu.c: generic_device_group() — a new group per device. */
  genericDeviceGroup(_dev: Device): IommuGroup {
    return this.groupAlloc();
  }

  /** The PCI topology pci_device_group() reads, once the PCI bus supplies it. */
  pciView: PciTopologyView | null = null;

  /**
   * What most drivers' device_group op does (virtio-iommu, SMMUv3):
   * pci_device_group() for PCI functions, generic_device_group() otherwise.
   */
  deviceGroupByBus(dev: Device): IommuGroup {
    const view = this.pciView;
    if (view !== null && view.isPci(dev)) return pciDeviceGroup(dev, view, (d) => this.groupOf(d), () => this.groupAlloc());
    return this.genericDeviceGroup(dev);
  }

  /** iommu.c: generic_single_device_group() — one group per IOMMU instance. */
  genericSingleDeviceGroup(dev: Device): IommuGroup | number {
    const iommu = this.iommuOf(dev);
    if (iommu === null) return -Errno.EINVAL;
    iommu.singletonGroup ??= this.groupAlloc();
    return iommu.singletonGroup;
  }

  /**
   * iommu.c: iommu_group_add_device() for a device no IOMMU translates (VFIO's no-IOMMU
   * group): it joins `group` with the same line as any member.
   */
  groupAddDevice(group: IommuGroup, dev: Device): void {
    this.#groupAddDevice(group, dev);
  }

  // iommu.c: iommu_group_alloc_device()
  #groupAddDevice(group: IommuGroup, dev: Device): void {
    group.devices.push(dev);
    this.k.devPrintk(dev, LogLevel.INFO, `Adding to iommu group ${group.id}`);
  }

  // iommu.c: __iommu_group_remove_device(); the last member frees the group number
  #groupRemoveDevice(group: IommuGroup, dev: Device): void {
    const i = group.devices.indexOf(dev);
    if (i >= 0) group.devices.splice(i, 1);
    group.defaultDomain?.detachDev(dev);
    if (group.domain !== group.defaultDomain) group.domain?.detachDev(dev);
    if (group.devices.length === 0) {
      this.#groups.delete(group.id);
      group.defaultDomain?.free();
      group.defaultDomain = null;
      group.domain = null;
    }
  }

  /** The group numbered `id`, if it exists. */
  group(id: number): IommuGroup | undefined {
    return this.#groups.get(id);
  }

  /** `/sys/kernel/iommu_groups`: every group, by number. */
  groups(): IommuGroupView[] {
    return [...this.#groups.values()]
      .sort((a, b) => a.id - b.id)
      .map((g) => ({ id: g.id, type: groupTypeName(g.defaultDomain?.type ?? null), devices: g.devices.map((d) => d.name) }));
  }

  // ------------------------------------------------------------ default domains

  /** iommu.c: iommu_get_default_domain_type() — 0 (use the global default), a type, or -1 (refuse). */
  defaultDomainType(group: IommuGroup, target: number): number {
    let driverType = 0;
    for (const dev of group.devices) {
      const ops = this.fwspec(dev)?.ops;
      const t = ops?.defDomainType?.(dev) ?? 0;
      if (t === 0 || t === driverType) continue;
      if (driverType === 0) {
        driverType = t;
        continue;
      }
      this.k.devPrintk(dev, LogLevel.ERR, `${dev.name} has different default domain type than ${group.devices[0]!.name}. Using default domain type ${domainTypeStr(IommuDomainType.IDENTITY)}.`);
      driverType = IommuDomainType.IDENTITY;
    }
    if (!this.policy.iommuDma()) {
      if (driverType === IommuDomainType.DMA) return -1;
      if (driverType === 0) driverType = IommuDomainType.IDENTITY;
    }
    if (target !== 0) return driverType !== 0 && driverType !== target ? -1 : target;
    return driverType;
  }

  /** iommu.c: __iommu_domain_alloc() for the group's first device: a domain of `type`, or an errno. */
  domainAllocForGroup(group: IommuGroup, type: number): IommuDomain | number {
    const dev = group.devices[0];
    const ops = dev === undefined ? undefined : this.fwspec(dev)?.ops;
    if (dev === undefined || ops === undefined) return -Errno.ENODEV;
    if (type === IommuDomainType.IDENTITY) {
      if (ops.identityDomain) return ops.identityDomain;
      if (ops.domainAllocIdentity) return ops.domainAllocIdentity(dev);
      return -Errno.EOPNOTSUPP;
    }
    if (type === IommuDomainType.BLOCKED) {
      if (ops.blockedDomain) return ops.blockedDomain;
    }
    if (ops.domainAllocPaging === undefined) return -Errno.EOPNOTSUPP;
    const d = ops.domainAllocPaging(dev, 0, null);
    if (typeof d === 'number') return d;
    d.type = type === IommuDomainType.BLOCKED ? IommuDomainType.UNMANAGED : type;
    return d;
  }

  /** iommu.c: iommu_group_alloc_default_domain() — IDENTITY and DMA_FQ fall back to DMA with a warning. */
  allocDefaultDomain(group: IommuGroup, reqType: number): IommuDomain | number {
    if (reqType !== 0) return this.domainAllocForGroup(group, reqType);
    const def = this.defaults.type;
    const dom = this.domainAllocForGroup(group, def);
    if (typeof dom !== 'number' || def === IommuDomainType.DMA) return dom;
    const dma = this.domainAllocForGroup(group, IommuDomainType.DMA);
    if (typeof dma === 'number') return dma;
    this.k.printk(LogLevel.WARNING, `iommu: Failed to allocate default IOMMU domain of type ${def} for group ${group.name} - Falling back to IOMMU_DOMAIN_DMA`);
    return dma;
  }

  /**
   * iommu.c: iommu_setup_default_domain() — choose, allocate and attach the
   * group's default domain (the first attach must succeed); a DMA_FQ domain
   * drops to DMA when the driver lacks DEFERRED_FLUSH (dma-iommu.c:
   * iommu_dma_init_domain()).
   */
  setupDefaultDomain(group: IommuGroup, target: number): number {
    const req = this.defaultDomainType(group, target);
    if (req < 0) return -Errno.EINVAL;
    const dom = this.allocDefaultDomain(group, req);
    if (typeof dom === 'number') return dom;
    const first = group.devices[0]!;
    if (dom.type === IommuDomainType.DMA_FQ && !this.deviceCapable(first, IommuCap.DEFERRED_FLUSH, true)) dom.type = IommuDomainType.DMA;
    group.defaultDomain = dom;
    if (group.domain === null) {
      for (const dev of group.devices) {
        const r = dom.attachDev(dev);
        if (r !== 0) this.k.printk(LogLevel.WARNING, `WARNING: iommu.c: __iommu_group_set_domain_internal: attach of ${dev.name} failed (${r})`);
      }
      group.domain = dom;
    }
    return 0;
  }

  // ------------------------------------------------------------ capabilities and ownership

  /**
   * iommu.c: device_iommu_capable() — false unless a driver probed the device
   * (dev->iommu->iommu_dev) and has a capable op; the policy filters the answer.
   * `ignoreProfile`: ask even for a capability this kernel does not have.
   */
  deviceCapable(dev: Device, cap: IommuCap, ignoreProfile = false): boolean {
    if (!ignoreProfile && !iommuCapExists(this.k.profile, cap)) return false;
    const st = this.#state.get(dev);
    const ops = st?.fwspec?.ops;
    if (st?.iommuDev === null || st === undefined || ops === undefined) return false;
    const answer = ops.capable?.(dev, cap) ?? false;
    return this.policy.capable(dev, cap, answer);
  }

  /** iommu.c: iommu_device_use_default_domain() — kernel drivers claim the default domain at bind. */
  deviceUseDefaultDomain(dev: Device): number {
    const group = this.groupOf(dev);
    if (group === null) return 0;
    if (group.defaultDomain === null) return -Errno.EPROBE_DEFER;
    if (group.ownerCnt > 0 && (group.domain !== group.defaultDomain || group.owner !== null)) return -Errno.EBUSY;
    group.ownerCnt++;
    return 0;
  }

  /** iommu.c: iommu_device_unuse_default_domain(). */
  deviceUnuseDefaultDomain(dev: Device): void {
    const group = this.groupOf(dev);
    if (group !== null && group.ownerCnt > 0) group.ownerCnt--;
  }

  /** The ops of the driver translating `dev` (dev_iommu_ops()), or null. */
  deviceOps(dev: Device): IommuOps | null {
    const st = this.#state.get(dev);
    return st?.iommuDev !== null && st?.iommuDev !== undefined ? st.fwspec?.ops ?? null : null;
  }

  /** iommu.c: iommu_group_claim_dma_owner() — the VFIO container path; any kernel user ⇒ -EPERM. */
  groupClaimDmaOwner(group: IommuGroup, owner: unknown): number {
    if (group.ownerCnt > 0) return -Errno.EPERM;
    return this.#takeDmaOwnership(group, owner);
  }

  /**
   * iommu.c: iommu_device_claim_dma_owner() — iommufd bind: no group ⇒
   * -ENODEV; the same owner counts up; another owner or a kernel driver ⇒ -EPERM.
   */
  deviceClaimDmaOwner(dev: Device, owner: unknown): number {
    const group = this.groupOf(dev);
    if (group === null) return -Errno.ENODEV;
    if (group.ownerCnt > 0) {
      if (group.owner === null || group.owner !== owner) return -Errno.EPERM;
      group.ownerCnt++;
      return 0;
    }
    return this.#takeDmaOwnership(group, owner);
  }

  /** iommu.c: iommu_group_release_dma_owner() — back to the default domain. */
  groupReleaseDmaOwner(group: IommuGroup): void {
    if (group.owner === null) return;
    group.ownerCnt = 0;
    group.owner = null;
    this.#setGroupDomain(group, group.defaultDomain);
  }

  /** iommu.c: iommu_device_release_dma_owner(). */
  deviceReleaseDmaOwner(dev: Device): void {
    const group = this.groupOf(dev);
    if (group === null || group.owner === null) return;
    if (group.ownerCnt > 1) group.ownerCnt--;
    else this.groupReleaseDmaOwner(group);
  }

  // iommu.c: __iommu_take_dma_ownership()
  #takeDmaOwnership(group: IommuGroup, owner: unknown): number {
    if (group.domain !== group.defaultDomain) return -Errno.EBUSY;
    if (group.blockingDomain === null) {
      const b = this.domainAllocForGroup(group, IommuDomainType.BLOCKED);
      if (typeof b === 'number') return b;
      group.blockingDomain = b;
    }
    const r = this.#setGroupDomain(group, group.blockingDomain);
    if (r !== 0) return r;
    group.owner = owner;
    group.ownerCnt = 1;
    return 0;
  }

  /**
   * iommu.c: __iommu_group_set_domain_internal() — attach every member; on a
   * failure the members already moved go back. A device with
   * firmware-mandated direct regions refuses a blocked domain (-EINVAL).
   */
  #setGroupDomain(group: IommuGroup, domain: IommuDomain | null): number {
    if (domain === null || group.domain === domain) return 0;
    const moved: Device[] = [];
    for (const dev of group.devices) {
      const blocked = domain === group.blockingDomain || domain.type === IommuDomainType.BLOCKED;
      let r = blocked && this.#state.get(dev)?.requireDirect === true ? -Errno.EINVAL : domain.attachDev(dev);
      if (r === 0) {
        moved.push(dev);
        continue;
      }
      for (const m of moved) domain.detachDev(m);
      r = r === -Errno.EINVAL || r === -Errno.ENOMEM || r === -Errno.ENOSPC || r === -Errno.EBUSY ? r : -Errno.ENODEV;
      return r;
    }
    for (const dev of group.devices) if (group.domain !== null && group.domain !== domain) group.domain.detachDev(dev);
    group.domain = domain;
    return 0;
  }

  /**
   * iommu.c: iommu_attach_group() — only from the default or blocking domain
   * (-EBUSY otherwise); a domain of another driver is -EINVAL.
   */
  attachGroup(domain: IommuDomain, group: IommuGroup): number {
    if (group.domain !== null && group.domain !== group.defaultDomain && group.domain !== group.blockingDomain) return -Errno.EBUSY;
    const first = group.devices[0];
    if (first === undefined || domain.ops !== this.deviceOps(first)) return -Errno.EINVAL;
    return this.#setGroupDomain(group, domain);
  }

  /** iommu.c: iommu_detach_group() — back to the blocking domain when owned, else the default. */
  detachGroup(domain: IommuDomain, group: IommuGroup): void {
    if (group.domain !== domain) return;
    this.#setGroupDomain(group, group.owner !== null ? group.blockingDomain : group.defaultDomain);
  }

  /** iommu.c: iommu_attach_device() — the device must be alone in its group (-EINVAL). */
  attachDevice(domain: IommuDomain, dev: Device): number {
    const group = this.groupOf(dev);
    if (group === null) return -Errno.ENODEV;
    if (group.devices.length !== 1) return -Errno.EINVAL;
    return this.attachGroup(domain, group);
  }

  /** Reserved regions of `dev` as its driver reports them (iommu_get_resv_regions()). */
  resvRegions(dev: Device): readonly IommuResvRegion[] {
    return this.deviceOps(dev)?.getResvRegions?.(dev) ?? [];
  }

  /**
   * iommu.c: iommu_get_group_resv_regions() — the reserved regions of every device of
   * `group`, by address (then type), regions of one type that overlap or touch merged
   * (iommu_insert_resv_region()); what sysfs `reserved_regions` lists and VFIO keeps out
   * of the IOVA space.
   */
  groupResvRegions(group: IommuGroup): IommuResvRegion[] {
    const out: IommuResvRegion[] = [];
    for (const dev of group.devices) {
      for (const r of this.resvRegions(dev)) {
        let start = r.start;
        let end = r.start + r.length - 1n;
        for (let i = out.length - 1; i >= 0; i--) {
          const o = out[i]!;
          const oEnd = o.start + o.length - 1n;
          if (o.type !== r.type || o.start > end + 1n || oEnd + 1n < start) continue;
          start = o.start < start ? o.start : start;
          end = oEnd > end ? oEnd : end;
          out.splice(i, 1);
        }
        out.push({ ...r, start, length: end - start + 1n });
      }
    }
    return out.sort((a, b) => (a.start !== b.start ? (a.start < b.start ? -1 : 1) : RESV_TYPE_ORDER.indexOf(a.type) - RESV_TYPE_ORDER.indexOf(b.type)));
  }

  /** True if `dev` is in an IOMMU group. */
  hasGroup(dev: Device): boolean {
    return this.groupOf(dev) !== null;
  }

}
