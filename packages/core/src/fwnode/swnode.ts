import { matchKeysChanged } from '../base/match-index.js';
import { Errno } from '../errno.js';
import type { Fwnode, FwnodeKernelRecord, FwnodeReferenceResult } from './fwnode.js';

/** A reference entry of a software-node property (PROPERTY_ENTRY_REF()). */
export interface SwnodeReference {
  /** The referenced node. */
  readonly node: SoftwareNode;
  /** Arguments carried by the reference. */
  readonly args?: readonly number[];
}

/** A software-node property value: a flag (`true`), 32-bit cells, strings, or references. */
export type SwnodePropertyValue = true | readonly number[] | readonly string[] | readonly SwnodeReference[];

/** Options of a {@link SoftwareNode}. */
export interface SoftwareNodeOptions {
  /**
   * software_node_register() was called (default true). References to an
   * unregistered node do not resolve (`-ENOENT`), as in swnode.c.
   */
  readonly registered?: boolean;
}

/**
 * A software node (drivers/base/swnode.c): a firmware node described in code,
 * for tests and quick experiments before real firmware is involved. kdsim's
 * fw_devlink parses software nodes with the devicetree supplier bindings
 * (`clocks`, `iommus`, `#clock-cells`, ...), so a software-node tree stands in
 * for a devicetree.
 */
export class SoftwareNode implements Fwnode {
  readonly type = 'swnode';
  readonly children: SoftwareNode[] = [];
  /** See {@link Fwnode.kernelRecord}. @internal */
  kernelRecord: FwnodeKernelRecord | null = null;
  /** software_node_register() was called; see {@link SoftwareNodeOptions.registered}. */
  registered: boolean;
  readonly #properties = new Map<string, SwnodePropertyValue>();
  #path: string | undefined;
  // `compatible` and `status` as string arrays (undefined if absent or not strings): every
  // bus match reads the first, every availability check the second.
  #compatible: readonly string[] | undefined;
  #status: readonly string[] | undefined;
  #names: readonly string[] | undefined;

  /** Creates a node under `parent` (null for a root) with the given properties. */
  constructor(
    readonly name: string,
    readonly parent: SoftwareNode | null = null,
    properties: Readonly<Record<string, SwnodePropertyValue>> = {},
    options: SoftwareNodeOptions = {},
  ) {
    for (const [k, v] of Object.entries(properties)) this.setProperty(k, v);
    this.registered = options.registered ?? true;
    parent?.children.push(this);
  }

  /** `/parent/child`, as `%pfwf` prints software nodes. */
  get path(): string {
    return (this.#path ??= this.parent === null ? `/${this.name}` : `${this.parent.path}/${this.name}`);
  }

  /** Sets or replaces a property. */
  setProperty(name: string, value: SwnodePropertyValue): this {
    if (!this.#properties.has(name)) this.#names = undefined;
    this.#properties.set(name, value);
    if (name === 'compatible') {
      this.#compatible = frozen(asStrings(value));
      // A bus may match the node's device by it.
      matchKeysChanged();
    }
    else if (name === 'status') this.#status = frozen(asStrings(value));
    return this;
  }

  /** The raw value of a property. */
  property(name: string): SwnodePropertyValue | undefined {
    return this.#properties.get(name);
  }

  isAvailable(): boolean {
    const status = this.#status?.[0];
    return status === undefined || status === 'okay' || status === 'ok';
  }

  hasProperty(name: string): boolean {
    return this.#properties.has(name);
  }

  propertyNames(): readonly string[] {
    // fw_devlink reads every node's names once per device added above it: build the list once.
    return (this.#names ??= Object.freeze([...this.#properties.keys()]));
  }

  readU32Array(name: string): readonly number[] | undefined {
    const v = this.#properties.get(name);
    return v !== undefined && v !== true && allOf(v, 'number') ? (v as readonly number[]) : undefined;
  }

  readStringArray(name: string): readonly string[] | undefined {
    if (name === 'compatible') return this.#compatible;
    if (name === 'status') return this.#status;
    return asStrings(this.#properties.get(name));
  }

  // swnode.c: software_node_get_reference_args()
  getReferenceArgs(prop: string, cellsName: string | null, nargs: number, index: number): FwnodeReferenceResult {
    const v = this.#properties.get(prop);
    if (v === undefined) return ENOENT;
    if (v === true || !isReferenceList(v)) return EINVAL;
    const ref = v[index];
    if (ref === undefined || !ref.node.registered) return ENOENT;
    let count = nargs;
    if (cellsName !== null) {
      const cells = ref.node.readU32Array(cellsName)?.[0];
      if (cells === undefined) return EINVAL;
      count = cells;
    }
    const args = ref.args ?? NO_ARGS;
    if (args.length < count) return EINVAL;
    return { ok: true, fwnode: ref.node, args: args.length === count ? args : args.slice(0, count) };
  }

  resolveReference(_handle: number): Fwnode | null {
    return null;
  }

  /** The number of entries of a reference-list property (0 if it is not one). */
  referenceCount(prop: string): number {
    const v = this.#properties.get(prop);
    return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'object') ? v.length : 0;
  }
}

const ENOENT: FwnodeReferenceResult = Object.freeze({ ok: false, errno: -Errno.ENOENT });
const EINVAL: FwnodeReferenceResult = Object.freeze({ ok: false, errno: -Errno.EINVAL });
const NO_ARGS: readonly number[] = Object.freeze([]);

function isReferenceList(v: readonly unknown[]): v is readonly SwnodeReference[] {
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'object') return false;
  return true;
}

// A frozen copy: the node hands out the same list until the property is set again
// (SimpleBus caches a device's match bits against it), whatever the caller does to its array.
function frozen(v: readonly string[] | undefined): readonly string[] | undefined {
  return v === undefined ? undefined : Object.freeze([...v]);
}

// The value as a string array, or undefined if it is absent or not one.
function asStrings(v: SwnodePropertyValue | undefined): readonly string[] | undefined {
  return v !== undefined && v !== true && allOf(v, 'string') ? (v as readonly string[]) : undefined;
}

// Every element has type `t` (a loop: property reads are on the probe path).
function allOf(v: readonly unknown[], t: 'number' | 'string'): boolean {
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== t) return false;
  return true;
}
