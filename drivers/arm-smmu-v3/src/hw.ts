/**
 * The SMMUv3 programming interface as far as the driver's probe reads it
 * (ARM IHI 0070: SMMU_IDR0..5, IIDR, AIDR), built from a readable
 * description of the hardware.
 */

/** A description of one SMMUv3 implementation. */
export interface SmmuV3Hw {
  /** IDR0.ST_LEVEL = 1: two-level stream tables. */
  readonly stLevel2: boolean;
  /** IDR0.S1P: stage 1 translation. */
  readonly s1p: boolean;
  /** IDR0.S2P: stage 2 translation. */
  readonly s2p: boolean;
  /** IDR0.COHACC: coherent table walks and queue accesses. */
  readonly cohacc: boolean;
  /** IDR0.ATS. */
  readonly ats: boolean;
  /** IDR0.PRI. */
  readonly pri: boolean;
  /** IDR0.STALL_MODEL. */
  readonly stallModel: 'stall' | 'none' | 'force';
  /** IDR0.TTENDIAN. */
  readonly ttEndian: 'mixed' | 'le' | 'be';
  /** IDR0.TTF: AArch64 only, or AArch32 and AArch64 table formats. */
  readonly ttf: 'aarch64' | 'aarch32-64';
  /** IDR0.HTTU: 0 none, 1 access flag, 2 access flag and dirty state. */
  readonly httu: 0 | 1 | 2;
  /** IDR0.CD2L: two-level context-descriptor tables. */
  readonly cd2l: boolean;
  /** IDR0.MSI. */
  readonly msi: boolean;
  /** IDR3.RIL: range invalidation. */
  readonly ril: boolean;
  /** IDR3.FWB: stage 2 forced write-back. */
  readonly fwb: boolean;
  /** IDR1.SIDSIZE (bits of StreamID). */
  readonly sidBits: number;
  /** IDR1.SSIDSIZE (bits of SubstreamID). */
  readonly ssidBits: number;
  /** IDR1.CMDQS (log2 of the largest command queue). */
  readonly cmdqs: number;
  /** IDR1.EVTQS. */
  readonly evtqs: number;
  /** IDR1.PRIQS. */
  readonly priqs: number;
  /** Output address size in bits (IDR5.OAS: 32, 36, 40, 42, 44, 48, 52). */
  readonly oasBits: number;
  /** SMMU_IIDR. */
  readonly iidr: number;
  /** SMMU_AIDR (architecture revision, 0 = SMMUv3.0). */
  readonly aidr: number;
}

/** QEMU 7.2's emulated SMMUv3 (hw/arm/smmuv3.c: smmuv3_init_regs()): stage 1 only, 44-bit, RIL. */
export const QEMU_SMMUV3: SmmuV3Hw = {
  stLevel2: true, s1p: true, s2p: false, cohacc: true, ats: false, pri: false, stallModel: 'none', ttEndian: 'le',
  ttf: 'aarch64', httu: 0, cd2l: false, msi: false, ril: true, fwb: false, sidBits: 16, ssidBits: 0,
  cmdqs: 19, evtqs: 19, priqs: 0, oasBits: 44, iidr: 0, aidr: 0,
};

/** The raw registers the driver reads. */
export interface SmmuV3Regs {
  /** SMMU_IDR0 .. SMMU_IDR5. */
  readonly idr: readonly [number, number, number, number, number, number];
  /** SMMU_IIDR. */
  readonly iidr: number;
  /** SMMU_AIDR. */
  readonly aidr: number;
}

const OAS_ENC = [32, 36, 40, 42, 44, 48, 52];

/** The ID registers of `hw`. */
export function smmuV3Regs(hw: SmmuV3Hw): SmmuV3Regs {
  const b = (c: boolean, bit: number): number => (c ? 1 << bit : 0);
  const stall = hw.stallModel === 'stall' ? 0 : hw.stallModel === 'none' ? 1 : 2;
  const endian = hw.ttEndian === 'mixed' ? 0 : hw.ttEndian === 'le' ? 2 : 3;
  const ttf = hw.ttf === 'aarch64' ? 2 : 3;
  const idr0 = ((hw.stLevel2 ? 1 : 0) << 27) | (stall << 24) | (endian << 21) | b(hw.cd2l, 19) | b(hw.pri, 16) | b(hw.msi, 13)
    | b(hw.ats, 10) | (hw.httu << 6) | b(hw.cohacc, 4) | (ttf << 2) | b(hw.s1p, 1) | b(hw.s2p, 0);
  const idr1 = ((hw.cmdqs & 0x1f) << 21) | ((hw.evtqs & 0x1f) << 16) | ((hw.priqs & 0x1f) << 11) | ((hw.ssidBits & 0x1f) << 6) | (hw.sidBits & 0x3f);
  const idr3 = b(hw.ril, 10) | b(hw.fwb, 8);
  const oas = Math.max(0, OAS_ENC.indexOf(hw.oasBits));
  const idr5 = (1 << 4) | oas; // GRAN4K
  return { idr: [idr0 >>> 0, idr1 >>> 0, 0, idr3 >>> 0, 0, idr5 >>> 0], iidr: hw.iidr, aidr: hw.aidr };
}
