import { DmaConfigure, Errno, LogLevel, type Device, type Fwnode, type Kernel, type LogLevelValue } from '@kdsim/core';
import {
  acpiDmaConfigureId, ofDmaIsCoherent, ofIommuConfigure, MachineFirmware,
  type AcpiEndpoint, type AcpiIommuEnv, type ViotInitResult, type AcpiIommuTables, type IortInitResult, type OfIommuEnv, type OfNode,
} from '@kdsim/firmware';
import type { IommuCore } from './core.js';
import type { DmaEndpoint, DmaEndpoints } from './endpoints.js';
import { IOMMU_FWSPEC } from './types.js';

const EPROBE_DEFER = -Errno.EPROBE_DEFER;
const ACPI_LEVELS = { err: LogLevel.ERR, warn: LogLevel.WARNING, info: LogLevel.INFO } as const satisfies Record<string, LogLevelValue>;

/**
 * What the ACPI IOMMU glue learnt at boot: acpi_iort_init()'s fwnodes for
 * SMMU nodes (set by the IORT driver package) and acpi_viot_init()'s parse
 * of the VIOT (set by acpiViotModule (@kdsim/driver-viot); a machine firmware that
 * carries a parsed VIOT is used when this is null).
 */
export class AcpiIommuState {
  /** The result of acpi_iort_init(), once it ran. */
  iortInit: IortInitResult | null = null;
  /** The result of acpi_viot_init(), once it ran. */
  viotInit: ViotInitResult | null = null;
}

type AcpiDev = AcpiEndpoint & { readonly dev: Device };

/**
 * The IOMMU side of bus->dma_configure(): of_dma_configure_id() or
 * acpi_dma_configure_id() with the real registry behind them, then
 * iommu_device_use_default_domain() for drivers that do not manage DMA
 * themselves (platform_dma_configure(), pci_dma_configure()).
 */
export class IommuDmaConfigure extends DmaConfigure {
  /** Binds the glue to kernel `k`'s IOMMU core. */
  constructor(
    readonly k: Kernel,
    readonly core: IommuCore,
    readonly endpoints: DmaEndpoints,
    readonly acpiState: AcpiIommuState,
  ) {
    super();
  }

  configure(dev: Device): number {
    const ep = this.endpoints.describe(dev);
    let ret = 0;
    if (ep !== null && ep.ofNode !== null) ret = this.ofDmaConfigure(dev, ep, ep.ofNode);
    else if (ep !== null && ep.acpi !== null) ret = this.acpiDmaConfigure(dev, ep);
    if (ret !== 0) return ret;
    if (dev.driver?.spec.driverManagedDma !== true) ret = this.core.deviceUseDefaultDomain(dev);
    return ret;
  }

  cleanup(dev: Device): void {
    if (dev.driver?.spec.driverManagedDma !== true) this.core.deviceUnuseDefaultDomain(dev);
  }

