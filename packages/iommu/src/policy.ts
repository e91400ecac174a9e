import { Errno, type Device, type Kernel } from '@kdsim/core';
import { IommuDomainType, type IommuCap } from './types.js';

/** Which firmware path asks {@link IommuPolicy.missingIommu}. */
export type IommuFirmwarePath = 'of' | 'acpi';

/** IOMMU drivers whose Kconfig symbol the firmware glue checks (IS_ENABLED()). */
export type IommuDriverKind = 'arm-smmu' | 'arm-smmu-v3' | 'virtio-iommu';

/** Kernel configuration of the IOMMU core (include/linux/iommu.h Kconfig). */
export interface IommuConfig {
  /** CONFIG_IOMMU_DEFAULT_DMA_STRICT / _DMA_LAZY / _PASSTHROUGH. */
  readonly defaultDomain: 'strict' | 'lazy' | 'passthrough';
  /** CONFIG_IOMMU_DMA: the DMA API can use translated domains. */
  readonly iommuDma: boolean;
  /** IOMMU drivers built in or as modules (CONFIG_ARM_SMMU_V3, CONFIG_VIRTIO_IOMMU, ...). */
  readonly drivers: readonly IommuDriverKind[];
}

/** The Debian 6.12 arm64 configuration of the calibration machines (strict, every driver enabled). */
export const DEFAULT_IOMMU_CONFIG: IommuConfig = {
  defaultDomain: 'strict',
  iommuDma: true,
  drivers: ['arm-smmu', 'arm-smmu-v3', 'virtio-iommu'],
};

/** The global default domain as iommu_subsys_init() settles it. */
export interface DefaultDomainChoice {
  /** iommu_def_domain_type: IDENTITY, DMA or DMA_FQ. */
  readonly type: number;
  /** iommu_dma_strict. */
  readonly strict: boolean;
  /** IOMMU_CMD_LINE_DMA_API: the type came from `iommu.passthrough=`. */
  readonly typeFromCmdline: boolean;
  /** IOMMU_CMD_LINE_STRICT: strictness came from `iommu.strict=`. */
  readonly strictFromCmdline: boolean;
}

/**
 * The IOMMU decisions users rebind to prototype a change: the default
 * domain, a filter over drivers' capability answers, and what a firmware
 * path does when the IOMMU an endpoint names is not registered.
 */
export abstract class IommuPolicy {
  /** iommu_subsys_init(): the global default domain type and strictness. */
  abstract defaultDomain(): DefaultDomainChoice;
  /** device_iommu_capable() after the driver answered `driverAnswer`. */
  abstract capable(dev: Device, cap: IommuCap, driverAnswer: boolean): boolean;
  /**
   * What iommu_fwspec_init() (or, before v6.11, the firmware caller) returns
   * when no instance is registered for the IOMMU fwnode: -EPROBE_DEFER to wait,
   * or the errno that makes the endpoint carry on without an IOMMU.
   */
  abstract missingIommu(dev: Device, path: IommuFirmwarePath): number;
  /** IS_ENABLED(CONFIG_...) for an IOMMU driver the firmware glue looks for. */
  abstract driverBuilt(kind: IommuDriverKind): boolean;
  /** Buses whose devices the IOMMU core probes (iommu_buses[]). */
  abstract iommuBuses(): readonly string[];
  /** CONFIG_IOMMU_DMA: translated default domains are possible. */
  abstract iommuDma(): boolean;
}

/** The kernel's own rules for the kernel's profile and {@link IommuConfig}. */
export class DefaultIommuPolicy extends IommuPolicy {
  /** Creates the policy of kernel `k` built with `config`. */
  constructor(readonly k: Kernel, readonly config: IommuConfig = DEFAULT_IOMMU_CONFIG) {
    super();
  }

  defaultDomain(): DefaultDomainChoice {
    const cmd = this.k.cmdline;
    const typeFromCmdline = cmd.iommuPassthrough !== undefined;
    const passthrough = cmd.iommuPassthrough ?? this.config.defaultDomain === 'passthrough';
    const strictFromCmdline = cmd.iommuStrict !== undefined;
    // iommu_dma_strict = IS_ENABLED(CONFIG_IOMMU_DEFAULT_DMA_STRICT) unless iommu.strict= says otherwise
    const strict = cmd.iommuStrict ?? this.config.defaultDomain === 'strict';
    let type: number = passthrough ? IommuDomainType.IDENTITY : IommuDomainType.DMA;
    if (type === IommuDomainType.DMA && !strict) type = IommuDomainType.DMA_FQ;
    return { type, strict, typeFromCmdline, strictFromCmdline };
  }

  capable(_dev: Device, _cap: IommuCap, driverAnswer: boolean): boolean {
    return driverAnswer;
  }

  missingIommu(dev: Device, path: IommuFirmwarePath): number {
    // IORT and VIOT return a plain -EPROBE_DEFER for a built driver whose instance is missing,
    // so they never time out: "iommu: Resolve fwspec ops automatically" (v6.11) kept the
    // driver_deferred_probe_check_state() call in of_iommu_xlate() only (a real 6.12.117 on
    // q35 without virtio_iommu: "deferred probe pending: (reason unknown)" for ever). From
    // v6.15 ("iommu: Get DT/ACPI parsing into the proper probe path") iommu_fwspec_init()
    // answers with it for every firmware path.
    if (path === 'acpi' && !this.k.profile.atLeast(6, 15)) return -Errno.EPROBE_DEFER;
    return this.k.deferred.checkState(dev);
  }

  driverBuilt(kind: IommuDriverKind): boolean {
    return this.config.drivers.includes(kind);
  }

  iommuDma(): boolean {
    return this.config.iommuDma;
  }

  iommuBuses(): readonly string[] {
    return ['platform', 'pci', 'amba', 'fsl-mc', 'host1x_context', 'cdx'];
  }
}
