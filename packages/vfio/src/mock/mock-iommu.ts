import { Errno, SimpleBus, SoftwareNode, type Device, type Fwnode, type Kernel } from '@kdsim/core';
import {
  IOMMU_HWPT_ALLOC, IommuCap, IommuCore, IommuDevice, IommuDomain, IommuDomainType, type IommuHwInfo, type IommuOps,
  type IommuResvRegion, type IommuUserData, type IommuViommu,
} from '@kdsim/iommu';
import { IOMMU_SELFTEST, IommuViommuType, MOCK_BUS_NAME } from '../uapi.js';

/** selftest.c constants (iommufd_test.h). */
export const MOCK = {
  /** MOCK_APERTURE_START. */
  APERTURE_START: 1n << 24n,
  /** MOCK_APERTURE_LAST. */
  APERTURE_LAST: (1n << 31n) - 1n,
  /** MOCK_PAGE_SIZE (PAGE_SIZE / 2). */
  PAGE_SIZE: 2048n,
  /** MOCK_HUGE_PAGE_SIZE. */
  HUGE_PAGE_SIZE: 512n * 2048n,
  /** IOMMU_HW_INFO_SELFTEST_REGVAL. */
  HW_INFO_REGVAL: 0xdeadbeef,
  /** MOCK_NESTED_DOMAIN_IOTLB_ID_MAX. */
  IOTLB_ID_MAX: 3,
  /** MOCK_DEV_CACHE_ID_MAX. */
  DEV_CACHE_ID_MAX: 3,
  /** IOMMU_TEST_INVALIDATE_FLAG_ALL. */
  INVALIDATE_FLAG_ALL: 1,
} as const;

/** enum mock_dev flags (MOCK_FLAGS_DEVICE_*). */
export const MOCK_FLAGS_DEVICE = {
  /** No dirty tracking. */
  NO_DIRTY: 1 << 0,
  /** Huge IOVA aperture. */
  HUGE_IOVA: 1 << 1,
  /** PASID capable (20-bit PASIDs). */
  PASID: 1 << 2,
} as const;

/** Operations a test can make fail once (fault injection). */
export type MockFault = 'probe' | 'domain_alloc' | 'attach' | 'map' | 'enforce_cc';

/** How one mock device behaves. */
export interface MockDeviceOptions {
  /** MOCK_FLAGS_DEVICE_* bits. */
  readonly flags?: number;
  /** Capabilities to answer instead of the selftest's (CACHE_COHERENCY, DIRTY_TRACKING unless NO_DIRTY). */
  readonly caps?: readonly IommuCap[];
  /** Reserved regions the driver reports. */
  readonly resvRegions?: readonly IommuResvRegion[];
}

interface MockDevState {
  flags: number;
  caps: readonly IommuCap[] | null;
  resv: readonly IommuResvRegion[];
}

/** How a mock instance is set up. */
export interface MockIommuOptions {
  /** The firmware node endpoints name in `iommus` (default a software node). */
  readonly fwnode?: Fwnode;
  /** What every device answers instead of the selftest's capability set. */
  readonly caps?: readonly IommuCap[];
  /** generic_single_device_group(): one group for all devices (default: one group per device). */
  readonly singleGroup?: boolean;
  /** What hw_info() reports instead of the selftest type (e.g. an SMMUv3- or VT-d-format IOMMU). */
  readonly hwInfo?: IommuHwInfo;
  /** Paging domains accept iommu_enable_nesting() (VFIO_TYPE1_NESTING_IOMMU). */
  readonly enableNesting?: boolean;
}

/** A paging domain of the mock: 2 KiB pages over the mock aperture. */
export class MockDomain extends IommuDomain {
  /** The driver that allocated it. */
  constructor(readonly mock: MockIommu, type: number, flags: number, parent: IommuDomain | null = null, readonly iotlb: number[] = []) {
    super({
      type,
      ops: mock.ops,
      pgsizeBitmap: MOCK.PAGE_SIZE | MOCK.HUGE_PAGE_SIZE,
      geometry: { apertureStart: MOCK.APERTURE_START, apertureEnd: MOCK.APERTURE_LAST, forceAperture: true },
      flags,
      parent,
    });
  }

