import { Errno, LogLevel, type Device, type DriverSpec, type Kernel } from '@kdsim/core';
import { VIRTIO_F, virtioDriver, type VirtioDevice } from '@kdsim/bus-virtio';
import {
  IOMMU_PROT, IommuCore, IommuDevice, IommuDomain, IommuDomainType, type IommuCap, type IommuDomainGeometry, type IommuOps, type IommuResvRegion,
} from '@kdsim/iommu';
import { VirtioIommuDeviceModel } from './device-model.js';
import { VIRTIO_IOMMU_ATTACH_F_BYPASS, VIRTIO_IOMMU_F, VIRTIO_IOMMU_MAP_F, VIRTIO_IOMMU_RESV_MEM_T, viommuGetReqErrno } from './protocol.js';

/** virtio_ids.h: VIRTIO_ID_IOMMU. */
export const VIRTIO_ID_IOMMU = 23;
const PAGE_SIZE = 0x1000n;
const MSI_IOVA_BASE = 0x8000000n;
const MSI_IOVA_LENGTH = 0x100000n;

const has = (features: bigint, b: number): boolean => (features & (1n << BigInt(b))) !== 0n;

// kzalloc()'s geometry of a domain no instance finalised yet.
const UNFINALISED: IommuDomainGeometry = Object.freeze({ apertureStart: 0n, apertureEnd: 0n, forceAperture: false });

/** One probed virtio-iommu (struct viommu_dev). */
export class Viommu extends IommuDevice {
  /** Next free domain ID, and the last usable one. */
  firstDomain: number;
  /** Last usable domain ID. */
  readonly lastDomain: number;
  /** The ID reserved for the bypass identity domain, or null without BYPASS_CONFIG. */
  readonly identityDomainId: number | null;
  /** What a domain finalised on this instance may translate: the input range (force_aperture). */
  readonly geometry: IommuDomainGeometry;
  readonly #used = new Set<number>();

  /** An instance on top of its modelled device. */
  constructor(name: string, readonly vdev: VirtioDevice, readonly model: VirtioIommuDeviceModel, readonly features: bigint) {
    super(name);
    const range = has(features, VIRTIO_IOMMU_F.DOMAIN_RANGE) ? model.domainRange : { start: 0, end: 0xffffffff };
    let first = range.start;
    // viommu_probe(): with BYPASS_CONFIG the first domain ID is the identity domain's.
    this.identityDomainId = has(features, VIRTIO_IOMMU_F.BYPASS_CONFIG) ? first++ : null;
    this.firstDomain = first;
    this.lastDomain = range.end;
    const input = has(features, VIRTIO_IOMMU_F.INPUT_RANGE) ? model.inputRange : { start: 0n, end: (1n << 64n) - 1n };
    this.geometry = { apertureStart: input.start, apertureEnd: input.end, forceAperture: true };
  }

  /** ida_alloc_range() over [firstDomain, lastDomain]. */
  allocDomainId(): number {
    for (let id = this.firstDomain; id <= this.lastDomain; id++) {
      if (!this.#used.has(id)) {
        this.#used.add(id);
        return id;
      }
    }
    return -Errno.ENOSPC;
  }

  /** ida_free(). */
  freeDomainId(id: number): void {
    this.#used.delete(id);
  }
}

/** A virtio-iommu domain (struct viommu_domain): mappings live in the driver and are replayed on first attach. */
export class ViommuDomain extends IommuDomain {
  /** The instance the domain was finalised on. */
  viommu: Viommu | null = null;
  /** Domain ID on the device. */
  id = -1;

  /**
   * Creates a domain of `type`. Until it is finalised on an instance its geometry is
   * viommu_domain_alloc()'s zeroed one (an aperture of IOVA 0 alone, not forced), unless
   * `geometry` gives the instance's.
   */
  constructor(readonly driver: VirtioIommuDriver, type: number, pgsize: bigint, readonly bypass = false, geometry: IommuDomainGeometry = UNFINALISED) {
    super({ type, ops: driver.ops, pgsizeBitmap: pgsize, geometry });
  }

  // viommu_attach_dev(): finalise on first use, one ATTACH per endpoint ID, replay on the first endpoint.
  protected override doAttach(dev: Device): number {
    const v = this.driver.viommuOf(dev);
    if (v === null) return -Errno.ENODEV;
    if (this.viommu !== null && this.viommu !== v) return -Errno.EINVAL;
    if (this.viommu === null) {
      const id = this.bypass ? v.identityDomainId! : v.allocDomainId();
      if (id < 0) return id;
      this.viommu = v;
      this.id = id;
      this.geometry = v.geometry;
    }
    const first = this.devices.length === 0;
    for (const ep of this.driver.k.container.get(IommuCore).fwspec(dev)?.ids ?? []) {
      const r = viommuGetReqErrno(v.model.attach(this.id, ep, this.bypass ? VIRTIO_IOMMU_ATTACH_F_BYPASS : 0));
      if (r !== 0) return r;
    }
    if (first && !this.bypass) {
      for (const m of this.mappings) {
        const r = viommuGetReqErrno(v.model.map(this.id, m.iova, m.iova + m.size - 1n, m.paddr, mapFlags(m.prot)));
        if (r !== 0) return r;
      }
    }
    return 0;
  }

