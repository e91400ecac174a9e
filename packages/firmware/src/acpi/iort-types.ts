/** IORT node type numbers (actbl2.h: enum acpi_iort_node_type). */
export const IORT_NODE = {
  ITS_GROUP: 0,
  NAMED_COMPONENT: 1,
  PCI_ROOT_COMPLEX: 2,
  SMMU: 3,
  SMMU_V3: 4,
  PMCG: 5,
  RMR: 6,
  IWB: 7,
} as const;

/** Size of the IORT table header (ACPI header + node count, node offset, reserved). */
export const IORT_HEADER_SIZE = 48;
/** Size of an IORT node header. */
export const IORT_NODE_HEADER_SIZE = 16;
/** Size of one ID mapping (actbl2.h: struct acpi_iort_id_mapping). */
export const IORT_ID_MAPPING_SIZE = 20;
/** ID mapping flag bit 0 (ACPI_IORT_ID_SINGLE_MAPPING). */
export const IORT_ID_SINGLE_MAPPING = 1;

/** One ID mapping of an IORT node. */
export interface IortIdMapping {
  /** Table offset of this mapping. */
  readonly offset: number;
  /** Lowest input ID. */
  readonly inputBase: number;
  /** Number of IDs minus one. */
  readonly idCount: number;
  /** Lowest output ID. */
  readonly outputBase: number;
  /** Table offset of the output node. */
  readonly outputReference: number;
  /** Raw flags. */
  readonly flags: number;
  /** Flag bit 0: single mapping (the input is ignored). */
  readonly singleMapping: boolean;
}

/** Memory access properties (8 bytes, inside NC and RC nodes). */
export interface IortMemoryAccess {
  /** Cache coherency attribute: 1 = fully coherent. */
  readonly cca: number;
  /** Allocation hints byte. */
  readonly allocationHints: number;
  /** Memory access flags byte. */
  readonly memoryFlags: number;
  /** Flag bit 0: coherent path to memory (CPM). */
  readonly cpm: boolean;
  /** Flag bit 1: device attributes are cacheable and inner shareable (DACS). */
  readonly dacs: boolean;
  /** Flag bit 2 (E.f): coherency guaranteed for non-write-back-shareable accesses (CANWBS). */
  readonly canwbs: boolean;
}

/** What every IORT node has. */
export interface IortNodeCommon {
  /** Byte offset of the node in the table (what output references point at). */
  readonly offset: number;
  /** `IORT@0x30`: the node named by its offset (upper-case hex digits, `IORT@0xA0`). */
  readonly name: string;
  /** Type byte. */
  readonly type: number;
  /** Length of the node. */
  readonly length: number;
  /** Node revision. */
  readonly revision: number;
  /** Identifier (table rev ≥ 3; "Reserved" before). Linux does not use it. */
  readonly identifier: number;
  /** Number of ID mappings as stored. */
  readonly mappingCount: number;
  /** Offset of the mapping array from the node start. */
  readonly mappingOffset: number;
  /** The mappings that lie inside the table, at most `mappingCount` of them. */
  readonly mappings: readonly IortIdMapping[];
  /** True if the node's type-specific fixed part extends past its `length`. */
  readonly fixedPartTruncated: boolean;
}

/** Type 0: ITS group. */
export interface IortItsGroupNode extends IortNodeCommon {
  /** Discriminant. */
  readonly kind: 'itsGroup';
  /** Number of ITS identifiers as stored. */
  readonly itsCount: number;
  /** GIC ITS identifiers (those inside the table). */
  readonly identifiers: readonly number[];
}

/** Type 1: named component. */
export interface IortNamedComponentNode extends IortNodeCommon {
  /** Discriminant. */
  readonly kind: 'namedComponent';
  /** Node flags. */
  readonly nodeFlags: number;
  /** Flag bit 0: stall supported. */
  readonly stallSupported: boolean;
  /** Flag bits 5:1: PASID width (ACPI_IORT_NC_PASID_BITS). */
  readonly pasidBits: number;
  /** Memory access properties. */
  readonly memory: IortMemoryAccess;
  /** Memory address size limit in bits. */
  readonly memoryAddressLimit: number;
  /** Full namespace path of the device object, e.g. `\_SB_.ETH0`. */
  readonly deviceName: string;
}

/** Type 2: PCI root complex. */
export interface IortRootComplexNode extends IortNodeCommon {
  /** Discriminant. */
  readonly kind: 'rootComplex';
  /** Memory access properties. */
  readonly memory: IortMemoryAccess;
  /** ATS attribute word. */
  readonly atsAttribute: number;
  /** Bit 0: ATS supported. */
  readonly atsSupported: boolean;
  /** Bit 1 (E.b): PRI supported. */
  readonly priSupported: boolean;
  /** Bit 2 (E.b): PASID forwarding supported. */
  readonly pasidForwarding: boolean;
  /** PCI segment number. */
  readonly pciSegment: number;
  /** Memory address size limit in bits (node rev ≥ 1), else null. */
  readonly memoryAddressLimit: number | null;
  /** PASID capabilities (node rev ≥ 4, E.d), else null. */
  readonly pasidCapabilities: number | null;
}

/** One interrupt entry of an SMMUv1/v2 node. */
export interface IortSmmuInterrupt {
  /** GSIV. */
  readonly gsiv: number;
  /** Flags (bit 0 edge-triggered). */
  readonly flags: number;
}

