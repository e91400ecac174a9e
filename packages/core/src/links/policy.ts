import type { Fwnode } from '../fwnode/fwnode.js';
import type { KernelCmdline } from '../profile/cmdline.js';
import type { FwDevlinkMode, KernelProfile } from '../profile/profile.js';
import { ofSupplierBindings, type SupplierBinding } from './supplier-bindings.js';

/**
 * How fw_devlink reads a firmware node's suppliers (the fwnode's `add_links` op):
 * `supplier-bindings` — drivers/of/property.c: of_fwnode_add_links() with the
 * supplier-binding table; `swnode-references` — drivers/base/swnode.c:
 * software_node_add_links(), every reference property except
 * `remote-endpoint`; `none` — the fwnode type has no add_links (ACPI, IORT, VIOT).
 */
export type AddLinksMode = 'supplier-bindings' | 'swnode-references' | 'none';

/** `fw_devlink.sync_state=`: keep waiting for consumers that never come, or give up at the timeout. */
export type SyncStateMode = 'strict' | 'timeout';

/**
 * The fw_devlink policy: the mode (`fw_devlink=`), strictness
 * (`fw_devlink.strict=`), the sync_state give-up rule
 * (`fw_devlink.sync_state=`), the supplier-binding table and which fwnode
 * types are parsed. The kernel reads it once when it is created; prototyping
 * a change is a rebind:
 *
 * ```ts
 * new Kernel({ configure: (c) => c.rebind(FwDevlinkPolicy).toConstantValue(new MyPolicy()) });
 * ```
 */
export abstract class FwDevlinkPolicy {
  /** fw_devlink_flags: `off`, `permissive`, `on` or `rpm`. */
  abstract mode(): FwDevlinkMode;
  /** fw_devlink_strict: optional bindings (`iommus`, `iommu-map`, `dmas`) are parsed too. */
  abstract strict(): boolean;
  /** fw_devlink_sync_state. */
  abstract syncStateMode(): SyncStateMode;
  /** of_supplier_bindings[], in order. */
  abstract supplierBindings(): readonly SupplierBinding[];
  /** Which add_links op `fwnode` has. */
  abstract addLinksMode(fwnode: Fwnode): AddLinksMode;
}

/** Options of {@link DefaultFwDevlinkPolicy}. */
export interface DefaultFwDevlinkPolicyOptions {
  /** CONFIG_FW_DEVLINK_SYNC_STATE_TIMEOUT=y: `timeout` is the default sync_state mode. */
  readonly syncStateTimeoutConfig?: boolean;
  /** How software nodes are parsed (default `supplier-bindings`: they stand in for devicetree nodes). */
  readonly swnodeLinks?: Exclude<AddLinksMode, 'none'>;
  /** The architecture: of_fwnode_add_links() does nothing on x86. */
  readonly arch?: string;
}

/**
 * The kernel's own fw_devlink defaults for a profile and command line
 * (core.c: fw_devlink_setup(), fw_devlink_strict_setup(),
 * fw_devlink_sync_state_setup(); of_supplier_bindings[]).
 */
export class DefaultFwDevlinkPolicy extends FwDevlinkPolicy {
  readonly #mode: FwDevlinkMode;
  readonly #strict: boolean;
  readonly #syncState: SyncStateMode;
  readonly #bindings: readonly SupplierBinding[];
  readonly #swnode: Exclude<AddLinksMode, 'none'>;
  readonly #x86: boolean;

  /** Creates the policy of `profile` booted with `cmdline`. */
  constructor(readonly profile: KernelProfile, readonly cmdline: KernelCmdline, options: DefaultFwDevlinkPolicyOptions = {}) {
    super();
    const def = profile.fwDevlinkDefault;
    // Before v5.7 there is no fw_devlink= parameter at all.
    this.#mode = def === 'none' ? 'off' : cmdline.fwDevlink ?? def;
    this.#strict = profile.fwDevlinkStrictParam && cmdline.fwDevlinkStrict === true;
    const syncDefault: SyncStateMode = options.syncStateTimeoutConfig === true ? 'timeout' : 'strict';
    this.#syncState = profile.fwDevlinkSyncStateParam ? cmdline.fwDevlinkSyncState ?? syncDefault : 'strict';
    this.#bindings = bindingsOf(profile);
    this.#swnode = options.swnodeLinks ?? 'supplier-bindings';
    this.#x86 = options.arch === 'x86_64';
  }

  mode(): FwDevlinkMode {
    return this.#mode;
  }

  strict(): boolean {
    return this.#strict;
  }

  syncStateMode(): SyncStateMode {
    return this.#syncState;
  }

  supplierBindings(): readonly SupplierBinding[] {
    return this.#bindings;
  }

  addLinksMode(fwnode: Fwnode): AddLinksMode {
    if (fwnode.type === 'of') return this.#x86 ? 'none' : 'supplier-bindings';
    if (fwnode.type === 'swnode') return this.#swnode;
    return 'none';
  }
}

// of_supplier_bindings[] depends on the profile alone: build each profile's table once.
const BINDINGS = new WeakMap<KernelProfile, readonly SupplierBinding[]>();
function bindingsOf(profile: KernelProfile): readonly SupplierBinding[] {
  let b = BINDINGS.get(profile);
  if (b === undefined) {
    b = ofSupplierBindings(profile);
    BINDINGS.set(profile, b);
  }
  return b;
}
