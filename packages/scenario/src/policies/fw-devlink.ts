import {
  DefaultFwDevlinkPolicy, FwDevlinkPolicy, KernelCmdline, KernelProfile,
  type AddLinksMode, type Fwnode, type FwDevlinkMode, type SupplierBinding, type SyncStateMode,
} from '@kdsim/core';
import type { PolicyEntry } from '../registry.js';

/** The profile's fw_devlink policy with the mode and/or strictness replaced. */
class OverriddenFwDevlinkPolicy extends FwDevlinkPolicy {
  constructor(readonly base: FwDevlinkPolicy, readonly modeOverride: FwDevlinkMode | null, readonly strictOverride: boolean | null) {
    super();
  }

  mode(): FwDevlinkMode {
    return this.modeOverride ?? this.base.mode();
  }

  strict(): boolean {
    return this.strictOverride ?? this.base.strict();
  }

  syncStateMode(): SyncStateMode {
    return this.base.syncStateMode();
  }

  supplierBindings(): readonly SupplierBinding[] {
    return this.base.supplierBindings();
  }

  addLinksMode(fwnode: Fwnode): AddLinksMode {
    return this.base.addLinksMode(fwnode);
  }
}

const MODES: readonly FwDevlinkMode[] = ['off', 'permissive', 'on', 'rpm'];

/**
 * `fw_devlink`: the mode (`off`, `permissive`, `on`, `rpm`), `strict` /
 * `nostrict` (fw_devlink.strict), or `<mode>+strict`, whatever the profile and
 * command line say.
 */
export const fwDevlinkPolicy: PolicyEntry = {
  name: 'fw_devlink',
  description: 'fw_devlink mode and strictness, over the profile default and the command line',
  variants: [...MODES, 'strict', 'nostrict', ...MODES.map((m) => `${m}+strict`)],
  resolve(value) {
    const [first, second] = value.split('+');
    let mode: FwDevlinkMode | null = null;
    let strict: boolean | null = null;
    if (first === 'strict') strict = true;
    else if (first === 'nostrict') strict = false;
    else if (MODES.includes(first as FwDevlinkMode)) mode = first as FwDevlinkMode;
    else return { error: `expected one of ${this.variants.join(', ')}` };
    if (second !== undefined) {
      if (second !== 'strict' || mode === null) return { error: `expected one of ${this.variants.join(', ')}` };
      strict = true;
    }
    return (c, ctx) => {
      const arch = ctx.scenario.arch;
      c.rebind(FwDevlinkPolicy).toResolvedValue(
        (p: KernelProfile, cl: KernelCmdline) => new OverriddenFwDevlinkPolicy(new DefaultFwDevlinkPolicy(p, cl, { arch }), mode, strict),
        [KernelProfile, KernelCmdline],
      ).inSingletonScope();
    };
  },
};
