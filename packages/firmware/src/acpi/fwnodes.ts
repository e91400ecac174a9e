import { Errno, type Fwnode, type FwnodeKernelRecord, type FwnodeReferenceResult } from '@kdsim/core';
import { tableNodeName } from './bytes.js';
import type { IortNode } from './iort-types.js';

/** Shared behaviour of ACPI-side fwnodes: no DT-style properties or references; always available. */
abstract class PropertylessFwnode implements Fwnode {
  abstract readonly type: string;
  abstract readonly name: string;
  abstract readonly path: string;
  readonly children: Fwnode[] = [];
  /** See {@link Fwnode.kernelRecord}. @internal */
  kernelRecord: FwnodeKernelRecord | null = null;

  /** Creates a node under `parent` (null for a root). */
  constructor(readonly parent: Fwnode | null) {}

  isAvailable(): boolean {
    return true;
  }

  hasProperty(name: string): boolean {
    return this.readU32Array(name) !== undefined;
  }

  propertyNames(): readonly string[] {
    return [];
  }

  readU32Array(_name: string): readonly number[] | undefined {
    return undefined;
  }

  readStringArray(_name: string): readonly string[] | undefined {
    return undefined;
  }

  getReferenceArgs(_prop: string, _cellsName: string | null, _nargs: number, _index: number): FwnodeReferenceResult {
    return { ok: false, errno: -Errno.ENOENT };
  }

  resolveReference(_handle: number): Fwnode | null {
    return null;
  }
}

/**
 * The fwnode of an IORT node, named by its table offset (`IORT@0x30`). For
 * SMMU and PMCG nodes it is the synthetic fwnode iort.c allocates at init
 * (acpi_alloc_fwnode_static()) and gives the platform device it creates, so
 * it is what the SMMU driver registers with. A root complex node carries its
 * PCI segment as the `pci-segment` property.
 */
export class IortFwnode extends PropertylessFwnode {
  /** Always `iort`. */
  readonly type = 'iort';
  /** `IORT@0x30`. */
  readonly name: string;

  /** The fwnode for `node` of the IORT in `file`. */
  constructor(readonly node: IortNode, readonly file = 'IORT') {
    super(null);
    this.name = node.name;
  }

  /** Same as the name: IORT nodes have no hierarchy. */
  get path(): string {
    return this.name;
  }

  override propertyNames(): readonly string[] {
    return this.node.kind === 'rootComplex' ? ['pci-segment'] : [];
  }

  override readU32Array(name: string): readonly number[] | undefined {
    return name === 'pci-segment' && this.node.kind === 'rootComplex' ? [this.node.pciSegment] : undefined;
  }
}

/**
 * The synthetic fwnode drivers/acpi/viot.c creates for a virtio-pci IOMMU
 * whose PCI function has none (and sets as the function's primary fwnode),
 * named by the VIOT node offset (`VIOT@0x30`).
 */
export class ViotFwnode extends PropertylessFwnode {
  /** Always `viot`. */
  readonly type = 'viot';
  /** `VIOT@0x30`. */
  readonly name: string;

  /** The fwnode for the VIOT IOMMU node at `offset`. */
  constructor(readonly offset: number) {
    super(null);
    this.name = tableNodeName('VIOT', offset);
  }

  /** Same as the name. */
  get path(): string {
    return this.name;
  }
}

/**
 * An ACPI namespace device object named by its full path as
 * ACPI_FULL_PATHNAME gives it (`\_SB_.ETH0`): what IORT named components
 * are matched against, and what a VIOT virtio-mmio IOMMU resolves to.
 */
export class AcpiDeviceFwnode extends PropertylessFwnode {
  /** Always `acpi`. */
  readonly type = 'acpi';
  /** The last path segment, e.g. `ETH0`. */
  readonly name: string;

  /** A device object at `path`, optionally under `parent`. */
  constructor(readonly path: string, parent: Fwnode | null = null) {
    super(parent);
    const segs = path.split('.');
    this.name = (segs[segs.length - 1] ?? path).replace(/^\\/, '');
    if (parent instanceof PropertylessFwnode) parent.children.push(this);
  }
}

/**
 * ACPI_FULL_PATHNAME form of a namespace path: 4-character segments with
 * trailing underscores (`\_SB.ETH0` → `\_SB_.ETH0`), as iort.c compares
 * named components byte for byte.
 */
export function acpiFullPathname(path: string): string {
  const abs = path.startsWith('\\');
  const segs = (abs ? path.slice(1) : path).split('.').filter((s) => s !== '');
  return (abs ? '\\' : '') + segs.map((s) => (s.length < 4 ? s.padEnd(4, '_') : s)).join('.');
}
