/**
 * The firmware-node abstraction (include/linux/fwnode.h: struct fwnode_handle
 * and its ops). An OF node, an ACPI device or table node, or a software node.
 *
 * A Fwnode describes firmware only. What a booted kernel attaches to a fwnode
 * (its device, fwnode links, flags) lives in that kernel instance, so one
 * firmware tree can be booted by many kernels side by side.
 */
export interface Fwnode {
  /** Which firmware this node comes from: `of`, `acpi`, `iort`, `viot`, `swnode`, ... */
  readonly type: string;
  /** The node name as `%pfwP` prints it, e.g. `iommu@5000000`. */
  readonly name: string;
  /** The full path as `%pfwf` prints it, e.g. `/soc/iommu@5000000`. */
  readonly path: string;
  /** The parent node, or null for a root. */
  readonly parent: Fwnode | null;
  /** Children in firmware order. */
  readonly children: readonly Fwnode[];
  /** fwnode_device_is_available(): `status` absent, `"okay"` or `"ok"`. */
  isAvailable(): boolean;
  /** fwnode_property_present(). */
  hasProperty(name: string): boolean;
  /** Property names in firmware order. */
  propertyNames(): readonly string[];
  /** fwnode_property_read_u32_array(): the whole property as 32-bit cells, or undefined. */
  readU32Array(name: string): readonly number[] | undefined;
  /** fwnode_property_read_string_array(): the property as strings, or undefined. */
  readStringArray(name: string): readonly string[] | undefined;
  /**
   * fwnode_property_get_reference_args(): entry `index` of the reference list
   * `prop`, with its arguments counted by the `cellsName` property of the target
   * (e.g. `#clock-cells`) or, when `cellsName` is null, exactly `nargs`.
   */
  getReferenceArgs(prop: string, cellsName: string | null, nargs: number, index: number): FwnodeReferenceResult;
  /** Resolves a raw reference value (an OF phandle) to its node, or null when there is none. */
  resolveReference(handle: number): Fwnode | null;
  /**
   * A cache for the kernel that last looked this node up: that kernel's
   * record of it. Only a kernel's fwnode-link store reads and writes it, and
   * only as a shortcut for a lookup it can always redo, so one firmware tree
   * can still be booted by many kernels. Implementations start it at null.
   * @internal
   */
  kernelRecord?: FwnodeKernelRecord | null;
}

/** What a kernel caches in {@link Fwnode.kernelRecord}: a record that names its owner. @internal */
export interface FwnodeKernelRecord {
  /** The kernel-side store the record belongs to. */
  readonly owner: object;
}

/** The result of {@link Fwnode.getReferenceArgs}: a target with arguments, or a negative errno (`-ENOENT` past the end). */
export type FwnodeReferenceResult =
  | { readonly ok: true; readonly fwnode: Fwnode; readonly args: readonly number[] }
  | { readonly ok: false; readonly errno: number };

/** Walks `fwnode` and its ancestors, nearest first (fwnode_for_each_parent_node() plus the node itself). */
export function* fwnodeAndAncestors(fwnode: Fwnode): Generator<Fwnode> {
  for (let n: Fwnode | null = fwnode; n !== null; n = n.parent) yield n;
}

/** True if `ancestor` is `node` itself or one of its ancestors (fwnode_is_ancestor_of()). */
export function fwnodeIsAncestorOf(ancestor: Fwnode, node: Fwnode): boolean {
  // A loop, not the generator: fw_devlink asks this for every link it creates.
  for (let n: Fwnode | null = node; n !== null; n = n.parent) if (n === ancestor) return true;
  return false;
}
