import { QEMU_SMMUV3, SmmuV3Hardware, UniformSmmuV3Hardware, type SmmuV3Hw } from '@kdsim/driver-arm-smmu-v3';
import type { MachineStep } from '../registry.js';

/**
 * `machine.smmuv3`: the SMMUv3 implementation of the machine, as the ID
 * register fields that differ from QEMU 7.2's (`{ s2p: true, fwb: true }`
 * for FEAT_NESTING with S2FWB). The arm-smmu-v3 driver reads it through
 * {@link SmmuV3Hardware}.
 */
export const smmuv3Step: MachineStep = {
  name: 'smmuv3',
  keys: ['smmuv3'],
  build(ctx) {
    const fields = ctx.scenario.doc.machine?.smmuv3;
    if (fields === undefined) return;
    const hw: SmmuV3Hw = { ...QEMU_SMMUV3, ...fields };
    ctx.configure.push((c) => c.bind(SmmuV3Hardware).toConstantValue(new UniformSmmuV3Hardware(hw)));
  },
};
