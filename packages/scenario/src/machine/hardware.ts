import type { KernelModule } from '@kdsim/core';
import { PciError, PciTopology, acpiPciRootModule, pciBusModule, qemuIommuRequesterIds, type PciDeviceEntry, type PciHostEntry } from '@kdsim/bus-pci';
import { AcpiCompanion, acpiPlatformModule, ambaBusModule, platformBusModule } from '@kdsim/bus-platform';
import { VirtioHardware, virtioBusModule, type VirtioPciModel } from '@kdsim/bus-virtio';
import { PCI_HOST_GENERIC_COMPATIBLES, endpointModules } from '@kdsim/driver-endpoints';
import {
  QEMU_X86_VIOMMU_RESERVED_REGIONS, VIRTIO_ID_IOMMU, qemuArmVirtViommuReservedRegions, qemuVirtioIommuPciModel,
} from '@kdsim/driver-virtio-iommu';
import { cached, type Fwnode } from '@kdsim/core';
import { AcpiDeviceFwnode, decodeViot, FirmwareError } from '@kdsim/firmware';
import { iommuCoreModule, msiControllers, type IommuConfig } from '@kdsim/iommu';
import { AcpiViotTable, acpiViotModule } from '@kdsim/driver-viot';
import { iortModule } from '@kdsim/driver-iort';
import type { PciDoc } from '../document.js';
import type { BuildContext, MachineStep } from '../registry.js';
import type { Scenario } from '../scenario.js';

/** Buses the bus packages register themselves on a hardware machine. */
export const HARDWARE_BUSES: ReadonlySet<string> = new Set(['platform', 'amba', 'pci', 'pci_express', 'virtio']);

/** The virtio device type of a virtio-pci function entry (modern 0x1040+type, transitional from the subsystem), or null. */
function virtioType(e: PciDoc): number | null {
  const [vendor, device] = e.id.split(':').map((x) => parseInt(x, 16));
  if (vendor !== 0x1af4 || device === undefined || device < 0x1000 || device > 0x107f) return null;
  if (device >= 0x1040) return device - 0x1040;
  const sub = typeof e['subsystem'] === 'string' ? parseInt(e['subsystem'].split(':')[1] ?? '', 16) : NaN;
  return Number.isNaN(sub) ? null : sub;
}

/**
 * The IOMMU core's build configuration for `arch`, as Debian 6.12 has it:
 * amd64 CONFIG_IOMMU_DEFAULT_DMA_LAZY with virtio-iommu the only modelled
 * driver; arm64 CONFIG_IOMMU_DEFAULT_DMA_STRICT with the SMMUs as well.
 */
export function debianIommuConfig(arch: string): Partial<IommuConfig> {
  return arch === 'x86_64'
    ? { defaultDomain: 'lazy', drivers: ['virtio-iommu'] }
    : { defaultDomain: 'strict', drivers: ['arm-smmu', 'arm-smmu-v3', 'virtio-iommu'] };
}

function dtHostNode(ctx: BuildContext): Fwnode | null {
  const of = ctx.firmware.of;
  if (of === null) return null;
  const path = ctx.scenario.doc.machine?.pciHost?.node;
  if (path !== undefined) return of.findNodeByPath(path) ?? null;
  for (const n of of.allNodes()) {
    if (!n.isAvailable()) continue;
    if ((n.readStringArray('compatible') ?? []).some((c) => PCI_HOST_GENERIC_COMPATIBLES.includes(c))) return n;
  }
  return null;
}

/**
 * The host bridge of `machine.pci` as a validated {@link PciTopology}; a bad
 * entry is a ScenarioError at `/machine/pci/<i>`. `fwnode` is the host's
 * DT node or ACPI companion (null when checking at load time).
 */
export function pciTopology(scenario: Pick<Scenario, 'doc' | 'source'>, fwnode: Fwnode | null): PciTopology | null {
  const { doc, source } = scenario;
  const list = doc.machine?.pci ?? [];
  if (list.length === 0) return null;
  const native = doc.machine?.pciHost?.native;
  const host: PciHostEntry = { fwnode, devices: list as unknown as readonly PciDeviceEntry[], ...(native !== undefined ? { native } : {}) };
  try {
    return new PciTopology([host]);
  } catch (e) {
    if (!(e instanceof PciError)) throw e;
    const m = /^devices\[(\d+)\]/.exec(e.details.entry);
    throw source.error('schema', m !== null ? `/machine/pci/${m[1]}` : '/machine/pci', `bad PCI function: ${e.message}`);
  }
}

