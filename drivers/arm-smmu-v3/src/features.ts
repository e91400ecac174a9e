import type { KernelProfile } from '@kdsim/core';
import type { SmmuV3Regs } from './hw.js';

/** arm-smmu-v3.h: ARM_SMMU_FEAT_* bits (the `features 0x...` of the probe line). */
export const ARM_SMMU_FEAT = {
  TWO_LVL_STRTAB: 1 << 0,
  TWO_LVL_CDTAB: 1 << 1,
  TT_LE: 1 << 2,
  TT_BE: 1 << 3,
  PRI: 1 << 4,
  ATS: 1 << 5,
  SEV: 1 << 6,
  MSI: 1 << 7,
  COHERENCY: 1 << 8,
  TRANS_S1: 1 << 9,
  TRANS_S2: 1 << 10,
  STALLS: 1 << 11,
  HYP: 1 << 12,
  STALL_FORCE: 1 << 13,
  VAX: 1 << 14,
  RANGE_INV: 1 << 15,
  BTM: 1 << 16,
  SVA: 1 << 17,
  E2H: 1 << 18,
  NESTING: 1 << 19,
  ATTR_TYPES_OVR: 1 << 20,
  HA: 1 << 21,
  HD: 1 << 22,
  S2FWB: 1 << 23,
} as const;

/** What arm_smmu_device_hw_probe() derives from the ID registers. */
export interface SmmuV3Probe {
  /** ARM_SMMU_FEAT_* bits, or a negative errno when the SMMU is unusable. */
  readonly features: number;
  /** Input address size (bits). */
  readonly ias: number;
  /** Output address size (bits). */
  readonly oas: number;
  /** log2 of the command / event / PRI queue entries the driver asks for. */
  readonly cmdqShift: number;
  /** log2 of the event queue entries. */
  readonly evtqShift: number;
  /** log2 of the PRI queue entries. */
  readonly priqShift: number;
  /** StreamID bits. */
  readonly sidBits: number;
  /** SubstreamID bits. */
  readonly ssidBits: number;
  /** Warnings the probe prints (dev_warn). */
  readonly warnings: readonly string[];
  /** Fatal error text, if probing fails (then `features` is an errno). */
  readonly error?: string;
}

const OAS_BITS = [32, 36, 40, 42, 44, 48, 52];
// Q_MAX_SZ_SHIFT = PAGE_SHIFT + CONFIG_CMA_ALIGNMENT (12 + 8 in the Debian arm64 config): queues
// are at most 1 MiB, less the entry sizes (16-byte commands and PRI requests, 32-byte events).
const Q_MAX_SZ_SHIFT = 12 + 8;
const CMDQ_MAX_SZ_SHIFT = Q_MAX_SZ_SHIFT - 4;
const EVTQ_MAX_SZ_SHIFT = Q_MAX_SZ_SHIFT - 5;
const PRIQ_MAX_SZ_SHIFT = Q_MAX_SZ_SHIFT - 4;

/**
 * arm-smmu-v3.c: arm_smmu_device_hw_probe(). `fwCoherent` is the firmware's
 * coherency (DT `dma-coherent`, IORT COHACC override), which wins over
 * IDR0.COHACC with a warning on mismatch.
 */