  protected override doAttach(dev: Device): number {
    const f = this.mock.takeFault('attach');
    if (f !== 0) return f;
    // A domain that blocks No-Snoop refuses a device that cannot honour it (v6.7+ driver contract).
    if (this.enforcingCoherency && !this.mock.deviceHas(dev, IommuCap.ENFORCE_CACHE_COHERENCY)) return -Errno.EINVAL;
    return 0;
  }

  protected override doMap(): number {
    return this.mock.takeFault('map');
  }

  override enableNesting(): number {
    return this.mock.options.enableNesting === true ? 0 : -Errno.EINVAL;
  }

  override enforceCacheCoherency(): boolean {
    if (this.mock.takeFault('enforce_cc') !== 0) return false;
    if (!this.devices.every((d) => this.mock.deviceHas(d, IommuCap.ENFORCE_CACHE_COHERENCY))) return false;
    this.enforcingCoherency = true;
    return true;
  }

  override get hasDirtyOps(): boolean {
    return (this.flags & IOMMU_HWPT_ALLOC.DIRTY_TRACKING) !== 0;
  }

  // selftest.c: mock_domain_cache_invalidate_user()
  override cacheInvalidateUser(entries: readonly IommuUserData[]): { readonly errno: number; readonly handled: number } | null {
    if (this.type !== IommuDomainType.NESTED) return null;
    let handled = 0;
    for (const e of entries) {
      if (e.type !== 0xdeadbeef) return { errno: -Errno.EINVAL, handled };
      const flags = Number(e.data['flags'] ?? 0);
      const id = Number(e.data['iotlb_id'] ?? 0);
      if ((flags & ~MOCK.INVALIDATE_FLAG_ALL) !== 0) return { errno: -Errno.EOPNOTSUPP, handled };
      if (id > MOCK.IOTLB_ID_MAX) return { errno: -Errno.EINVAL, handled };
      if ((flags & MOCK.INVALIDATE_FLAG_ALL) !== 0) this.iotlb.fill(0);
      else this.iotlb[id] = 0;
      handled++;
    }
    return { errno: 0, handled };
  }
}

/**
 * The iommufd selftest mock IOMMU (drivers/iommu/iommufd/selftest.c) as a
 * first-class driver: one instance on its own fwnode, devices on a private
 * `iommufd_mock` bus, generic groups, 2 KiB pages, nesting with the
 * selftest data type, a selftest vIOMMU — plus what the kernel mock cannot
 * do: per-device capability sets and one-shot fault injection.
 */
export class MockIommu {
  /** The ops (one object per mock, as iommu->ops). */
  readonly ops: IommuOps;
  /** The registered instance. */
  readonly instance = new IommuDevice('iommufd_mock');
  /** The fwnode devices name it by (a software node unless firmware describes the mock). */
  readonly fwnode: Fwnode;
  /** Capabilities every device answers unless overridden (null: the selftest's answers). */
  readonly instanceCaps: readonly IommuCap[] | null;
  /** The private bus of mock devices. */
  readonly bus = new SimpleBus(MOCK_BUS_NAME);
  readonly #devs = new WeakMap<Device, MockDevState>();
  readonly #faults = new Map<MockFault, number>();
  #seq = 0;
  #blocked: IommuDomain | null = null;

