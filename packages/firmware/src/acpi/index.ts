/**
 * ACPI tables: the common header and checksum, binary and acpidump input,
 * the IORT, VIOT and MADT decoders, Linux's IORT/VIOT initialisation and endpoint
 * configuration as pure functions, fwnodes for IORT/VIOT/namespace nodes,
 * iasl-layout printers, and the derived IOMMU topology.
 * @module
 */
export { ACPI_HEADER_SIZE, acpiChecksumSum, decodeAcpiTableHeader, readAcpiTable, splitAcpiTables, withChecksum, printableSig, type AcpiTable, type AcpiTableHeader } from './table.js';
export { parseAcpidump, renderAcpidump } from './acpidump.js';
export { loadAcpiTables, readAcpiInput, looksLikeAcpidump, type AcpiInput } from './load.js';
export { FW_BUG, ptr, type AcpiWarning } from './warnings.js';
export * from './iort-types.js';
export { Iort, decodeIort, iortWalkWarnings, toPlain, type IortWalk, type IortWalkEnd } from './iort.js';
export { Madt, decodeMadt, MADT_HEADER_SIZE, MADT_TYPE, type MadtGicIts, type MadtGicMsiFrame, type MadtSubtable } from './madt.js';
export { acpiIortInit, type IortInitEnv, type IortInitResult, type IortPlatformDevice } from './iort-init.js';
export {
  iortIdMap, iortGetIdMappingIndex, iortNodeMapId, iortNodeGetId, iortNodeMapPlatformId,
  type IortIdMapResult, type IortMapped, type IortOptions,
} from './iort-map.js';
export { iortIommuConfigure, iortMsiMapId, iortScanNode, iortFindRootComplex, iortFindNamedComponent, type IortEnv } from './iort-configure.js';
export { iortRmrRegions, type IortRmrRegion, type IortRmrDevice, type IortRmrOptions } from './iort-rmr.js';
export { acpiDmaAttr, iortSmmuCoherent, iortDmaGetRange, type AcpiDmaAttr, type IortDmaRange } from './iort-dma.js';
export {
  outcomeOf, ownRidOnly, type IommuOutcome, type AcpiEndpoint, type AcpiPciEndpoint, type AcpiPlatformEndpoint,
  type IommuCoreEnv, type FwspecFlags, type AcpiIommuResult,
} from './outcome.js';
export {
  Viot, decodeViot, VIOT_NODE, VIOT_HEADER_SIZE, VIOT_NODE_HEADER_SIZE, VIOT_ENDPOINT_NODE_SIZE, VIOT_IOMMU_NODE_SIZE,
  type ViotNode, type ViotNodeCommon, type ViotPciRangeNode, type ViotMmioNode, type ViotVirtioPciNode, type ViotVirtioMmioNode, type ViotUnknownNode,
} from './viot.js';
export {
  acpiViotInit, type ViotInitEnv, type ViotInitResult, type ViotIommu, type ViotPciRange, type ViotMmioEndpoint, type ViotPciFunction,
} from './viot-init.js';
export { viotIommuConfigure, type ViotEnv, type ViotOptions } from './viot-configure.js';
export {
  acpiIommuConfigureId, acpiDmaConfigureId, type AcpiIommuTables, type AcpiIommuEnv, type AcpiIommuOptions, type AcpiDmaConfigureResult,
} from './acpi-configure.js';
export { IortFwnode, ViotFwnode, AcpiDeviceFwnode, acpiFullPathname } from './fwnodes.js';
export { IaslWriter, iaslBanner, iaslAcpiHeader, iaslRawData, type IaslStyle } from './print.js';
export { printIort } from './print-iort.js';
export { printViot } from './print-viot.js';
export {
  acpiIommuTopology, type AcpiIommuTopology, type AcpiTopologyTables, type IortTopologyNode, type TopologyMapping,
  type TopologyRange, type TopologyIommu, type TopologyNamedComponent, type TopologyDevice,
} from './topology.js';
export { formatPciName, parsePciName, formatPciRange } from './pci-names.js';
export { acpiFuzzTargets } from './fuzz-targets.js';