  #firmware(): MachineFirmware | null {
    return this.k.container.isBound(MachineFirmware) ? this.k.container.get(MachineFirmware) : null;
  }

  /**
   * of/device.c: of_dma_configure_id() — coherency from `dma-coherent` /
   * `dma-noncoherent` (arch default otherwise), the IOMMU lookup; only
   * -EPROBE_DEFER propagates, every other IOMMU error means "no IOMMU".
   */
  ofDmaConfigure(dev: Device, ep: DmaEndpoint, np: OfNode): number {
    const coherent = ofDmaIsCoherent(np, this.k.config.arch === 'x86_64');
    if (this.k.dyndbg.enabled('drivers/of/device.c')) this.k.devDbg(dev, 'drivers/of/device.c', `device is${coherent ? ' ' : ' not '}dma coherent`);
    const err = this.ofIommuConfigure(dev, ep, np);
    if (err === EPROBE_DEFER) return err;
    if (this.k.dyndbg.enabled('drivers/of/device.c')) this.k.devDbg(dev, 'drivers/of/device.c', `device is${err === 0 ? ' ' : ' not '}behind an iommu`);
    dev.dmaCoherent = coherent; // arch_setup_dma_ops()
    return 0;
  }

  /** of_iommu.c: of_iommu_configure() — fwspec from `iommus` / `iommu-map`, then the iommu_probe_device() replay. */
  ofIommuConfigure(dev: Device, ep: DmaEndpoint, np: OfNode): number {
    if (this.core.fwspec(dev) !== null) return 0;
    const hadState = this.core.devIommu(dev) !== undefined;
    if (ep.kind === 'pci') ep.requestAcs?.();
    const env: OfIommuEnv = {
      lookup: (node) => {
        const inst = this.core.fromFwnode(node);
        if (inst === null || inst.ops === null) return null;
        const ops = inst.ops;
        const ofXlate = ops.ofXlate;
        return {
          ops: ops.name,
          ready: this.core.instanceReady(inst),
          ofXlate: ofXlate === null ? null : (args, iommu) => ofXlate(dev, args, iommu),
        };
      },
      checkState: () => this.core.policy.missingIommu(dev, 'of'),
    };
    const res = ofIommuConfigure({
      node: np,
      ...(ep.kind === 'pci' ? { pciRids: (ep.dmaAliases ?? []).map((a) => a.rid) } : {}),
      ...(ep.inputId !== undefined ? { inputId: ep.inputId } : {}),
      hasIommuState: hadState,
    }, env);
    let err = res.errno;
    if (err === 0 && res.iommu !== null) {
      err = this.core.fwspecInit(dev, res.iommu, 'of');
      if (err === 0) {
        this.core.fwspecAddIds(dev, res.ids);
        if (res.flags.ats) this.core.fwspec(dev)!.flags |= IOMMU_FWSPEC.PCI_RC_ATS;
      }
    }
    if (err !== 0 && !hadState) this.core.fwspecFree(dev);
    if (err === 0) err = this.core.probeDevice(dev);
    if (err !== 0 && err !== EPROBE_DEFER) this.k.devDbgIf(dev, 'drivers/iommu/of_iommu.c', `Adding to IOMMU failed: ${err}`);
    return err;
  }

  /**
   * scan.c: acpi_dma_configure_id() with acpi_iommu_configure_id(): IORT,
   * then VIOT; -EPROBE_DEFER propagates, other failures are logged at debug
   * level and swallowed; `_CCA` decides coherency.
   */
  acpiDmaConfigure(dev: Device, ep: DmaEndpoint): number {
    const acpi = ep.acpi!;
    const fw = this.#firmware();
    const iortInit = this.acpiState.iortInit;
    const tables: AcpiIommuTables = { iort: iortInit !== null ? fw?.acpi?.iort ?? null : null, viot: this.acpiState.viotInit ?? fw?.acpi?.viot ?? null };
    const d: AcpiDev = { ...acpi.endpoint, dev };
    const wrap = (owner: Device, rid: number): AcpiDev =>
      owner === dev ? d : { kind: 'pci', segment: acpi.endpoint.kind === 'pci' ? acpi.endpoint.segment : 0, rid, fwnode: owner.fwnode, dev: owner };
    const core = this.core;
    const policy = core.policy;
    const env: AcpiIommuEnv<AcpiDev> = {
      fwspecInit: (x: AcpiDev, fwnode: Fwnode) => core.fwspecInit(x.dev, fwnode, 'acpi'),
      fwspecAddId: (x: AcpiDev, id: number) => {
        core.fwspecAddIds(x.dev, [id]);
      },
      hasFwspec: (x: AcpiDev) => core.fwspec(x.dev) !== null,
      forEachDmaAlias: (_x: AcpiDev, fn: (owner: AcpiDev, rid: number) => number) => {
        let r = 0;
        for (const a of ep.dmaAliases ?? [{ owner: dev, rid: acpi.endpoint.kind === 'pci' ? acpi.endpoint.rid : 0 }]) {
          r = fn(wrap(a.owner, a.rid), a.rid);
          if (r !== 0) return r;
        }
        return r;
      },
      fwnodeFor: (node) => iortInit?.fwnodeFor(node) ?? null,
      driverBuilt: (node) => policy.driverBuilt(node.kind === 'smmuV3' ? 'arm-smmu-v3' : 'arm-smmu'),
      virtioIommuBuilt: () => policy.driverBuilt('virtio-iommu'),
      fwnodeOf: (x: AcpiDev) => x.dev.fwnode,
    };
    const res = acpiDmaConfigureId(acpi.attr, tables, d, env, {
      viot: { aliasOwnerBug: !this.k.profile.atLeast(6, 3) },
      iort: { canwbs: this.k.profile.atLeast(6, 13) },
    });
    // The FW_BUG and walk lines iort.c / viot.c print while resolving the endpoint.
    for (const w of res.iommu?.warnings ?? []) if (w.source === 'linux') this.k.printk(ACPI_LEVELS[w.level], w.message);
    if (res.ret === EPROBE_DEFER) return EPROBE_DEFER;
    const r = res.iommu;
    if (r !== null) {
      let err = r.errno;
      const fwspec = core.fwspec(dev);
      if (err === 0 && fwspec !== null) {
        if (r.flags.ats) fwspec.flags |= IOMMU_FWSPEC.PCI_RC_ATS;
        if (r.flags.canwbs) fwspec.flags |= IOMMU_FWSPEC.PCI_RC_CANWBS;
      }
      if (err === 0) err = core.probeDevice(dev);
      if (err === EPROBE_DEFER) return err;
      if (err !== 0) this.k.devDbgIf(dev, 'drivers/acpi/scan.c', `Adding to IOMMU failed: ${err}`);
    }
    if (res.coherent !== null) dev.dmaCoherent = res.coherent;
    return 0;
  }
}
