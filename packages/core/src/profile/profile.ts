/** A kernel version, `major.minor`. */
export interface KernelVersion {
  /** Major number. */
  readonly major: number;
  /** Minor number. */
  readonly minor: number;
}

/** fw_devlink modes (`fw_devlink=`), or `none` for kernels before fw_devlink existed. */
export type FwDevlinkMode = 'off' | 'permissive' | 'on' | 'rpm';

/**
 * A kernel profile: the defaults and behaviours that changed across versions
 * (spec driver-core.md §12). Every field is derived from the version, so any
 * `linux-X.Y` works; the named profiles are the ones kdsim documents and tests.
 * Later packages (IOMMU, VFIO) derive their own version-dependent behaviour
 * with {@link KernelProfile.atLeast}.
 */
export class KernelProfile {
  /** fw_devlink default mode; `none` before v5.7. */
  readonly fwDevlinkDefault: FwDevlinkMode | 'none';
  /** `deferred_probe_timeout` default in seconds with CONFIG_MODULES (-1 = never). Without modules it is 0 from v5.7. */
  readonly deferredProbeTimeoutDefault: number;
  /** Before v5.7 opt-in subsystems give up (-ENODEV) right after initcalls even with modules. */
  readonly checkStateEnodevWithModules: boolean;
  /** v5.19+: every driver registration re-arms a pending deferred-probe timeout. */
  readonly extendTimeoutOnRegister: boolean;
  /** v5.19+: `driver_async_probe=*` makes async the default and named drivers the exceptions. */
  readonly asyncProbeStar: boolean;
  /** v5.7–v5.18: wait_for_device_probe() also waits for the deferred-probe timeout. */
  readonly waitForDeviceProbeWaitsTimeout: boolean;
  /**
   * v6.9+: probe failures print `probe with driver X failed with error N` at err level with the
   * device prefix, and the probe path's debug lines (matched, probing, bound, rejects match) name
   * the device by its prefix instead of in the text ("driver: core: Log probe failure as error
   * and with device metadata", "driver: core: Use dev_* instead of pr_* so device metadata is added").
   */
  readonly probeFailDevPrefix: boolean;
  /** The `deferred probe pending` line: plain (≤ v6.7), with reason at info (v6.8) or warning (v6.9+). */
  readonly deferredPendingStyle: 'plain' | 'reason-info' | 'reason-warn';
  /** v5.13+: the deferred list only takes devices that matched a driver (`can_match`). */
  readonly canMatchGatesDeferredList: boolean;

  // ---- fw_devlink and device links (spec driver-core.md §6–§8, §12)

  /** v5.5+: `sync_state()` and the deferred-sync count exist ("driver core: Add sync_state driver/bus callback", fc5a251d0fd7, driver core pull for 5.5-rc1). */
  readonly syncState: boolean;
  /** v5.12+: `fw_devlink.strict=` exists and `iommus`, `iommu-map`, `dmas` are optional bindings. */
  readonly fwDevlinkStrictParam: boolean;
  /** v5.12+: FWNODE_FLAG_NOT_DEVICE / FWNODE_FLAG_INITIALIZED; bound parents retire device-less children. */
  readonly fwnodeInitializedFlag: boolean;
  /** v5.13+: the `remote-endpoint` binding. */
  readonly fwDevlinkRemoteEndpoint: boolean;
  /** v5.13+: fw_devlink_drivers_done() relaxes links to never-matched suppliers; unblock on add. */
  readonly fwDevlinkDriversDone: boolean;
  /** v5.15+: FWNODE_FLAG_NEEDS_CHILD_BOUND_ON_ADD. */
  readonly fwDevlinkNeedsChildBound: boolean;
  /** v5.16+: link deferrals go through dev_err_probe() and so record a reason; before, only a dev_dbg line. */
  readonly linkDeferralReason: boolean;
  /** v5.13+: device_bind_driver() runs device_links_force_bind() first, so force-bound consumers leave sensible link states. */
  readonly linksForceBind: boolean;
  /** v6.0+: best-effort probing (FWNODE_FLAG_BEST_EFFORT, wait_for_init_devices_probe()). */
  readonly fwDevlinkBestEffort: boolean;
  /**
   * How fw_devlink handles dependency cycles:
   * `refuse` (≤ v5.11: device_link_add() refuses the closing link, which is dropped),
   * `relax-devlink` (v5.12–v6.2: a refused link is logged `Fixing up cyclic dependency with ...` and
   * the device links along the cycle are relaxed to sync-state-only),
   * `fwnode` (v6.3–v6.12: fwnode-level marking, device-prefixed `Fixed dependency cycle(s) with ...`),
   * `fwnode-always` (v6.13+: always run, from the consumer fwnode, fwnode-prefixed message;
   * "driver core: fw_devlink: Stop trying to optimize cycle detection logic", bac3b10b78e5,
   * driver-core-next for 6.13; Cc: stable, so later 6.6.y/6.12.y stable kernels have it too).
   */
  readonly fwDevlinkCycles: 'refuse' | 'relax-devlink' | 'fwnode' | 'fwnode-always';
  /**
   * `fwnode` era: a link that is sync-state-only because of a cycle is searched for more cycles
   * too (v6.8+, "driver core: fw_devlink: Improve detection of overlapping cycles", 6442d79d880c,
   * 6.8-rc5); v6.3–v6.7 skip every sync-state-only link.
   */
  readonly fwDevlinkCycleOverlaps: boolean;
  /** v5.15+: a supplier whose parent depends on the consumer is relaxed with an info line (before: dbg `False link`). */
  readonly fwDevlinkCycleParentRelax: boolean;
  /** v6.3+: `%pfwf` (full path) in `wait for supplier` and fwnode-link debug lines; `%pfwP` (node name) before. */
  readonly fwDevlinkFullPaths: boolean;
  /** v6.3+: a bound device picks up its device-less children's consumers (before: they are purged). */
  readonly fwDevlinkPickupDangling: boolean;
  /** Before v6.3: of_link_to_phandle() links to the nearest ancestor with `compatible` and refuses descendants. */
  readonly ofLinkToCompatNode: boolean;
  /** v6.4+: `fw_devlink.sync_state=`, fw_devlink_probing_done() and a writable `state_synced` (driver core pull for 6.4-rc1). */
  readonly fwDevlinkSyncStateParam: boolean;
  /** `sync_state() pending due to ...`: warning, info from v6.18. */
  readonly syncStatePendingLevel: 'warn' | 'info';
  /** v6.9+: `post-init-providers` (FWLINK_FLAG_IGNORE; driver core pull for 6.9-rc1). The cycle debug lines are v6.8 (links/cycles.ts). */
  readonly fwDevlinkPostInitProviders: boolean;
  /** v6.18+ (≈): a PCI host bridge node also links to its root ports' suppliers. */
  readonly ofPciHostBridgeSupplies: boolean;

