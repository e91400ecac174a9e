/**
 * @packageDocumentation
 * VFIO (drivers/vfio: device registration with the cache-coherency gate,
 * groups, containers, type1, no-IOMMU mode, the device cdev) and iommufd
 * (drivers/iommu/iommufd: IOAS, HWPT_PAGING, HWPT_NESTED, DEVICE, ACCESS,
 * FAULT, VIOMMU, VDEVICE) as ioctl-shaped calls returning `{ errno, out }`,
 * per kernel profile; the selftest mock IOMMU driver; the 2017
 * bind_pasid_table policy; and the userspace step registry scenarios use.
 */
export { result, type IoctlResult } from './result.js';
export {
  VFIO_EXT, VFIO_GROUP_FLAGS, VFIO_DEVICE_FLAGS, IOMMU_IOAS_MAP, IOMMU_HW_CAP, IOMMU_HW_INFO_FLAG, IommuViommuType,
  IommuHwptInvalidateDataType, IOMMU_SELFTEST, PAGE_SIZE, ULONG_MAX, type IommufdObjectType,
} from './uapi.js';
export { IOMMUFD_COMMANDS, checkIoctl, type IommufdCommand, type IommufdCommandName, type IommufdArgs } from './iommufd/commands.js';
export type { IommufdEnv } from './iommufd/env.js';
export { UserMm } from './iommufd/user-mm.js';
export { IoPagetable, type IovaRange, type IoptArea, type IoptReserved } from './iommufd/io-pagetable.js';
export {
  IommufdObject, IommufdIoas, IommufdHwpt, IommufdHwptPaging, IommufdHwptNested, IommufdDevice, IommufdAccess,
  IommufdFault, IommufdViommu, IommufdVdevice, type IommufdGroup,
} from './iommufd/objects.js';
export {
  IommufdCtx, type DestroyArgs, type IoasAllocArgs, type IoasMapArgs, type IoasUnmapArgs, type IoasCopyArgs,
  type IoasIovaRangesArgs, type IoasAllowIovasArgs, type HwptAllocArgs, type HwInfoArgs, type HwptInvalidateArgs,
  type ViommuAllocArgs, type VdeviceAllocArgs, type FaultQueueAllocArgs,
} from './iommufd/ctx.js';
export { DEFAULT_VFIO_CONFIG, type VfioConfig } from './vfio/config.js';
export { VfioDevice } from './vfio/device.js';
export { VfioGroup, type VfioGroupType } from './vfio/group.js';
export { Type1Iommu, type Type1Domain, type VfioDma } from './vfio/type1.js';
export { VfioContainer, type VfioBackend } from './vfio/container.js';
export { VfioCore } from './vfio/core.js';
export {
  VfioProcess, GroupFile, ContainerFile, IommufdFile, DeviceFile, type VfioFile, type VfioProcessOptions,
  type BindIommufdArgs, type AttachPtArgs, type PasidTableBindOut,
} from './vfio/process.js';
export { vfioModule, vfioCore } from './module.js';
export { MockIommu, MockDomain, MOCK, MOCK_FLAGS_DEVICE, type MockFault, type MockDeviceOptions, type MockIommuOptions } from './mock/mock-iommu.js';
export {
  PasidTablePolicy, RfcPasidTablePolicy, PasidTableModel, hostPasidTable, type PasidTableInfo, type PasidTableBinding,
} from './pasid-table.js';
export { KvmVfioDevice, type KvmVfioState, type NoSnoopProbe } from './kvm/kvm-vfio.js';
export {
  VfioSteps, VFIO_STEP_KINDS, StepError, type StepArgs, type StepEnv, type StepKind, type StepRecord,
} from './steps.js';
