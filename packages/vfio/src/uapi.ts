// Constants of include/uapi/linux/vfio.h and include/uapi/linux/iommufd.h
// (values as the headers define them) that user space passes or reads.

/** include/uapi/linux/vfio.h: VFIO_CHECK_EXTENSION / VFIO_SET_IOMMU arguments. */
export const VFIO_EXT = {
  /** Type1 IOMMU backend, v1 semantics. */
  TYPE1_IOMMU: 1,
  /** POWER sPAPR TCE. */
  SPAPR_TCE_IOMMU: 2,
  /** Type1 with v2 semantics (no partial unmaps). */
  TYPE1v2_IOMMU: 3,
  /** Every domain enforces cache coherency (No-Snoop blocked). */
  DMA_CC_IOMMU: 4,
  /** POWER EEH. */
  EEH: 5,
  /** VFIO_TYPE1_NESTING_IOMMU (until v6.12; `__VFIO_RESERVED_TYPE1_NESTING_IOMMU` after). */
  TYPE1_NESTING_IOMMU: 6,
  /** sPAPR TCE v2. */
  SPAPR_TCE_v2_IOMMU: 7,
  /** The no-IOMMU backend. */
  NOIOMMU_IOMMU: 8,
  /** VFIO_IOMMU_UNMAP_DMA_FLAG_ALL. */
  UNMAP_ALL: 9,
  /** VFIO_DMA_MAP_FLAG_VADDR. */
  UPDATE_VADDR: 10,
} as const;

/** struct vfio_group_status flags. */
export const VFIO_GROUP_FLAGS = {
  /** No kernel driver uses the group's DMA (every device is unbound or vfio). */
  VIABLE: 1 << 0,
  /** The group is attached to a container (or an iommufd). */
  CONTAINER_SET: 1 << 1,
} as const;

/** struct vfio_device_bind_iommufd / attach_iommufd_pt flags. */
export const VFIO_DEVICE_FLAGS = {
  /** BIND_IOMMUFD: a VF token UUID is passed. */
  BIND_TOKEN: 1 << 0,
  /** ATTACH/DETACH_IOMMUFD_PT: `pasid` is valid. */
  ATTACH_PASID: 1 << 0,
} as const;

/** include/uapi/linux/iommufd.h: enum iommufd_ioas_map_flags. */
export const IOMMU_IOAS_MAP = {
  /** `iova` is an input. */
  FIXED_IOVA: 1 << 0,
  /** DMA may write. */
  WRITEABLE: 1 << 1,
  /** DMA may read. */
  READABLE: 1 << 2,
} as const;

/** enum iommu_hw_capabilities (IOMMU_GET_HW_INFO out_capabilities). */
export const IOMMU_HW_CAP = {
  /** Hardware dirty tracking. */
  DIRTY_TRACKING: 1n << 0n,
  /** PCI PASID execute permission. */
  PCI_PASID_EXEC: 1n << 1n,
  /** PCI PASID privileged mode. */
  PCI_PASID_PRIV: 1n << 2n,
  /** ATS may not be enabled (negative sense; after v6.12). */
  PCI_ATS_NOT_SUPPORTED: 1n << 3n,
} as const;

/** IOMMU_GET_HW_INFO flags. */
export const IOMMU_HW_INFO_FLAG = {
  /** in_data_type is valid (after v6.12). */
  INPUT_TYPE: 1 << 0,
} as const;

/** enum iommu_viommu_type. */
export const IommuViommuType = {
  /** Not a valid type for VIOMMU_ALLOC. */
  DEFAULT: 0,
  /** ARM SMMUv3. */
  ARM_SMMUV3: 1,
  /** NVIDIA Tegra241 CMDQV. */
  TEGRA241_CMDQV: 2,
  /** The selftest mock. */
  SELFTEST: 0xdeadbeef,
} as const;

/** enum iommu_hwpt_invalidate_data_type. */
export const IommuHwptInvalidateDataType = {
  /** Intel VT-d stage-1 IOTLB. */
  VTD_S1: 0,
  /** ARM SMMUv3 commands through a vIOMMU. */
  VIOMMU_ARM_SMMUV3: 1,
  /** The selftest mock's IOTLB. */
  SELFTEST: 0xdeadbeef,
  /** The selftest mock's device cache (vIOMMU). */
  SELFTEST_DEV_CACHE: 0xdadbeef,
} as const;

/** The bus of the selftest's mock devices (selftest.c: mock_bus), by which iommufd tells them apart. */
export const MOCK_BUS_NAME = 'iommufd_mock';

/** Selftest data types (iommufd_test.h). */
export const IOMMU_SELFTEST = {
  /** IOMMU_HWPT_DATA_SELFTEST. */
  HWPT_DATA: 0xdead,
  /** IOMMU_HW_INFO_TYPE_SELFTEST. */
  HW_INFO_TYPE: 0xfeedbeef,
} as const;

/** enum iommufd_object_type (names as iommufd prints them). */
export type IommufdObjectType =
  | 'IOAS' | 'HWPT_PAGING' | 'HWPT_NESTED' | 'DEVICE' | 'ACCESS' | 'FAULT' | 'VIOMMU' | 'VDEVICE';

/** CPU PAGE_SIZE of the modelled kernels (arm64 and x86 4K configs). */
export const PAGE_SIZE = 4096n;

/** ULONG_MAX on 64-bit kernels. */
export const ULONG_MAX = (1n << 64n) - 1n;
