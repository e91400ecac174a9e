import { Errno } from '@kdsim/core';

/** include/uapi/linux/virtio_iommu.h: feature bits. */
export const VIRTIO_IOMMU_F = {
  INPUT_RANGE: 0,
  DOMAIN_RANGE: 1,
  MAP_UNMAP: 2,
  BYPASS: 3,
  PROBE: 4,
  MMIO: 5,
  BYPASS_CONFIG: 6,
} as const;

/** Request types. */
export const VIRTIO_IOMMU_T = { ATTACH: 1, DETACH: 2, MAP: 3, UNMAP: 4, PROBE: 5 } as const;

/** Request status codes (the tail's status byte). */
export const VIRTIO_IOMMU_S = {
  OK: 0, IOERR: 1, UNSUPP: 2, DEVERR: 3, INVAL: 4, RANGE: 5, NOENT: 6, FAULT: 7, NOMEM: 8,
} as const;

/** One status value. */
export type ViommuStatus = (typeof VIRTIO_IOMMU_S)[keyof typeof VIRTIO_IOMMU_S];

/** ATTACH flag: the domain is a bypass domain. */
export const VIRTIO_IOMMU_ATTACH_F_BYPASS = 1;

/** MAP flags. */
export const VIRTIO_IOMMU_MAP_F = { READ: 1, WRITE: 2, MMIO: 4 } as const;

/** PROBE property RESV_MEM subtypes. */
export const VIRTIO_IOMMU_RESV_MEM_T = { RESERVED: 0, MSI: 1 } as const;

/**
 * virtio-iommu.c: viommu_get_req_errno() — the errno the driver sees for a
 * status (unknown values and an unwritten buffer are -EIO).
 */
export function viommuGetReqErrno(status: number): number {
  switch (status) {
    case VIRTIO_IOMMU_S.OK: return 0;
    case VIRTIO_IOMMU_S.UNSUPP: return -Errno.ENOSYS;
    case VIRTIO_IOMMU_S.INVAL: return -Errno.EINVAL;
    case VIRTIO_IOMMU_S.RANGE: return -Errno.ERANGE;
    case VIRTIO_IOMMU_S.NOENT: return -Errno.ENOENT;
    case VIRTIO_IOMMU_S.FAULT: return -Errno.EFAULT;
    case VIRTIO_IOMMU_S.NOMEM: return -Errno.ENOMEM;
    default: return -Errno.EIO; // IOERR, DEVERR, unwritten
  }
}
