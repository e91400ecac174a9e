import type { Device, Kernel } from '@kdsim/core';
import { iortMsiMapId, MachineFirmware, ofAddressToResource, ofMapId, type OfNode } from '@kdsim/firmware';
import { DmaEndpoints, type DmaEndpoint } from './endpoints.js';

// irq-gic-v3-its-msi.c / irq-gic-v3-its.c: the ITS's MSI domains carry IRQ_DOMAIN_FLAG_ISOLATED_MSI
// (IRQ_DOMAIN_FLAG_MSI_REMAP before v6.3): it translates by DeviceID, so a device cannot write
// another's interrupts. A GICv2m frame has no such flag, and kdsim models no x86 interrupt remapping.
const ITS_COMPATIBLE = 'arm,gic-v3-its';
const V2M_COMPATIBLE = 'arm,gic-v2m-frame';

const isIts = (np: OfNode | null): boolean => np !== null && np.isAvailable() && (np.readStringArray('compatible') ?? []).includes(ITS_COMPATIBLE);

/** An MSI controller of a GIC machine, by its register frame. */
export interface MsiController {
  /** `its`: a GICv3 ITS; `v2m`: a GICv2m frame. */
  readonly kind: 'its' | 'v2m';
  /** First address of its frame. */
  readonly base: bigint;
  /** Size of its frame (an ITS has two 64 KiB pages, control and translater; a GICv2m frame one 4 KiB page). */
  readonly size: bigint;
  /** An ITS's translation ID, which IORT ITS groups name (ACPI only). */
  readonly itsId?: number;
}

/**
 * The machine's MSI controllers: the available ITS and GICv2m frame nodes of its device
 * tree, or the ITS and MSI frame entries of its MADT (with the architectural frame sizes).
 */
export function msiControllers(fw: MachineFirmware): readonly MsiController[] {
  const out: MsiController[] = [];
  if (fw.of !== null) {
    for (const n of fw.of.allNodes()) {
      const compatible = n.readStringArray('compatible') ?? [];
      const kind = compatible.includes(ITS_COMPATIBLE) ? 'its' : compatible.includes(V2M_COMPATIBLE) ? 'v2m' : null;
      const frame = kind !== null && n.isAvailable() ? ofAddressToResource(n) : undefined;
      if (kind !== null && frame !== undefined) out.push({ kind, base: frame.start, size: frame.size });
    }
  }
  for (const its of fw.acpi?.madt?.gicIts ?? []) out.push({ kind: 'its', base: its.base, size: 0x20000n, itsId: its.id });
  for (const frame of fw.acpi?.madt?.gicMsiFrames ?? []) out.push({ kind: 'v2m', base: frame.base, size: 0x1000n });
  return out;
}

// The MSI controller a DT-described device's MSIs go to: the first `msi-map` (translating the
// device's requester ID) or `msi-parent` on its node or an ancestor (of_msi_map_get_device_domain(),
// then of_msi_get_domain() as pci_host_bridge_of_msi_domain() walks up from the host bridge).
function ofMsiController(np: OfNode, rid: number): OfNode | null {
  for (let n: OfNode | null = np; n !== null; n = n.parent) {
    if (n.hasProperty('msi-map')) {
      const r = ofMapId(n, rid, 'msi-map', 'msi-map-mask');
      if (r.errno === 0 && r.target !== null) return r.target;
    }
    const parent = n.readU32('msi-parent');
    if (parent !== undefined) return n.resolveReference(parent);
  }
  return null;
}

// The requester ID the MSI translation starts from (pci_msi_domain_get_msi_rid(): the last DMA alias).
function msiRid(ep: DmaEndpoint): number {
  const aliases = ep.dmaAliases ?? [];
  return aliases.length > 0 ? aliases[aliases.length - 1]!.rid : 0;
}

/**
 * msi.c: msi_device_has_isolated_msi() — can `dev`'s MSIs be isolated from other devices'
 * (the answer `iommu_group_has_isolated_msi()` combines for VFIO and iommufd)? From v6.3
 * (b062007c63eb) it asks the device's own MSI domain: a GICv3 ITS, found through `msi-map` /
 * `msi-parent` in the device tree, or on ACPI through the IORT's ID mappings to an ITS group
 * naming an ITS of the MADT, isolates; a GICv2m frame does not, nor does x86 without interrupt
 * remapping (which kdsim does not model). Before v6.3 VFIO asked irq_domain_check_msi_remap():
 * whether any ITS exists in the machine (the IOMMU_CAP_INTR_REMAP half of that test is Intel's
 * and AMD's only).
 */
export function msiDeviceHasIsolatedMsi(k: Kernel, dev: Device): boolean {
  if (!k.container.isBound(MachineFirmware)) return false;
  const fw = k.container.get(MachineFirmware);
  if (!k.profile.atLeast(6, 3)) return msiControllers(fw).some((c) => c.kind === 'its');
  const ep = k.container.get(DmaEndpoints).describe(dev);
  if (ep === null) return false;
  if (ep.ofNode !== null) return isIts(ofMsiController(ep.ofNode, msiRid(ep)));
  // ACPI: the ITS group the IORT maps the device to names ITSes by their MADT translation IDs;
  // its_acpi_probe() made an MSI domain only for the ITSes the MADT lists (none on a GICv2 machine,
  // whose IORT QEMU still gives an ITS group).
  const iort = fw.acpi?.iort ?? null;
  if (ep.acpi === null || iort === null) return false;
  const group = iortMsiMapId(iort, ep.acpi.endpoint, msiRid(ep)).its;
  return group?.kind === 'itsGroup' && msiControllers(fw).some((c) => c.itsId !== undefined && group.identifiers.includes(c.itsId));
}
