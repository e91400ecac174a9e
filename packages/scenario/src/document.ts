import type { VIRTIO_F } from '@kdsim/bus-virtio';
import type { SmmuV3Hw } from '@kdsim/driver-arm-smmu-v3';

/**
 * The scenario document as the schema (`schema/scenario.schema.json`)
 * describes it, after validation.
 */

/** A property value of an inline software node. */
export type NodePropertyValue = true | number | string | readonly number[] | readonly string[] | NodeReference | readonly NodeReference[];

/** A reference to another inline node, with optional argument cells. */
export interface NodeReference {
  /** Path of the referenced node (`/soc/clk@1000`). */
  readonly ref: string;
  /** Argument cells. */
  readonly args?: readonly number[];
}

/** An inline software node. */
export interface NodeDoc {
  /** Node name with unit address. */
  readonly name: string;
  /** Properties. */
  readonly properties?: Readonly<Record<string, NodePropertyValue>>;
  /** software_node_register() was called (default true). */
  readonly registered?: boolean;
  /** Create a platform device for it (default: when it has `compatible`). */
  readonly device?: boolean;
  /** Child nodes. */
  readonly children?: readonly NodeDoc[];
}

/** An initcall level name. */
export type InitcallLevelName =
  | 'early' | 'pure' | 'core' | 'core_sync' | 'postcore' | 'postcore_sync' | 'arch' | 'arch_sync' | 'subsys' | 'subsys_sync'
  | 'fs' | 'fs_sync' | 'rootfs' | 'device' | 'device_sync' | 'late' | 'late_sync';

/** An inline device. */
export interface DeviceDoc {
  /** dev_name() */
  readonly name: string;
  /** Bus name (default platform). */
  readonly bus?: string;
  /** Fwnode path. */
  readonly node?: string;
  /** Parent device name. */
  readonly parent?: string;
  /** Initcall level that registers it (default arch_sync). */
  readonly initcall?: InitcallLevelName;
}

/** A PCI function of the machine (interpreted by the PCI bus step). */
export interface PciDoc {
  /** `[dddd:]bb:dd.f` */
  readonly bdf: string;
  /** `vendor:device` */
  readonly id: string;
  /** Further keys for the PCI step (class, bridge, ...). */
  readonly [key: string]: unknown;
}

/** The host bridge the `pci` functions sit behind. */
export interface PciHostDoc {
  /** DT host controller node path (default: the first `pci-host-ecam-generic` node). */
  readonly node?: string;
  /** ACPI companion path (default `\\_SB_.PCI0`). */
  readonly acpiPath?: string;
  /** The host bridge's _CCA (arm64 ACPI requires one; default none). */
  readonly cca?: 0 | 1;
  /** What _OSC granted the OS (default everything, as on DT). */
  readonly native?: { readonly hotplug?: boolean; readonly shpcHotplug?: boolean; readonly aer?: boolean; readonly pme?: boolean };
}

/** A virtio device behind a virtio-mmio window. */
export interface VirtioMmioDoc {
  /** The window's base address (the node's `reg`). */
  readonly base: number;
  /** DeviceID (1 net, 2 block, 3 console, 4 rng, 23 iommu, ...). */
  readonly deviceId: number;
  /** Offered feature bits by name. */
  readonly features?: readonly (keyof typeof VIRTIO_F)[];
}

/** The machine: firmware and devices. */
/** One root complex node edit of `machine.iort.rootComplex`. */
export interface IortRootComplexPatchDoc {
  /** Select the node by its PCI Segment Number. */
  readonly segment?: number;
  /** Select the node by its offset (`IORT@0x74`, `0x74` or the number). */
  readonly node?: number | string;
  /** Cache Coherency attribute (1 fully coherent). */
  readonly cca?: 0 | 1;
  /** Memory access flag CPM. */
  readonly cpm?: boolean;
  /** Memory access flag DACS. */
  readonly dacs?: boolean;
  /** Memory access flag CANWBS (IORT E.f). */
  readonly canwbs?: boolean;
  /** ATS Attribute bit 0. */
  readonly ats?: boolean;
}

/** Edits of the machine's IORT before boot. */
export interface IortPatchDoc {
  /** Root complex node edits, applied in order. */
  readonly rootComplex?: readonly IortRootComplexPatchDoc[];
}

export interface MachineDoc {
  /** Architecture. */
  readonly arch?: 'x86_64' | 'arm64' | 'arm' | 'riscv64';
  /** FDT blob path. */
  readonly dtb?: string;
  /** DTS path, or path with include directories and defines. */
  readonly dts?: string | { readonly file: string; readonly include?: readonly string[]; readonly defines?: Readonly<Record<string, string>> };
  /** Binary ACPI tables. */
  readonly acpi?: readonly string[];
  /** acpidump text file. */
  readonly acpidump?: string;
  /** PCI functions. */
  readonly pci?: readonly PciDoc[];
  /** The PCI host bridge of `pci`. */
  readonly pciHost?: PciHostDoc;
  /** Edits of the IORT the kernel sees. */
  readonly iort?: IortPatchDoc;
  /** The SMMUv3 implementation: ID register fields over QEMU 7.2's. */
  readonly smmuv3?: Partial<SmmuV3Hw>;
  /** Virtio devices behind virtio-mmio windows. */
  readonly virtioMmio?: readonly VirtioMmioDoc[];
  /** Inline software-node tree. */
  readonly nodes?: readonly NodeDoc[];
  /** Inline devices. */
  readonly devices?: readonly DeviceDoc[];
}

