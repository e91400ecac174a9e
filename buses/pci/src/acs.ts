import type { PciDevice } from './device.js';
import { PCI_ACS, PCI_EXP_TYPE } from './regs.js';
import { pciIsRootBus } from './search.js';

/**
 * The kernel-wide ACS switch (pci.c: the static `pci_acs_enable`): off
 * until an IOMMU driver or firmware-table parser calls pci_request_acs().
 * It only affects functions added afterwards — pci_enable_acs() runs once,
 * from pci_device_add() — so on the OF path, where of_iommu_configure()
 * requests ACS at the first PCI probe, the functions enumerated before get
 * none. One per kernel (bound by the PCI bus module).
 */
export class PciAcsState {
  /** pci_acs_enable */
  enabled = false;

  /** pci.c: pci_request_acs() */
  request(): void {
    this.enabled = true;
  }
}

/**
 * pci.c: pci_enable_acs() / pci_std_enable_acs() at pci_acs_init() time: when
 * ACS was requested, turn on Source Validation, P2P Request and Completion
 * Redirect and Upstream Forwarding where the capability has them
 * (Translation Blocking only for untrusted/external devices or with ATS
 * disabled, which kdsim does not model).
 */
export function pciEnableAcs(dev: PciDevice, state: PciAcsState): void {
  if (!state.enabled || !dev.hasAcsCap) return;
  dev.acsCtrl |= dev.acsCap & (PCI_ACS.SV | PCI_ACS.RR | PCI_ACS.CR | PCI_ACS.UF);
}

/**
 * pci.c: pci_acs_flags_enabled() — every requested flag the capability
 * implements is enabled in control (flags it lacks count as hard-wired on,
 * except Egress Control); false without an ACS capability.
 */
export function pciAcsFlagsEnabled(dev: PciDevice, acsFlags: number): boolean {
  if (!dev.hasAcsCap) return false;
  const need = acsFlags & (dev.acsCap | PCI_ACS.EC);
  return (dev.acsCtrl & need) === need;
}

/**
 * pci.c: pci_acs_enabled() — whether `dev` provides the isolation in
 * `acsFlags`: never for conventional PCI, PCIe-to-PCI and PCI-to-PCIe
 * bridges or root complex event collectors; downstream and root ports by
 * their ACS capability; endpoints, upstream ports, legacy endpoints and RC
 * integrated endpoints by their ACS capability only when multifunction, else they
 * count as isolated (single-function devices cannot do peer-to-peer
 * among their own functions). Device-specific ACS quirks are not modelled.
 */
export function pciAcsEnabled(dev: PciDevice, acsFlags: number): boolean {
  if (dev.pcieType === null) return false;
  switch (dev.pcieType) {
    case PCI_EXP_TYPE.PCIE_BRIDGE:
    case PCI_EXP_TYPE.PCI_BRIDGE:
    case PCI_EXP_TYPE.RC_EC:
      return false;
    case PCI_EXP_TYPE.DOWNSTREAM:
    case PCI_EXP_TYPE.ROOT_PORT:
      return pciAcsFlagsEnabled(dev, acsFlags);
    case PCI_EXP_TYPE.ENDPOINT:
    case PCI_EXP_TYPE.UPSTREAM:
    case PCI_EXP_TYPE.LEG_END:
    case PCI_EXP_TYPE.RC_END:
      if (dev.multifunction) return pciAcsFlagsEnabled(dev, acsFlags);
      return true;
  }
}

/**
 * pci.c: pci_acs_path_enabled() — ACS `acsFlags` on every device from
 * `start` up to `end` (inclusive); with `end` null, up to and including the
 * device on the root bus.
 */
export function pciAcsPathEnabled(start: PciDevice, end: PciDevice | null, acsFlags: number): boolean {
  let parent: PciDevice | null = start;
  let pdev: PciDevice;
  do {
    pdev = parent!;
    if (!pciAcsEnabled(pdev, acsFlags)) return false;
    if (pciIsRootBus(pdev.pciBus)) return end === null;
    parent = pdev.pciBus.self;
  } while (pdev !== end);
  return true;
}
