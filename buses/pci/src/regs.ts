/**
 * PCI constants kdsim needs (include/uapi/linux/pci_regs.h,
 * include/linux/pci.h, include/linux/mod_devicetable.h).
 */

/** mod_devicetable.h: PCI_ANY_ID, the wildcard of a pci_device_id field. */
export const PCI_ANY_ID = 0xffffffff;

/** pci_regs.h: PCI_HEADER_TYPE_* (the layout of a function's config header). */
export const PCI_HEADER_TYPE = { NORMAL: 0, BRIDGE: 1, CARDBUS: 2 } as const;

/** pci_regs.h: PCI_EXP_TYPE_* (the PCIe capability's device/port type). */
export const PCI_EXP_TYPE = {
  ENDPOINT: 0x0,
  LEG_END: 0x1,
  ROOT_PORT: 0x4,
  UPSTREAM: 0x5,
  DOWNSTREAM: 0x6,
  PCI_BRIDGE: 0x7,
  PCIE_BRIDGE: 0x8,
  RC_END: 0x9,
  RC_EC: 0xa,
} as const;

/** A PCIe device/port type value. */
export type PciExpType = (typeof PCI_EXP_TYPE)[keyof typeof PCI_EXP_TYPE];

/** pci_regs.h: PCI_ACS_* capability/control bits. */
export const PCI_ACS = {
  SV: 0x0001,
  TB: 0x0002,
  RR: 0x0004,
  CR: 0x0008,
  UF: 0x0010,
  EC: 0x0020,
  DT: 0x0040,
} as const;

/** An ACS flag name (`SV`, `RR`, ...). */
export type PciAcsFlagName = keyof typeof PCI_ACS;

/** iommu.c: REQ_ACS_FLAGS, what pci_device_group() needs on a path to isolate. */
export const REQ_ACS_FLAGS = PCI_ACS.SV | PCI_ACS.RR | PCI_ACS.CR | PCI_ACS.UF;

/** pci_ids.h: PCI_CLASS_BRIDGE_PCI (class >> 8 of a PCI-to-PCI bridge). */
export const PCI_CLASS_BRIDGE_PCI = 0x0604;

/** PCI_DEVFN(slot, func) */
export function PCI_DEVFN(slot: number, func: number): number {
  return ((slot & 0x1f) << 3) | (func & 0x07);
}

/** PCI_SLOT(devfn) */
export function PCI_SLOT(devfn: number): number {
  return (devfn >> 3) & 0x1f;
}

/** PCI_FUNC(devfn) */
export function PCI_FUNC(devfn: number): number {
  return devfn & 0x07;
}

/** PCI_DEVID(bus, devfn): a requester ID. */
export function PCI_DEVID(bus: number, devfn: number): number {
  return ((bus & 0xff) << 8) | (devfn & 0xff);
}

// probe.c: pci_type_str(), indexed by PCIe type
const PCIE_TYPE_STR = [
  'PCIe Endpoint', 'PCIe Legacy Endpoint', 'PCIe unknown', 'PCIe unknown', 'PCIe Root Port',
  'PCIe Switch Upstream Port', 'PCIe Switch Downstream Port', 'PCIe to PCI/PCI-X bridge',
  'PCI/PCI-X to PCIe bridge', 'PCIe Root Complex Integrated Endpoint', 'PCIe Root Complex Event Collector',
];

/** probe.c: pci_type_str() — how the enumeration line names a function's kind. */
export function pciTypeStr(pcieType: PciExpType | null, hdrType: number): string {
  if (pcieType !== null) return PCIE_TYPE_STR[pcieType] ?? 'PCIe unknown';
  switch (hdrType) {
    case PCI_HEADER_TYPE.NORMAL: return 'conventional PCI endpoint';
    case PCI_HEADER_TYPE.BRIDGE: return 'conventional PCI bridge';
    case PCI_HEADER_TYPE.CARDBUS: return 'CardBus bridge';
    default: return 'conventional PCI';
  }
}