/** A child device an inline driver's probe registers. */
export interface DriverChildDoc {
  /** dev_name() */
  readonly name: string;
  /** Bus (default the driver's). */
  readonly bus?: string;
  /** Fwnode path. */
  readonly node?: string;
}

/** An inline test driver. */
export interface DriverDoc {
  /** Driver name. */
  readonly name: string;
  /** Module name (default the driver name with `-` as `_`). */
  readonly module?: string;
  /** Bus (default platform). */
  readonly bus?: string;
  /** Match table. */
  readonly compatible?: readonly string[];
  /** Level of its init when built in (default device). */
  readonly initcall?: InitcallLevelName;
  /** Suppliers the probe needs bound (fwnode paths or device names). */
  readonly needs?: readonly string[];
  /** Optional suppliers, answered by driver_deferred_probe_check_state(). */
  readonly optional?: readonly string[];
  /** Children the probe registers. */
  readonly children?: readonly DriverChildDoc[];
  /** Register the children after the needs are met. */
  readonly childrenAfterNeeds?: boolean;
  /** Probe result once the needs are met. */
  readonly result?: number | string;
  /** dev_err_probe() message for a non-zero result. */
  readonly reason?: string;
  /** platform_driver_probe() */
  readonly probeOnce?: boolean;
  /** PROBE_PREFER_ASYNCHRONOUS */
  readonly async?: boolean;
  /** Fwnodes its init marks initialized (providers without a device). */
  readonly providers?: readonly string[];
  /** Virtual time the probe takes. */
  readonly probeTime?: number | string;
}

/** The kernel: profile, command line, configuration, drivers and modules. */
export interface KernelDoc {
  /** Profile name. */
  readonly profile?: string;
  /** Command line. */
  readonly cmdline?: string;
  /** Build configuration. */
  readonly config?: { readonly CONFIG_MODULES?: boolean };
  /** Built-in driver names, in link order. */
  readonly builtin?: readonly string[];
  /** Available modules, or a load timeline. */
  readonly modules?: readonly string[] | string;
  /** Load timeline (kt.mods= syntax). */
  readonly timeline?: string;
  /** Inline test drivers. */
  readonly drivers?: readonly DriverDoc[];
}

/** One userspace step as written: one action key plus `id`, `at`, `after`. */
export interface StepDoc {
  /** Names the step's errno result. */
  readonly id?: string;
  /** Absolute virtual time to wait for first. */
  readonly at?: number | string;
  /** Event to wait for first. */
  readonly after?: { readonly bound?: string; readonly deferred?: string; readonly module?: string; readonly timeout?: true };
  /** The errno the step must return (0, `-22`, `EINVAL`). */
  readonly expect?: number | string;
  /** The action key and its argument. */
  readonly [action: string]: unknown;
}

/** A devlink expectation. */
export interface DevlinkExpectDoc {
  /** Supplier device. */
  readonly supplier: string;
  /** Consumer device. */
  readonly consumer: string;
  /** Must exist (default) or must not. */
  readonly present?: boolean;
  /** `status` word. */
  readonly status?: string;
  /** `sync_state_only` */
  readonly sync_state_only?: 0 | 1;
  /** `auto_remove_on` */
  readonly auto_remove_on?: string;
  /** `runtime_pm` */
  readonly runtime_pm?: 0 | 1;
}

/** What the run must show. */
export interface ExpectDoc {
  /** Device → driver (null: unbound). */
  readonly bound?: Readonly<Record<string, string | null>>;
  /** Exactly the deferred devices. */
  readonly deferred?: readonly (string | { readonly device: string; readonly reason?: string })[];
  /** IOMMU groups. */
  readonly groups?: readonly (readonly string[])[];
  /** Device links. */
  readonly devlinks?: readonly DevlinkExpectDoc[];
  /** Number of device links. */
  readonly devlinkCount?: number;
  /** klog lines. */
  readonly klog?: { readonly present?: readonly string[]; readonly absent?: readonly string[] };
  /** Step id → errno. */
  readonly errno?: Readonly<Record<string, number | string>>;
  /** Counters. */
  readonly counts?: {
    readonly probeAttempts?: Readonly<Record<string, number>>;
    readonly deferrals?: Readonly<Record<string, number>>;
    readonly livelocks?: number;
  };
  /** Relative bind order. */
  readonly bindOrder?: readonly string[];
  /** Driver → registered at the end. */
  readonly driversRegistered?: Readonly<Record<string, boolean>>;
  /** Step id → output field → expected value. */
  readonly outputs?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** A whole scenario document. */
export interface ScenarioDoc {
  /** Title. */
  readonly name: string;
  /** What it reproduces. */
  readonly description?: string;
  /** The machine. */
  readonly machine?: MachineDoc;
  /** The kernel. */
  readonly kernel?: KernelDoc;
  /** Policy overrides. */
  readonly policies?: Readonly<Record<string, string | number>>;
  /** Userspace steps. */
  readonly userspace?: readonly StepDoc[];
  /** Expectations. */
  readonly expect?: ExpectDoc;
}