  /**
   * Creates the mock for kernel `k` (not yet registered).
   */
  constructor(readonly k: Kernel, readonly options: MockIommuOptions = {}) {
    this.fwnode = options.fwnode ?? new SoftwareNode('iommufd-mock');
    this.instanceCaps = options.caps ?? null;
    const blocked = (): IommuDomain => (this.#blocked ??= new IommuDomain({ type: IommuDomainType.BLOCKED, ops: this.ops }));
    const ops: IommuOps = {
      name: 'iommufd_mock',
      pgsizeBitmap: MOCK.PAGE_SIZE | MOCK.HUGE_PAGE_SIZE,
      ofXlate: (_dev, args) => args.slice(0, 1),
      capable: (dev, cap) => this.deviceHas(dev, cap),
      probeDevice: (dev) => {
        const f = this.takeFault('probe');
        if (f !== 0) return f;
        const fw = this.k.container.get(IommuCore).fwspec(dev);
        if (fw?.iommuFwnode !== this.fwnode) return -Errno.ENODEV;
        if (!this.#devs.has(dev)) this.#devs.set(dev, { flags: 0, caps: null, resv: [] });
        return this.instance;
      },
      deviceGroup: (dev, core) => (options.singleGroup === true ? core.genericSingleDeviceGroup(dev) : core.genericDeviceGroup(dev)),
      getResvRegions: (dev) => this.#devs.get(dev)?.resv ?? [],
      // selftest.c: mock_domain_alloc_paging_flags()
      domainAllocPaging: (dev, flags, userData) => {
        const ok = IOMMU_HWPT_ALLOC.NEST_PARENT | IOMMU_HWPT_ALLOC.DIRTY_TRACKING | IOMMU_HWPT_ALLOC.PASID;
        if ((flags & ~ok) !== 0 || userData !== null) return -Errno.EOPNOTSUPP;
        if ((flags & IOMMU_HWPT_ALLOC.DIRTY_TRACKING) !== 0 && !this.deviceHas(dev, IommuCap.DIRTY_TRACKING)) return -Errno.EOPNOTSUPP;
        const f = this.takeFault('domain_alloc');
        if (f !== 0) return f;
        return new MockDomain(this, IommuDomainType.UNMANAGED, flags);
      },
      // selftest.c: mock_domain_alloc_nested()
      domainAllocNested: (_dev, parent, flags, userData) => {
        if ((flags & ~IOMMU_HWPT_ALLOC.PASID) !== 0) return -Errno.EOPNOTSUPP;
        if (!(parent instanceof MockDomain) || parent.mock !== this) return -Errno.EINVAL;
        return this.#nested(parent, flags, userData);
      },
      hwInfo: (_dev, type): IommuHwInfo | number => {
        const info = options.hwInfo ?? { type: IOMMU_SELFTEST.HW_INFO_TYPE, data: { flags: 0, test_reg: MOCK.HW_INFO_REGVAL } };
        if (type !== 0 && type !== info.type) return -Errno.EOPNOTSUPP;
        return info;
      },
      // selftest.c: a static blocking domain
      get blockedDomain(): IommuDomain {
        return blocked();
      },
      viommuSupported: (_dev, type) => type === IommuViommuType.SELFTEST,
      viommuInit: (_dev, parent) => this.#viommu(parent),
    };
    this.ops = ops;
  }

  // selftest.c: __mock_domain_alloc_nested() — data type and length as iommu_copy_struct_from_user() checks them
  #nested(parent: IommuDomain, flags: number, userData: IommuUserData): IommuDomain | number {
    if (userData.type !== IOMMU_SELFTEST.HWPT_DATA) return -Errno.EOPNOTSUPP;
    const iotlb = Number(userData.data['iotlb'] ?? 0);
    return new MockDomain(this, IommuDomainType.NESTED, flags, parent, [iotlb, iotlb, iotlb, iotlb]);
  }

  #viommu(_parent: IommuDomain): IommuViommu {
    const cache = new Map<bigint, number[]>();
    return {
      allocDomainNested: (_dev, flags, userData) => {
        if ((flags & ~IOMMU_HWPT_ALLOC.PASID) !== 0) return -Errno.EOPNOTSUPP;
        return this.#nested(_parent, flags, userData);
      },
      vdeviceInit: (_dev, virtId) => {
        cache.set(virtId, [0, 0, 0, 0]);
        return 0;
      },
      vdeviceDestroy: (_dev, virtId) => void cache.delete(virtId),
      // selftest.c: mock_viommu_cache_invalidate()
      cacheInvalidate: (entries) => {
        let handled = 0;
        for (const e of entries) {
          const flags = Number(e.data['flags'] ?? 0);
          const id = Number(e.data['cache_id'] ?? 0);
          const vdev = cache.get(BigInt(e.data['vdev_id'] ?? 0));
          if ((flags & ~MOCK.INVALIDATE_FLAG_ALL) !== 0) return { errno: -Errno.EOPNOTSUPP, handled };
          if (id > MOCK.DEV_CACHE_ID_MAX) return { errno: -Errno.EINVAL, handled };
          if (vdev === undefined) return { errno: -Errno.EINVAL, handled };
          if ((flags & MOCK.INVALIDATE_FLAG_ALL) !== 0) vdev.fill(0);
          else vdev[id] = 0;
          handled++;
        }
        return { errno: 0, handled };
      },
    };
  }