/** Type 3: SMMUv1/v2. */
export interface IortSmmuNode extends IortNodeCommon {
  /** Discriminant. */
  readonly kind: 'smmu';
  /** Base address. */
  readonly baseAddress: bigint;
  /** Span. */
  readonly span: bigint;
  /** Model (0 SMMUv1, 1 SMMUv2, 2 MMU-400, 3 MMU-500, 4 MMU-401, 5 Cavium ThunderX). */
  readonly model: number;
  /** Flags. */
  readonly flags: number;
  /** Bit 0: DVM supported. */
  readonly dvm: boolean;
  /** Bit 1: coherent page-table walk. */
  readonly coherentWalk: boolean;
  /** Offset of the global interrupt array from the node start. */
  readonly globalInterruptOffset: number;
  /** Context interrupt count. */
  readonly contextInterruptCount: number;
  /** Offset of the context interrupt array. */
  readonly contextInterruptOffset: number;
  /** PMU interrupt count. */
  readonly pmuInterruptCount: number;
  /** Offset of the PMU interrupt array. */
  readonly pmuInterruptOffset: number;
  /** Global interrupts: NSgIrpt and NSgCfgIrpt with their flags. */
  readonly globalInterrupts: { readonly nsgIrpt: number; readonly nsgIrptFlags: number; readonly nsgCfgIrpt: number; readonly nsgCfgIrptFlags: number };
  /** Context interrupts (those inside the table). */
  readonly contextInterrupts: readonly IortSmmuInterrupt[];
  /** PMU interrupts (those inside the table). */
  readonly pmuInterrupts: readonly IortSmmuInterrupt[];
}

/** Type 4: SMMUv3. */
export interface IortSmmuV3Node extends IortNodeCommon {
  /** Discriminant. */
  readonly kind: 'smmuV3';
  /** Base address. */
  readonly baseAddress: bigint;
  /** Flags. */
  readonly flags: number;
  /** Bit 0: COHACC override (the SMMU's own accesses are coherent). */
  readonly cohaccOverride: boolean;
  /** Bits 2:1: HTTU override. */
  readonly httuOverride: number;
  /** Bit 3: proximity domain valid. */
  readonly pxmValid: boolean;
  /** Bit 4 (E.e): DeviceID mapping index valid. */
  readonly deviceIdValid: boolean;
  /** VATOS address. */
  readonly vatosAddress: bigint;
  /** Model (0 generic, 1 HiSilicon Hi161x, 2 Cavium CN99xx). */
  readonly model: number;
  /** Event queue GSIV. */
  readonly eventGsiv: number;
  /** PRI queue GSIV. */
  readonly priGsiv: number;
  /** Global error GSIV. */
  readonly gerrGsiv: number;
  /** CMD_SYNC GSIV. */
  readonly syncGsiv: number;
  /** Proximity domain. */
  readonly pxm: number;
  /** DeviceID mapping index (node rev ≥ 1). */
  readonly idMappingIndex: number;
}

/** Type 5: PMCG. */
export interface IortPmcgNode extends IortNodeCommon {
  /** Discriminant. */
  readonly kind: 'pmcg';
  /** Page 0 base address. */
  readonly page0Base: bigint;
  /** Overflow interrupt GSIV. */
  readonly overflowGsiv: number;
  /** Table offset of the monitored component. */
  readonly nodeReference: number;
  /** Page 1 base address (node rev ≥ 1), else null. */
  readonly page1Base: bigint | null;
}

/** One RMR descriptor. */
export interface IortRmrDescriptor {
  /** Table offset of the descriptor. */
  readonly offset: number;
  /** Base address. */
  readonly baseAddress: bigint;
  /** Length in bytes. */
  readonly length: bigint;
}

/** Type 6: reserved memory range. */
export interface IortRmrNode extends IortNodeCommon {
  /** Discriminant. */
  readonly kind: 'rmr';
  /** Flags. */
  readonly flags: number;
  /** Bit 0: remapping permitted. */
  readonly remapPermitted: boolean;
  /** Bit 1: privileged access. */
  readonly privilegedAccess: boolean;
  /** Bits 9:2: access attributes. */
  readonly accessAttributes: number;
  /** Descriptor count as stored. */
  readonly descriptorCount: number;
  /** Offset of the descriptor array from the node start. */
  readonly descriptorOffset: number;
  /** Descriptors (those inside the table). */
  readonly descriptors: readonly IortRmrDescriptor[];
}

/** Type 7 (E.g): interrupt wire bridge. */
export interface IortIwbNode extends IortNodeCommon {
  /** Discriminant. */
  readonly kind: 'iwb';
  /** Configuration frame base. */
  readonly configFrameBase: bigint;
  /** IWB index. */
  readonly iwbIndex: number;
  /** Namespace path. */
  readonly deviceName: string;
}

/** A reserved node type. */
export interface IortUnknownNode extends IortNodeCommon {
  /** Discriminant. */
  readonly kind: 'unknown';
}

/** Any IORT node. */
export type IortNode =
  | IortItsGroupNode
  | IortNamedComponentNode
  | IortRootComplexNode
  | IortSmmuNode
  | IortSmmuV3Node
  | IortPmcgNode
  | IortRmrNode
  | IortIwbNode
  | IortUnknownNode;

/** The IOMMU node types (IORT_IOMMU_TYPE). */
export type IortIommuNode = IortSmmuNode | IortSmmuV3Node;

/** A node-type mask as iort.c builds them: bit n = node type n. */
export type IortTypeMask = number;
/** IORT_IOMMU_TYPE: SMMUv1/v2 and SMMUv3. */
export const IORT_IOMMU_TYPE: IortTypeMask = (1 << IORT_NODE.SMMU) | (1 << IORT_NODE.SMMU_V3);
/** IORT_MSI_TYPE: ITS group. */
export const IORT_MSI_TYPE: IortTypeMask = 1 << IORT_NODE.ITS_GROUP;
