import type { PciDeviceEntry, PciFunctionSpec, PciHostNative, PciHostSpec } from './input.js';
import { PCI_DEVID, PCI_EXP_TYPE } from './regs.js';

/**
 * QEMU's pcie-root-port (1b36:000c) as QEMU 7.2 builds it: ACS SV TB RR CR
 * UF DT (hw/pci/pcie.c: pcie_acs_init() for downstream ports), a hot-plug
 * slot, AER and a link reporting bandwidth notification; no DPC.
 * `configured: false` when no firmware enumerated PCI (arm64 virt with a
 * direct kernel boot).
 */
export function qemuRootPort(bdf: string, secondary: number, configured = true): PciDeviceEntry {
  return {
    bdf, id: '1b36:000c', subsystem: '1b36:0000', class: '0x060400', pcie: 'root-port',
    bridge: { secondary, configured }, acs: ['SV', 'TB', 'RR', 'CR', 'UF', 'DT'],
    caps: { hotplug: true, aer: true, linkBandwidthNotification: true },
  };
}

/** The calibration machines (truth/README.md). */
export type QemuCalibrationMachine = 'q35' | 'q35-viommu' | 'virt';

/**
 * The PCI functions of the calibration machines (QEMU 7.2, truth/README.md
 * and the enumeration lines of their dmesg): host bridge, optional
 * virtio-iommu-pci at 00:02.0, virtio-net-pci (transitional 1af4:1000) at
 * 00:03.0, virtio-rng-pci (1af4:1005) at 00:04.0, a root port at 00:05.0
 * with e1000e at 01:00.0; q35 adds ICH9 LPC, AHCI and SMBus at 00:1f.
 */
export function qemuPciDevices(machine: QemuCalibrationMachine): PciDeviceEntry[] {
  const q35 = machine !== 'virt';
  return [
    q35 ? { bdf: '00:00.0', id: '8086:29c0', subsystem: '1af4:1100', class: '0x060000' } : { bdf: '00:00.0', id: '1b36:0008', subsystem: '1af4:1100', class: '0x060000' },
    ...(machine === 'q35-viommu' ? [{ bdf: '00:02.0', id: '1af4:1057', subsystem: '1af4:1100', class: '0x00ff00' }] : []),
    { bdf: '00:03.0', id: '1af4:1000', subsystem: '1af4:0001', class: '0x020000' },
    { bdf: '00:04.0', id: '1af4:1005', subsystem: '1af4:0004', class: '0x00ff00' },
    // SeaBIOS programs the q35 bridge; on virt nothing does.
    qemuRootPort('00:05.0', 1, q35),
    ...(q35 ? [
      { bdf: '00:1f.0', id: '8086:2918', subsystem: '1af4:1100', class: '0x060100', multifunction: true },
      { bdf: '00:1f.2', id: '8086:2922', subsystem: '1af4:1100', class: '0x010601' },
      { bdf: '00:1f.3', id: '8086:2930', subsystem: '1af4:1100', class: '0x0c0500' },
    ] : []),
    { bdf: '01:00.0', id: '8086:10d3', subsystem: '8086:0000', class: '0x020000', pcie: 'endpoint' },
  ];
}

/**
 * What QEMU's firmware grants the OS on q35 through _OSC: SHPC hot-plug,
 * PME, AER, but not PCIe native hot-plug ("platform does not support
 * [PCIeHotplug LTR]" in the truth dmesg). DT hosts control everything.
 */
export const QEMU_Q35_OSC: PciHostNative = { hotplug: false, shpcHotplug: true, aer: true, pme: true };

/**
 * The requester IDs under which QEMU 7.2 gives `host`'s functions their IOMMU address space
 * (hw/pci/pci.c: pci_device_iommu_address_space()), one per function in input order: its own
 * RID, except below a conventional bus, which a PCIe-to-PCI bridge answers for as (its
 * secondary bus, 00.0) and any other bridge with its own RID. QEMU's vIOMMUs know only these
 * endpoints: virtio-iommu answers PROBE or ATTACH for any other ID with NOENT, so of a function
 * behind a pcie-pci-bridge Linux probes an ID QEMU does not know.
 */
export function qemuIommuRequesterIds(host: PciHostSpec): number[] {
  const bridgeOf = new Map<number, PciFunctionSpec>();
  for (const f of host.functions) if (f.bridge !== null) bridgeOf.set(f.bridge.secondary, f);
  // A bus is PCIe below a PCIe port (QEMU's root bus is PCIe too), conventional below a
  // PCIe-to-PCI bridge or a conventional bridge.
  const conventional = (bridge: PciFunctionSpec): boolean => bridge.pcieType === null || bridge.pcieType === PCI_EXP_TYPE.PCI_BRIDGE;
  return host.functions.map((f) => {
    let bus = f.busNr;
    let devfn = f.devfn;
    for (let b = bridgeOf.get(f.busNr), seen = 0; b !== undefined && seen < 256; b = bridgeOf.get(b.busNr), seen++) {
      if (!conventional(b)) continue;
      if (b.pcieType === PCI_EXP_TYPE.PCI_BRIDGE) {
        bus = b.bridge!.secondary;
        devfn = 0;
      } else {
        bus = b.busNr;
        devfn = b.devfn;
      }
    }
    return PCI_DEVID(bus, devfn);
  });
}
