/**
 * @packageDocumentation
 * The ARM SMMUv3 driver (drivers/iommu/arm/arm-smmu-v3/): features from the
 * ID registers, capable() per kernel, paging and nest-parent domains,
 * hw_info, and the platform driver that registers each SMMU.
 */
export { type SmmuV3Hw, type SmmuV3Regs, QEMU_SMMUV3, smmuV3Regs } from './hw.js';
export { ARM_SMMU_FEAT, armSmmuV3HwProbe, type SmmuV3Probe } from './features.js';
export { ArmSmmuV3, ArmSmmuV3Driver, SmmuV3Domain, type SmmuV3HwLookup, type SmmuV3Master } from './driver.js';
export { armSmmuV3Module, SmmuV3Hardware, UniformSmmuV3Hardware } from './module.js';