  /** The capability answer for `dev` (selftest: CACHE_COHERENCY; DIRTY_TRACKING unless NO_DIRTY). */
  deviceHas(dev: Device, cap: IommuCap): boolean {
    const st = this.#devs.get(dev);
    if (st === undefined) return false;
    if (st.caps !== null) return st.caps.includes(cap);
    if (this.instanceCaps !== null) return this.instanceCaps.includes(cap);
    if (cap === IommuCap.CACHE_COHERENCY) return true;
    if (cap === IommuCap.DIRTY_TRACKING) return (st.flags & MOCK_FLAGS_DEVICE.NO_DIRTY) === 0;
    return false;
  }

  /** Changes the capabilities `dev` reports from now on. */
  setCaps(dev: Device, caps: readonly IommuCap[]): void {
    const st = this.#devs.get(dev);
    if (st !== undefined) st.caps = caps;
  }

  /** Makes the next `op` fail with `errno` (one shot). */
  injectFault(op: MockFault, errno: number): void {
    this.#faults.set(op, errno);
  }

  /** Consumes an injected fault: its errno, or 0. */
  takeFault(op: MockFault): number {
    const e = this.#faults.get(op) ?? 0;
    this.#faults.delete(op);
    return e;
  }

  /**
   * Registers the mock bus and the instance with the IOMMU core
   * (iommu_device_register()); `hwdev` is the platform device of a
   * firmware-described mock, if any.
   */
  register(hwdev: Device | null = null): number {
    if (!this.k.buses.has(this.bus.name)) {
      const r = this.k.busRegister(this.bus);
      if (r !== 0) return r;
    }
    return this.k.container.get(IommuCore).deviceRegister(this.instance, this.ops, hwdev, this.fwnode);
  }

  /**
   * selftest.c: mock_dev_create() — a device on the mock bus, probed into
   * its own IOMMU group. Returns the device or an errno.
   */
  addDevice(options: MockDeviceOptions = {}): Device | number {
    const name = `mock_dev${this.#seq++}`;
    const dev = this.k.deviceCreate({ name, bus: this.bus });
    this.#devs.set(dev, { flags: options.flags ?? 0, caps: options.caps ?? null, resv: options.resvRegions ?? [] });
    dev.dmaCoherent = true;
    const add = this.k.deviceAdd(dev);
    if (add !== 0) return add;
    const core = this.k.container.get(IommuCore);
    let r = core.fwspecInit(dev, this.fwnode, 'of');
    if (r === 0) r = core.probeDevice(dev);
    if (r !== 0) {
      this.k.deviceDel(dev);
      return r;
    }
    if (((options.flags ?? 0) & MOCK_FLAGS_DEVICE.PASID) !== 0) core.devIommu(dev)!.maxPasids = 1 << 20;
    return dev;
  }

  /** mock_dev_destroy(): removes the device (it leaves its group). */
  removeDevice(dev: Device): void {
    this.k.deviceDel(dev);
  }
}
