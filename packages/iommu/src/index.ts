/**
 * @packageDocumentation
 * The IOMMU core (drivers/iommu/iommu.c, of_iommu.c and the ACPI glue):
 * the driver contract ({@link IommuOps}, {@link IommuDomain}), the instance
 * registry by fwnode and per-device fwspecs, the dma_configure binding,
 * groups, default domains, capabilities and DMA ownership.
 */
export {
  IommuCap, IOMMU_CAPS, iommuCapExists, IOMMU_DOMAIN_BIT, IommuDomainType, isDmaDomainType, domainTypeStr, groupTypeName,
  IOMMU_PROT, IOMMU_HWPT_ALLOC, IommuHwInfoType, IommuHwptDataType, IOMMU_FWSPEC,
  type IommuUserData, type IommuHwInfo, type IommuResvType, type IommuResvRegion, type IommuDomainGeometry,
} from './types.js';
export type { IommuOps } from './ops.js';
export type { IommuViommu } from './viommu.js';
export { IommuDomain, type IommuDomainInit, type IommuMapping } from './domain.js';
export { IommuGroup } from './group.js';
export { pciDeviceGroup, type PciTopologyView } from './pci-group.js';
export { IommuDevice, IommuFwspec, DevIommu } from './registry.js';
export {
  IommuPolicy, DefaultIommuPolicy, DEFAULT_IOMMU_CONFIG,
  type IommuConfig, type IommuDriverKind, type IommuFirmwarePath, type DefaultDomainChoice,
} from './policy.js';
export { IommuCore, type IommuGroupView } from './core.js';
export { DmaEndpoints, type DmaEndpoint, type DmaAlias, type DmaEndpointDescriber } from './endpoints.js';
export { IommuDmaConfigure, AcpiIommuState } from './dma-configure.js';
export { iommuCoreModule, iommuCore } from './module.js';
export { msiDeviceHasIsolatedMsi, msiControllers, type MsiController } from './msi.js';
export { DmaSimpleBus } from './dma-bus.js';
export { pciDmaEndpoints, platformDmaEndpoints, busPciView } from './bus-glue.js';
