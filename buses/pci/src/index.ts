/**
 * @packageDocumentation
 * The PCI bus: functions and host bridges, the typed device-list input and
 * Linux's enumeration order, requester IDs and DMA aliases, ACS, and the PCI
 * driver model (id tables, driver_override, dynamic ids, pci_dma_configure()).
 */
export { PciError, type PciErrorKind, type PciErrorDetails } from './errors.js';
export {
  PCI_ANY_ID, PCI_HEADER_TYPE, PCI_EXP_TYPE, PCI_ACS, REQ_ACS_FLAGS, PCI_CLASS_BRIDGE_PCI,
  PCI_DEVFN, PCI_SLOT, PCI_FUNC, PCI_DEVID, pciTypeStr, type PciExpType, type PciAcsFlagName,
} from './regs.js';
export { PciDevice, PciHostBridge, PciBusNode, pciName, type PciDevicePlace } from './device.js';
export {
  PCIE_TYPE_NAMES, NO_PCI_CAPS, parsePciHost, pciScanOrder, pciScanSteps, type PciFunctionConfig,
  type PcieTypeName, type PciDeviceEntry, type PciCaps, type PciHostNative, type PciFunctionSpec, type PciHostEntry, type PciHostSpec, type PciScanStep,
} from './input.js';
export { pciIsRootBus, pciUpstreamBridge, pciRealDmaDev, pciForEachDmaAlias, pciDmaAliases, pciDevsAreDmaAliases, pciAddDmaAlias, type PciDmaAliasFn } from './search.js';
export { PciAcsState, pciEnableAcs, pciAcsFlagsEnabled, pciAcsEnabled, pciAcsPathEnabled } from './acs.js';
export {
  PciMatchTable, pciDriver, pciMatchOneDevice, pciMatchId, pciMatchDevice, PCI_DEVICE_ID_ANY,
  type PciDeviceId, type PciDriverSpec, type PciIds,
} from './driver.js';
export { PciBus } from './bus.js';
export { pciScanRootBus, pciBusAddDevices, pciHostProbe } from './scan.js';
export {
  PciTopology, pciBusOf, pciRequestAcs, pciBusModule, acpiPciRootModule, pciHostCommonProbe, pciGetDomainBusAndSlot,
} from './module.js';
export {
  PCIE_PORT_SERVICE, PCIE_PORT_DEVICE_MAXSERVICES, PCIE_ANY_PORT, PcieServiceDevice, PcieServiceMatchTable, PciExpressBus,
  pcieServiceName, pcieServiceDriver, pcieDeviceInit, type PcieServiceDriverSpec,
} from './port-bus.js';
export { pciGroupingView, type PciGroupingView } from './view.js';
export { pciNewId } from './new-id.js';
export { qemuRootPort, qemuPciDevices, qemuIommuRequesterIds, QEMU_Q35_OSC, type QemuCalibrationMachine } from './qemu.js';