  /** Creates the profile of kernel `version` under `name`. */
  constructor(readonly name: string, readonly version: KernelVersion) {
    const at = (maj: number, min: number): boolean => this.atLeast(maj, min);
    this.fwDevlinkDefault = at(6, 8) ? 'rpm' : at(5, 13) ? 'on' : at(5, 8) ? 'permissive' : at(5, 7) ? 'off' : 'none';
    this.deferredProbeTimeoutDefault = at(6, 0) ? 10 : at(5, 7) ? 0 : -1;
    this.checkStateEnodevWithModules = !at(5, 7);
    this.extendTimeoutOnRegister = at(5, 19);
    this.asyncProbeStar = at(5, 19);
    this.waitForDeviceProbeWaitsTimeout = at(5, 7) && !at(5, 19);
    this.probeFailDevPrefix = at(6, 9);
    this.deferredPendingStyle = at(6, 9) ? 'reason-warn' : at(6, 8) ? 'reason-info' : 'plain';
    this.canMatchGatesDeferredList = at(5, 13);
    this.syncState = at(5, 5);
    this.fwDevlinkStrictParam = at(5, 12);
    this.fwnodeInitializedFlag = at(5, 12);
    this.fwDevlinkRemoteEndpoint = at(5, 13);
    this.fwDevlinkDriversDone = at(5, 13);
    this.fwDevlinkNeedsChildBound = at(5, 15);
    this.linkDeferralReason = at(5, 16);
    this.linksForceBind = at(5, 13);
    this.fwDevlinkBestEffort = at(6, 0);
    this.fwDevlinkCycles = at(6, 13) ? 'fwnode-always' : at(6, 3) ? 'fwnode' : at(5, 12) ? 'relax-devlink' : 'refuse';
    this.fwDevlinkCycleOverlaps = at(6, 8);
    this.fwDevlinkCycleParentRelax = at(5, 15);
    this.fwDevlinkFullPaths = at(6, 3);
    this.fwDevlinkPickupDangling = at(6, 3);
    this.ofLinkToCompatNode = !at(6, 3);
    this.fwDevlinkSyncStateParam = at(6, 4);
    this.syncStatePendingLevel = at(6, 18) ? 'info' : 'warn';
    this.fwDevlinkPostInitProviders = at(6, 9);
    this.ofPciHostBridgeSupplies = at(6, 18);
  }

  /** True if this kernel is `major.minor` or newer. */
  atLeast(major: number, minor: number): boolean {
    return this.version.major > major || (this.version.major === major && this.version.minor >= minor);
  }

  /** `6.12` */
  get versionString(): string {
    return `${this.version.major}.${this.version.minor}`;
  }
}

/** The profiles kdsim documents and tests, oldest first. */
export const NAMED_PROFILES = [
  'linux-4.19', 'linux-5.4', 'linux-5.10', 'linux-5.15', 'linux-5.18', 'linux-5.19', 'linux-6.0',
  'linux-6.1', 'linux-6.6', 'linux-6.12', 'linux-6.18',
] as const;

/** The default profile: the kernel of the calibration machines. */
export const DEFAULT_PROFILE = 'linux-6.12';

/**
 * Looks a profile up by name: `linux-6.12`, `6.12`, `v6.12` or `linux-6.12.117`
 * (the patch level is accepted and ignored). Returns undefined for anything else.
 */
export function kernelProfile(name: string): KernelProfile | undefined {
  // Every explored boot asks again by the same name: answer it without the regex.
  const known = BY_NAME.get(name);
  if (known !== undefined) return known;
  const m = /^(?:linux-|v)?(\d+)\.(\d+)(?:\.\d+)?$/.exec(name.trim());
  if (!m) return undefined;
  const version = { major: Number(m[1]), minor: Number(m[2]) };
  if (version.major < 4 || version.major > 7) return undefined;
  const key = `linux-${version.major}.${version.minor}`;
  // A profile is immutable: every kernel of one version shares it (and what is derived from it).
  let p = PROFILES.get(key);
  if (p === undefined) {
    p = new KernelProfile(key, version);
    PROFILES.set(key, p);
  }
  BY_NAME.set(name, p);
  return p;
}

const PROFILES = new Map<string, KernelProfile>();
// Profiles by the names they were asked for (`linux-6.12`, `v6.12`, `6.12.3`); only valid ones.
const BY_NAME = new Map<string, KernelProfile>();
