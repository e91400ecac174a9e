import { VIRTIO_F } from '@kdsim/bus-virtio';
import { VIRTIO_IOMMU_ATTACH_F_BYPASS, VIRTIO_IOMMU_F, VIRTIO_IOMMU_MAP_F, VIRTIO_IOMMU_S, type ViommuStatus } from './protocol.js';

/** A reserved region an endpoint reports through PROBE (RESV_MEM). */
export interface ViommuResvMem {
  /** RESERVED (0) or MSI (1); other values are reported as they are. */
  readonly subtype: number;
  /** First address. */
  readonly start: bigint;
  /** Last address (inclusive). */
  readonly end: bigint;
}

/** The virtio-iommu device's config space and endpoints. */
export interface ViommuDeviceInit {
  /** Offered features (default QEMU 7.2's). */
  readonly features?: bigint;
  /** page_size_mask (default 4 KiB and up). */
  readonly pageSizeMask?: bigint;
  /** input_range (default the whole 64-bit space). */
  readonly inputRange?: { readonly start: bigint; readonly end: bigint };
  /** domain_range (default 0 … 2^32-1). */
  readonly domainRange?: { readonly start: number; readonly end: number };
  /** probe_size (default 512). */
  readonly probeSize?: number;
  /** config `bypass`: unattached endpoints bypass (default true, QEMU boot-bypass). */
  readonly bypass?: boolean;
  /** Endpoint IDs the device knows (default: any). */
  readonly endpoints?: readonly number[];
  /** RESV_MEM properties per endpoint. */
  readonly resvMem?: ReadonlyMap<number, readonly ViommuResvMem[]>;
  /** QEMU's `reserved-regions` property: reported for every endpoint without its own {@link resvMem}. */
  readonly reservedRegions?: readonly ViommuResvMem[];
}

const bit = (n: number): bigint => 1n << BigInt(n);

/** QEMU 7.2 virtio-iommu-pci: VERSION_1, INPUT_RANGE, DOMAIN_RANGE, MAP_UNMAP, PROBE, MMIO, BYPASS_CONFIG. */
export const QEMU_VIOMMU_FEATURES = bit(VIRTIO_F.VERSION_1) | bit(VIRTIO_IOMMU_F.INPUT_RANGE) | bit(VIRTIO_IOMMU_F.DOMAIN_RANGE)
  | bit(VIRTIO_IOMMU_F.MAP_UNMAP) | bit(VIRTIO_IOMMU_F.PROBE) | bit(VIRTIO_IOMMU_F.MMIO) | bit(VIRTIO_IOMMU_F.BYPASS_CONFIG);

/** One mapping the device holds. */
export interface ViommuMapping {
  /** First IOVA. */
  readonly start: bigint;
  /** Last IOVA (inclusive). */
  readonly end: bigint;
  /** First physical address. */
  readonly phys: bigint;
  /** MAP flags. */
  readonly flags: number;
}
interface Domain { readonly bypass: boolean; readonly endpoints: Set<number>; readonly maps: ViommuMapping[] }

/**
 * The device side of virtio-iommu (OASIS virtio spec, "IOMMU device"):
 * domains created by ATTACH and destroyed with their last endpoint,
 * mappings with MAP / UNMAP rules, PROBE properties, bypass domains.
 */
export class VirtioIommuDeviceModel {
  /** Offered features. */
  readonly features: bigint;
  /** page_size_mask. */
  readonly pageSizeMask: bigint;
  /** input_range. */
  readonly inputRange: { readonly start: bigint; readonly end: bigint };
  /** domain_range. */
  readonly domainRange: { readonly start: number; readonly end: number };
  /** probe_size. */
  readonly probeSize: number;
  /** config `bypass`. */
  bypass: boolean;
  /** Negotiated features (what the driver accepted). */
  negotiated = 0n;
  readonly #endpoints: readonly number[] | null;
  readonly #resv: ReadonlyMap<number, readonly ViommuResvMem[]>;
  readonly #reservedRegions: readonly ViommuResvMem[];
  readonly #domains = new Map<number, Domain>();
  readonly #attached = new Map<number, number>();

  /** A device with `init`'s config. */
  constructor(init: ViommuDeviceInit = {}) {
    this.features = init.features ?? QEMU_VIOMMU_FEATURES;
    this.pageSizeMask = init.pageSizeMask ?? 0xfffffffffffff000n;
    this.inputRange = init.inputRange ?? { start: 0n, end: (1n << 64n) - 1n };
    this.domainRange = init.domainRange ?? { start: 0, end: 0xffffffff };
    this.probeSize = init.probeSize ?? 512;
    this.bypass = init.bypass ?? true;
    this.#endpoints = init.endpoints ?? null;
    this.#resv = init.resvMem ?? new Map();
    this.#reservedRegions = init.reservedRegions ?? [];
  }