// On DT the host node is found in the tree unflattened once per scenario, so the validated
// topology is the same for every run: it is made once per scenario (and the scan of its
// host then is too, see pciScanSteps()). The ACPI companion is made per run, and so is its
// topology.
const DT_TOPOLOGIES = new WeakMap<Scenario, PciTopology | null>();
function dtPciTopology(ctx: BuildContext): PciTopology | null {
  return cached(DT_TOPOLOGIES, ctx.scenario, (s) => pciTopology(s, dtHostNode(ctx)));
}

// The ACPI host bridge's companion (PNP0A08 under \_SB_ with the scenario's _CCA: pci_dma_configure() reads it).
function acpiHostCompanion(ctx: BuildContext): Fwnode {
  const host = ctx.scenario.doc.machine?.pciHost;
  return new AcpiCompanion(host?.acpiPath ?? '\\_SB_.PCI0', 'PNP0A08', ['PNP0A03'], null, host?.cca ?? null, new AcpiDeviceFwnode('\\_SB_'));
}

/**
 * A machine on the modelled buses (any `machine.pci`, or a scenario naming
 * a real driver module): the platform, virtio and PCI bus cores; on DT the
 * AMBA bus and of_platform_populate(), on ACPI the VIOT glue, the root
 * bridge scan and the ACPI platform devices; the IOMMU core with Debian's
 * configuration for the architecture (IommuDmaConfigure as the
 * dma_configure seam). Binds the PCI topology, the virtio hardware (QEMU's
 * virtio-iommu behind a virtio-iommu-pci function) and the VIOT.
 */
export const hardwareStep: MachineStep = {
  name: 'hardware',
  keys: ['pci', 'pciHost'],
  build(ctx) {
    const s = ctx.scenario;
    if (!s.hardware) return;
    const dt = ctx.firmware.of !== null;
    const acpi = !dt && ctx.acpiTables.size > 0;
    const mods: KernelModule[] = [platformBusModule, virtioBusModule, pciBusModule];
    if (dt) mods.push(ambaBusModule, endpointModules.get('of_platform')!);
    // acpi_init(): acpi_iort_init() (CONFIG_ACPI_IORT, selected by arm64 ACPI) runs before the namespace scan adds the PCI roots.
    if (acpi && s.arch !== 'x86_64' && !s.builtinModules.includes('iort')) mods.push(iortModule());
    if (acpi) mods.push(acpiViotModule, acpiPciRootModule, acpiPlatformModule);
    mods.push(iommuCoreModule(debianIommuConfig(s.arch)));
    ctx.builtin.push(...mods);

    const topology = acpi ? pciTopology(s, acpiHostCompanion(ctx)) : dtPciTopology(ctx);
    const virtio: Record<string, VirtioPciModel> = {};
    for (const e of s.doc.machine?.pci ?? []) {
      if (virtioType(e) !== VIRTIO_ID_IOMMU) continue;
      const bdf = e.bdf.length === 7 ? `0000:${e.bdf}` : e.bdf;
      // QEMU's virtio-iommu knows the PCI functions by the requester IDs QEMU gives them, and
      // reports the machine's MSI doorbell (x86: the APIC range) as every endpoint's MSI region.
      virtio[bdf.toLowerCase()] = qemuVirtioIommuPciModel({
        ...(topology !== null ? { endpoints: qemuIommuRequesterIds(topology.hosts[0]!) } : {}),
        reservedRegions: s.arch === 'x86_64' ? QEMU_X86_VIOMMU_RESERVED_REGIONS : qemuArmVirtViommuReservedRegions(msiControllers(ctx.firmware)[0] ?? null),
      });
    }
    const viotTable = acpi ? ctx.acpiTables.get('VIOT')?.[0] : undefined;
    let viot = null;
    if (viotTable !== undefined) {
      try {
        viot = decodeViot(viotTable.bytes, viotTable.file);
      } catch (e) {
        if (!(e instanceof FirmwareError)) throw e;
        throw s.source.error('firmware', '/machine/acpi', `bad firmware: ${e.message}`);
      }
    }
    ctx.configure.push((c) => {
      if (topology !== null) c.bind(PciTopology).toConstantValue(topology);
      c.bind(VirtioHardware).toConstantValue(new VirtioHardware({ pci: virtio }));
      if (viot !== null) c.bind(AcpiViotTable).toConstantValue(new AcpiViotTable(viot));
    });
  },
};