  protected override doMap(iova: bigint, paddr: bigint, size: bigint, prot: number): number {
    if (this.viommu === null || this.devices.length === 0) return 0; // replayed at attach
    return viommuGetReqErrno(this.viommu.model.map(this.id, iova, iova + size - 1n, paddr, mapFlags(prot)));
  }

  protected override doUnmap(iova: bigint, size: bigint): void {
    if (this.viommu !== null && this.devices.length > 0) this.viommu.model.unmap(this.id, iova, iova + size - 1n);
  }
}

// log2.h: order_base_2() — ceil(log2(n)).
function orderBase2(n: bigint): number {
  const bits = n.toString(2).length;
  return (n & (n - 1n)) === 0n ? bits - 1 : bits;
}

function mapFlags(prot: number): number {
  let f = 0;
  if (prot & IOMMU_PROT.READ) f |= VIRTIO_IOMMU_MAP_F.READ;
  if (prot & IOMMU_PROT.WRITE) f |= VIRTIO_IOMMU_MAP_F.WRITE;
  if (prot & IOMMU_PROT.MMIO) f |= VIRTIO_IOMMU_MAP_F.MMIO;
  return f;
}

/** The virtio-iommu driver of one kernel: its iommu_ops and the virtio driver. */
export class VirtioIommuDriver {
  /** The driver's iommu_ops. */
  readonly ops: IommuOps;
  /** Probed instances. */
  readonly instances: Viommu[] = [];
  readonly #resv = new WeakMap<Device, IommuResvRegion[]>();

  /** Creates the driver for kernel `k`. */
  constructor(readonly k: Kernel) {
    const capable = this.#capableFor();
    this.ops = {
      name: 'virtio-iommu',
      owner: 'virtio_iommu',
      pgsizeBitmap: 0xfffffffffffff000n,
      ...(capable !== null ? { capable } : {}),
      probeDevice: (dev) => this.probeDevice(dev),
      deviceGroup: (dev, core) => core.deviceGroupByBus(dev),
      ofXlate: (_dev, args) => args.slice(0, 1), // viommu_of_xlate(): one endpoint ID
      getResvRegions: (dev) => this.#resvRegions(dev),
      domainAllocPaging: (dev, flags, data) => this.domainAllocPaging(dev, flags, data !== null),
      domainAllocIdentity: (dev) => this.domainAllocIdentity(dev),
    };
  }