  #known(ep: number): boolean {
    return this.#endpoints === null || this.#endpoints.includes(ep);
  }

  /** The domain an endpoint is attached to, or undefined. */
  attachedTo(endpoint: number): number | undefined {
    return this.#attached.get(endpoint);
  }

  /** Live mappings of a domain (empty when it does not exist). */
  mappings(domain: number): readonly ViommuMapping[] {
    return this.#domains.get(domain)?.maps ?? [];
  }

  /** True if the domain exists. */
  hasDomain(domain: number): boolean {
    return this.#domains.has(domain);
  }

  /** ATTACH: creates the domain if absent; an endpoint attached elsewhere is detached first. */
  attach(domain: number, endpoint: number, flags = 0): ViommuStatus {
    if ((flags & ~VIRTIO_IOMMU_ATTACH_F_BYPASS) !== 0) return VIRTIO_IOMMU_S.INVAL;
    const bypass = (flags & VIRTIO_IOMMU_ATTACH_F_BYPASS) !== 0;
    if (bypass && (this.negotiated & bit(VIRTIO_IOMMU_F.BYPASS_CONFIG)) === 0n) return VIRTIO_IOMMU_S.INVAL;
    if (!this.#known(endpoint)) return VIRTIO_IOMMU_S.NOENT;
    if (domain < this.domainRange.start || domain > this.domainRange.end) return VIRTIO_IOMMU_S.RANGE;
    let d = this.#domains.get(domain);
    if (d !== undefined && d.bypass !== bypass) return VIRTIO_IOMMU_S.INVAL;
    const old = this.#attached.get(endpoint);
    if (old !== undefined && old !== domain) this.#leave(old, endpoint);
    if (d === undefined) this.#domains.set(domain, (d = { bypass, endpoints: new Set(), maps: [] }));
    d.endpoints.add(endpoint);
    this.#attached.set(endpoint, domain);
    return VIRTIO_IOMMU_S.OK;
  }

  /** DETACH: the last endpoint leaving destroys the domain and its mappings. */
  detach(domain: number, endpoint: number): ViommuStatus {
    if (!this.#known(endpoint)) return VIRTIO_IOMMU_S.NOENT;
    if (this.#attached.get(endpoint) !== domain) return VIRTIO_IOMMU_S.INVAL;
    this.#leave(domain, endpoint);
    return VIRTIO_IOMMU_S.OK;
  }

  #leave(domain: number, endpoint: number): void {
    const d = this.#domains.get(domain);
    this.#attached.delete(endpoint);
    if (d === undefined) return;
    d.endpoints.delete(endpoint);
    if (d.endpoints.size === 0) this.#domains.delete(domain);
  }

  /** MAP [virtStart, virtEnd] (inclusive) → physStart. */
  map(domain: number, virtStart: bigint, virtEnd: bigint, physStart: bigint, flags: number): ViommuStatus {
    let allowed = VIRTIO_IOMMU_MAP_F.READ | VIRTIO_IOMMU_MAP_F.WRITE;
    if ((this.negotiated & bit(VIRTIO_IOMMU_F.MMIO)) !== 0n) allowed |= VIRTIO_IOMMU_MAP_F.MMIO;
    if ((flags & ~allowed) !== 0) return VIRTIO_IOMMU_S.INVAL;
    const d = this.#domains.get(domain);
    if (d === undefined) return VIRTIO_IOMMU_S.NOENT;
    if (d.bypass) return VIRTIO_IOMMU_S.INVAL;
    const granule = this.pageSizeMask & -this.pageSizeMask;
    if (virtEnd < virtStart || virtStart % granule !== 0n || (virtEnd + 1n) % granule !== 0n || physStart % granule !== 0n) return VIRTIO_IOMMU_S.RANGE;
    if (virtStart < this.inputRange.start || virtEnd > this.inputRange.end) return VIRTIO_IOMMU_S.RANGE;
    if (d.maps.some((m) => m.start <= virtEnd && virtStart <= m.end)) return VIRTIO_IOMMU_S.INVAL;
    d.maps.push({ start: virtStart, end: virtEnd, phys: physStart, flags });
    return VIRTIO_IOMMU_S.OK;
  }

  /** UNMAP: removes every mapping fully inside; splitting one is RANGE and removes nothing. */
  unmap(domain: number, virtStart: bigint, virtEnd: bigint): ViommuStatus {
    const d = this.#domains.get(domain);
    if (d === undefined) return VIRTIO_IOMMU_S.NOENT;
    if (d.bypass) return VIRTIO_IOMMU_S.INVAL;
    const hit = d.maps.filter((m) => m.start <= virtEnd && virtStart <= m.end);
    if (hit.some((m) => m.start < virtStart || m.end > virtEnd)) return VIRTIO_IOMMU_S.RANGE;
    for (const m of hit) d.maps.splice(d.maps.indexOf(m), 1);
    return VIRTIO_IOMMU_S.OK;
  }

  /** PROBE: the endpoint's properties; a buffer smaller than probe_size is INVAL. */
  probe(endpoint: number, bufferSize = this.probeSize): { readonly status: ViommuStatus; readonly resvMem: readonly ViommuResvMem[] } {
    if (!this.#known(endpoint)) return { status: VIRTIO_IOMMU_S.NOENT, resvMem: [] };
    if (bufferSize < this.probeSize) return { status: VIRTIO_IOMMU_S.INVAL, resvMem: [] };
    return { status: VIRTIO_IOMMU_S.OK, resvMem: this.#resv.get(endpoint) ?? this.#reservedRegions };
  }
}