export function armSmmuV3HwProbe(regs: SmmuV3Regs, fwCoherent: boolean, profile: KernelProfile): SmmuV3Probe {
  const [idr0, idr1, , idr3, , idr5] = regs.idr;
  const warnings: string[] = [];
  let f = 0;
  if (((idr0 >>> 27) & 3) === 1) f |= ARM_SMMU_FEAT.TWO_LVL_STRTAB;
  if (idr0 & (1 << 19)) f |= ARM_SMMU_FEAT.TWO_LVL_CDTAB;
  switch ((idr0 >>> 21) & 3) {
    case 0: f |= ARM_SMMU_FEAT.TT_LE | ARM_SMMU_FEAT.TT_BE; break;
    case 2: f |= ARM_SMMU_FEAT.TT_LE; break;
    case 3: f |= ARM_SMMU_FEAT.TT_BE; break;
    default: return fail('unknown/unsupported TT endianness!');
  }
  if (idr0 & (1 << 16)) f |= ARM_SMMU_FEAT.PRI;
  if (idr0 & (1 << 10)) f |= ARM_SMMU_FEAT.ATS;
  if (idr0 & (1 << 14)) f |= ARM_SMMU_FEAT.SEV;
  if (idr0 & (1 << 13)) f |= ARM_SMMU_FEAT.MSI;
  if (idr0 & (1 << 9)) f |= ARM_SMMU_FEAT.HYP;
  // HA/HD from IDR0.HTTU: v6.11 ("iommu/arm-smmu-v3: Add feature detection for HTTU", IOMMU pull for v6.11).
  const httu = (idr0 >>> 6) & 3;
  if (profile.atLeast(6, 11) && httu >= 1) f |= ARM_SMMU_FEAT.HA;
  if (profile.atLeast(6, 11) && httu === 2) f |= ARM_SMMU_FEAT.HD;
  if (fwCoherent) f |= ARM_SMMU_FEAT.COHERENCY;
  if (((idr0 & (1 << 4)) !== 0) !== fwCoherent) warnings.push(`IDR0.COHACC overridden by FW configuration (${fwCoherent ? 'true' : 'false'})`);
  switch ((idr0 >>> 24) & 3) {
    case 2: f |= ARM_SMMU_FEAT.STALL_FORCE | ARM_SMMU_FEAT.STALLS; break;
    case 0: f |= ARM_SMMU_FEAT.STALLS; break;
    default: break;
  }
  if (idr0 & (1 << 1)) f |= ARM_SMMU_FEAT.TRANS_S1;
  if (idr0 & (1 << 0)) f |= ARM_SMMU_FEAT.TRANS_S2;
  if ((f & (ARM_SMMU_FEAT.TRANS_S1 | ARM_SMMU_FEAT.TRANS_S2)) === 0) return fail('no translation support!');
  // Both stages ⇒ FEAT_NESTING from v6.5 ("iommu/arm-smmu-v3: Add explicit feature for nesting",
  // 1d9777b9f3d5, IOMMU pull for v6.5; also in 5.15.y/6.1.y stable). Nothing used it until the
  // v6.13 nesting series, but it is in the `features 0x...` line. (The MMU-600/700 errata that clear
  // it again, arm_smmu_device_iidr_probe(), are not modelled.)
  if (profile.atLeast(6, 5) && (f & ARM_SMMU_FEAT.TRANS_S1) && (f & ARM_SMMU_FEAT.TRANS_S2)) f |= ARM_SMMU_FEAT.NESTING;
  // IDR3.FWB ⇒ S2FWB from v6.13 ("iommu/arm-smmu-v3: Use S2FWB for NESTED domains", v6.13 merge window).
  if (profile.atLeast(6, 13) && (idr3 & (1 << 8))) f |= ARM_SMMU_FEAT.S2FWB;
  if (idr3 & (1 << 10)) f |= ARM_SMMU_FEAT.RANGE_INV;
  if ((idr1 >>> 27) & 1) f |= ARM_SMMU_FEAT.ATTR_TYPES_OVR;
  const oas = OAS_BITS[idr5 & 7] ?? 48;
  const ias = Math.max((idr0 >>> 2) & 1 ? 40 : 0, oas);
  return {
    features: f >>> 0, ias, oas,
    cmdqShift: Math.min(CMDQ_MAX_SZ_SHIFT, (idr1 >>> 21) & 0x1f),
    evtqShift: Math.min(EVTQ_MAX_SZ_SHIFT, (idr1 >>> 16) & 0x1f),
    priqShift: Math.min(PRIQ_MAX_SZ_SHIFT, (idr1 >>> 11) & 0x1f),
    sidBits: idr1 & 0x3f, ssidBits: (idr1 >>> 6) & 0x1f, warnings,
  };

  function fail(error: string): SmmuV3Probe {
    return { features: -6, ias: 0, oas: 0, cmdqShift: 0, evtqShift: 0, priqShift: 0, sidBits: 0, ssidBits: 0, warnings, error };
  }
}