  /**
   * viommu_capable() per kernel (spec §2.6): absent up to v5.19.0 (every
   * capability false: the VFIO breakage), CACHE_COHERENCY from v6.0,
   * DEFERRED_FLUSH once the driver got flush_iotlb_all (v6.8: "iommu/virtio:
   * Add ops->flush_iotlb_all and enable deferred flush", IOMMU pull for v6.8).
   */
  #capableFor(): ((dev: Device, cap: IommuCap) => boolean) | null {
    const p = this.k.profile;
    if (!p.atLeast(6, 0)) return null;
    return (_dev, cap) => cap === 'CACHE_COHERENCY' || (cap === 'DEFERRED_FLUSH' && p.atLeast(6, 8));
  }

  /** The instance translating `dev`, from its fwspec. */
  viommuOf(dev: Device): Viommu | null {
    const fw = this.k.container.get(IommuCore).fwspec(dev);
    if (fw === null) return null;
    return this.instances.find((v) => v.fwnode === fw.iommuFwnode) ?? null;
  }

  /** viommu_probe_device(): -ENODEV if not ours; PROBE the first endpoint ID when the device supports it. */
  probeDevice(dev: Device): IommuDevice | number {
    const v = this.viommuOf(dev);
    if (v === null) return -Errno.ENODEV;
    const ids = this.k.container.get(IommuCore).fwspec(dev)?.ids ?? [];
    const regions: IommuResvRegion[] = [];
    if (has(v.features, VIRTIO_IOMMU_F.PROBE) && v.model.probeSize !== 0) {
      if (ids.length === 0) return -Errno.EINVAL;
      const r = v.model.probe(ids[0]!);
      const err = viommuGetReqErrno(r.status);
      if (err !== 0) return err;
      for (const m of r.resvMem) {
        // viommu_add_resv_mem(): unknown subtypes are kept as RESERVED (with a warning)
        if (m.subtype !== VIRTIO_IOMMU_RESV_MEM_T.RESERVED && m.subtype !== VIRTIO_IOMMU_RESV_MEM_T.MSI) {
          this.k.devPrintk(dev, LogLevel.WARNING, `unknown resv mem subtype 0x${m.subtype.toString(16)}`);
        }
        const msi = m.subtype === VIRTIO_IOMMU_RESV_MEM_T.MSI;
        regions.push({
          start: m.start, length: m.end - m.start + 1n, type: msi ? 'MSI' : 'RESERVED',
          prot: msi ? IOMMU_PROT.WRITE | IOMMU_PROT.NOEXEC | IOMMU_PROT.MMIO : 0,
        });
      }
      regions.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    }
    this.#resv.set(dev, regions);
    return v;
  }

  // viommu_get_resv_regions(): the endpoint's regions, plus a software MSI window when none is MSI.
  #resvRegions(dev: Device): readonly IommuResvRegion[] {
    const own = this.#resv.get(dev) ?? [];
    if (own.some((r) => r.type === 'MSI')) return own;
    return [...own, { start: MSI_IOVA_BASE, length: MSI_IOVA_LENGTH, type: 'SW_MSI', prot: IOMMU_PROT.WRITE | IOMMU_PROT.NOEXEC | IOMMU_PROT.MMIO }];
  }

  /** viommu_domain_alloc_paging(): no flags or data (-EOPNOTSUPP); a granule above PAGE_SIZE is -ENODEV. */
  domainAllocPaging(dev: Device, flags: number, hasData: boolean): IommuDomain | number {
    if (flags !== 0 || hasData) return -Errno.EOPNOTSUPP;
    const v = this.viommuOf(dev);
    if (v === null) return -Errno.ENODEV;
    const mask = v.model.pageSizeMask;
    if ((mask & -mask) > PAGE_SIZE) return -Errno.ENODEV;
    // Up to v6.14 the paging domain came from the type-only domain_alloc() and was finalised at
    // its first attach: iommufd's HWPT_ALLOC adds it to the IOAS with the zeroed geometry, which
    // reserves every IOVA but 0 (-EADDRINUSE when anything is mapped above it). The conversion
    // to domain_alloc_paging(dev) (the spec: after v6.12; taken as v6.15) finalises at once.
    const geometry = this.k.profile.atLeast(6, 15) ? v.geometry : UNFINALISED;
    return new ViommuDomain(this, IommuDomainType.UNMANAGED, mask, false, geometry);
  }

  /**
   * Identity: with BYPASS_CONFIG the bypass domain (ATTACH_F_BYPASS on the
   * reserved ID); without, a paging domain the driver fills 1:1 (the
   * mappings themselves are not modelled).
   */
  domainAllocIdentity(dev: Device): IommuDomain | number {
    const v = this.viommuOf(dev);
    if (v === null) return -Errno.ENODEV;
    return new ViommuDomain(this, IommuDomainType.IDENTITY, v.model.pageSizeMask, v.identityDomainId !== null);
  }

  /**
   * viommu_probe(): needs VERSION_1 and MAP_UNMAP (-ENODEV), a non-empty
   * page_size_mask (-EINVAL); registers with the transport device as hwdev.
   */
  probe(vdev: VirtioDevice): number {
    const k = this.k;
    const cfg = vdev.transport.config['viommu'];
    const model = cfg instanceof VirtioIommuDeviceModel ? cfg : new VirtioIommuDeviceModel();
    const f = vdev.features;
    if (!has(f, VIRTIO_F.VERSION_1) || !has(f, VIRTIO_IOMMU_F.MAP_UNMAP)) return -Errno.ENODEV;
    if (model.pageSizeMask === 0n) return -Errno.EINVAL;
    model.negotiated = f;
    const transport = vdev.parent;
    if (transport === null) return -Errno.ENODEV;
    const v = new Viommu(transport.name, vdev, model, f);
    const end = has(f, VIRTIO_IOMMU_F.INPUT_RANGE) ? model.inputRange.end : (1n << 64n) - 1n;
    k.devPrintk(vdev, LogLevel.INFO, `input address: ${orderBase2(end)} bits`);
    k.devPrintk(vdev, LogLevel.INFO, `page mask: 0x${model.pageSizeMask.toString(16)}`);
    this.instances.push(v);
    const r = k.container.get(IommuCore).deviceRegister(v, this.ops, transport);
    if (r !== 0) this.instances.splice(this.instances.indexOf(v), 1);
    return r;
  }

  /** The `virtio_iommu` virtio driver. */
  virtioDriver(bus: DriverSpec['bus']): DriverSpec {
    const table: number[] = [VIRTIO_IOMMU_F.INPUT_RANGE, VIRTIO_IOMMU_F.DOMAIN_RANGE, VIRTIO_IOMMU_F.MAP_UNMAP, VIRTIO_IOMMU_F.PROBE, VIRTIO_IOMMU_F.MMIO];
    if (this.k.profile.atLeast(5, 17)) table.push(VIRTIO_IOMMU_F.BYPASS_CONFIG);
    return virtioDriver(bus, { name: 'virtio_iommu', idTable: [{ device: VIRTIO_ID_IOMMU }], featureTable: table, probe: (vdev) => this.probe(vdev) });
  }
}
