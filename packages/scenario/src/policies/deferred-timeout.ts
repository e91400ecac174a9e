import { DeferredProbePolicy } from '@kdsim/core';
import type { PolicyEntry } from '../registry.js';

/** A fixed initial driver_deferred_probe_timeout. */
class FixedTimeoutPolicy extends DeferredProbePolicy {
  constructor(readonly seconds: number) {
    super();
  }

  initialTimeout(): number {
    return this.seconds;
  }
}

/**
 * `deferred_probe_timeout`: `never` (-1), `none` (0) or a number of seconds,
 * replacing the profile/CONFIG_MODULES/command-line rule.
 */
export const deferredTimeoutPolicy: PolicyEntry = {
  name: 'deferred_probe_timeout',
  description: 'the initial deferred-probe timeout, over the profile rule and the command line',
  variants: ['never', 'none', '<seconds>'],
  resolve(value) {
    const seconds = value === 'never' ? -1 : value === 'none' ? 0 : /^-?\d+$/.test(value) ? Number(value) : undefined;
    if (seconds === undefined) return { error: 'expected never, none or a whole number of seconds' };
    return (c) => {
      c.rebind(DeferredProbePolicy).toConstantValue(new FixedTimeoutPolicy(seconds));
    };
  },
};
