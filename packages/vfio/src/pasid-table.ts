import { Errno } from '@kdsim/core';
import { IommuHwInfoType, type IommuCore, type IommuGroup } from '@kdsim/iommu';

/** pasid_table_info.model (2017 RFC): the format the opaque table is in. */
export const PasidTableModel = {
  /** Intel VT-d PASID table. */
  INTEL_IOMMU: 1 << 0,
  /** ARM SMMU context-descriptor table. */
  ARM_SMMU: 1 << 1,
} as const;

/** struct pasid_table_info of the proposal. */
export interface PasidTableInfo {
  /** Guest physical address of the table. */
  readonly ptr: bigint;
  /** Entries; at most the host table's size. */
  readonly size: number;
  /** A {@link PasidTableModel} value. */
  readonly model: number;
}

/** A bound table: which group, which table. */
export interface PasidTableBinding {
  /** The group every device of which uses the table. */
  readonly group: IommuGroup;
  /** The table. */
  readonly info: PasidTableInfo;
}

/**
 * The never-merged `iommu_bind_pasid_table()` / `VFIO_IOMMU_BIND_PASID_TABLE`
 * (Jacob Pan, Yi L Liu, Ashok Raj, 2017), as an optional policy a scenario
 * injects to study the design: binding is group-granular (the container
 * ioctl applies to every device of the group), the table's `model` must be
 * the physical IOMMU's own format (-EINVAL otherwise), and unbind drops it.
 */
export abstract class PasidTablePolicy {
  /** Binds `info` for every device of `group` behind an IOMMU whose format is `hostModel`. */
  abstract bind(group: IommuGroup, hostModel: number, hostSize: number, info: PasidTableInfo): number;
  /** Unbinds the group's table (-ENOENT when none is bound). */
  abstract unbind(group: IommuGroup): number;
  /** The table a device's group uses, or null. */
  abstract binding(group: IommuGroup): PasidTableBinding | null;
}

/** The proposal's rules. */
export class RfcPasidTablePolicy extends PasidTablePolicy {
  readonly #bound = new Map<IommuGroup, PasidTableBinding>();

  bind(group: IommuGroup, hostModel: number, hostSize: number, info: PasidTableInfo): number {
    // The opaque payload is only meaningful to the IOMMU that `model` names.
    if (info.model !== hostModel) return -Errno.EINVAL;
    if (info.size > hostSize || info.size <= 0) return -Errno.EINVAL;
    if (this.#bound.has(group)) return -Errno.EBUSY;
    this.#bound.set(group, { group, info });
    return 0;
  }

  unbind(group: IommuGroup): number {
    return this.#bound.delete(group) ? 0 : -Errno.ENOENT;
  }

  binding(group: IommuGroup): PasidTableBinding | null {
    return this.#bound.get(group) ?? null;
  }
}

/**
 * Which table format each IOMMU driver walks, by driver identity, for
 * profiles whose driver has no hw_info (SMMUv3 before v6.13): an SMMUv3
 * context-descriptor table or a VT-d PASID table.
 */
const DRIVER_PASID_TABLE_MODEL: Readonly<Record<string, number>> = {
  'arm-smmu-v3': PasidTableModel.ARM_SMMU,
  'intel-iommu': PasidTableModel.INTEL_IOMMU,
};

/**
 * The host's PASID-table format for a group: what its IOMMU driver's
 * hw_info reports, else the driver's own format by identity; 0 when
 * neither says. And the host table size: the devices' PASID count, at
 * least the one entry a device without PASIDs still has (SSID 0 /
 * RID_PASID).
 */
export function hostPasidTable(core: IommuCore, group: IommuGroup): { readonly model: number; readonly size: number } {
  const dev = group.devices[0];
  const ops = dev === undefined ? null : core.deviceOps(dev);
  let model = 0;
  if (dev !== undefined && ops?.hwInfo !== undefined) {
    const info = ops.hwInfo(dev, 0);
    const type = typeof info === 'number' ? 0 : info.type;
    model = type === IommuHwInfoType.INTEL_VTD ? PasidTableModel.INTEL_IOMMU : type === IommuHwInfoType.ARM_SMMUV3 ? PasidTableModel.ARM_SMMU : 0;
  } else if (ops !== null) {
    model = DRIVER_PASID_TABLE_MODEL[ops.name] ?? 0;
  }
  let size = dev === undefined ? 0 : 1;
  for (const d of group.devices) size = Math.max(size, core.devIommu(d)?.maxPasids ?? 0);
  return { model, size };
}
