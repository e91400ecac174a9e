import { cached } from '../cache.js';
import type { Fwnode } from '../fwnode/fwnode.js';
import { fwnodeIsAncestorOf } from '../fwnode/fwnode.js';
import type { Kernel } from '../kernel.js';
import { FWNODE_FLAG } from './flags.js';
import type { FwnodeLinks } from './fwnode-links.js';
import type { AddLinksMode } from './policy.js';
import { compatNode, type SupplierBinding } from './supplier-bindings.js';

const PROPERTY = 'drivers/of/property.c';

/**
 * The fwnode `add_links` ops: drivers/of/property.c: of_fwnode_add_links(),
 * of_link_property(), of_link_to_phandle(), and drivers/base/swnode.c:
 * software_node_add_links(). They only create fwnode links; deciding what
 * they mean is fw_devlink's job.
 */
export class AddLinks {
  readonly #dbg: boolean;
  // Property name → the bindings that recognise it, in table order.
  readonly #candidates: Map<string, readonly SupplierBinding[]>;

  /** Creates the parser of kernel `k` over the binding table. */
  constructor(
    readonly k: Kernel,
    readonly fwnodes: FwnodeLinks,
    readonly bindings: readonly SupplierBinding[],
    /** fw_devlink_is_strict(): optional bindings are parsed. */
    readonly strict: boolean,
  ) {
    this.#dbg = k.dyndbg.enabled(PROPERTY);
    this.#candidates = candidatesOf(bindings, strict);
  }

  /** fwnode_call_int_op(fwnode, add_links) */
  addLinks(fw: Fwnode, mode: AddLinksMode): void {
    if (mode === 'supplier-bindings') this.ofAddLinks(fw);
    else if (mode === 'swnode-references') this.swnodeAddLinks(fw);
  }

  /** property.c: of_fwnode_add_links() */
  ofAddLinks(con: Fwnode): void {
    // Indexed loops: this runs for every node of every device added, and for-of over the
    // list allocated an iterator each time.
    const props = con.propertyNames();
    for (let i = 0; i < props.length; i++) this.linkProperty(con, null, props[i]!);
    // A PCI host bridge also depends on its root ports' supplies (v6.18+ ≈).
    if (this.k.profile.ofPciHostBridgeSupplies && isPciNode(con) && (con.parent === null || !isPciNode(con.parent))) {
      for (const child of con.children) {
        if (!child.isAvailable() || !isPciNode(child)) continue;
        for (const prop of child.propertyNames()) this.linkProperty(child, con, prop);
      }
    }
  }

  /** property.c: of_link_property() — the first binding that finds a supplier in `prop` wins. */
  linkProperty(con: Fwnode, parent: Fwnode | null, prop: string): void {
    let bindings = this.#candidates.get(prop);
    if (bindings === undefined) {
      bindings = this.bindings.filter((s) => (s.optional !== true || this.strict) && s.matches(prop));
      this.#candidates.set(prop, bindings);
    }
    for (let b = 0; b < bindings.length; b++) {
      const s = bindings[b]!;
      let matched = false;
      for (let i = 0; i < 4096; i++) {
        const sup = s.parse(con, prop, i, this.k.printkSink);
        if (sup === null) break;
        matched = true;
        const conDev = s.getConDev !== undefined ? s.getConDev(con) : con;
        const flags = s.fwlinkFlags ?? 0;
        if (conDev !== null) this.linkToPhandle(conDev, sup, flags);
        if (parent !== null) this.linkToPhandle(parent, sup, flags);
      }
      if (matched) return;
    }
  }

  /**
   * property.c: of_link_to_phandle(). v6.3+: link to `sup` itself if it and
   * its ancestors up to the first one with a device are available. Before:
   * link to the nearest ancestor with `compatible`, never to a descendant of
   * the consumer, never to a device-less NOT_DEVICE node.
   */
  linkToPhandle(con: Fwnode, sup: Fwnode, flags: number): void {
    const k = this.k;
    if (!k.profile.ofLinkToCompatNode) {
      for (let tmp: Fwnode | null = sup; tmp !== null; tmp = tmp.parent) {
        if (k.deviceOfFwnode(tmp) !== undefined) break;
        if (!tmp.isAvailable()) return;
      }
      this.fwnodes.add(con, sup, flags);
      return;
    }
    const supNp = compatNode(sup);
    if (supNp === null) {
      if (this.#dbg) k.prDebug(PROPERTY, `Not linking ${con.name} to ${sup.name} - No device`);
      return;
    }
    if (fwnodeIsAncestorOf(con, supNp)) {
      if (this.#dbg) k.prDebug(PROPERTY, `Not linking ${con.name} to ${supNp.name} - is descendant`);
      return;
    }
    if (k.deviceOfFwnode(supNp) === undefined && this.fwnodes.test(supNp, FWNODE_FLAG.NOT_DEVICE)) {
      if (this.#dbg) k.prDebug(PROPERTY, `Not linking ${con.name} to ${supNp.name} - No struct device`);
      return;
    }
    this.fwnodes.add(con, supNp, flags);
  }

  /**
   * swnode.c: software_node_add_links() — every reference of every reference
   * property is a supplier, except graph `remote-endpoint` references; a
   * reference to an unregistered node resolves to nothing. It has no
   * interrupt handling: a software node's `interrupts` is a plain integer
   * property (no reference) and `interrupt-map` is never walked, so neither
   * links anything here (only reference-typed `interrupt-parent` /
   * `interrupts-extended` do, as references).
   */
  swnodeAddLinks(con: Fwnode): void {
    const counted = con as Fwnode & { referenceCount?: (prop: string) => number };
    if (typeof counted.referenceCount !== 'function') return;
    for (const prop of con.propertyNames()) {
      if (prop === 'remote-endpoint') continue;
      const n = counted.referenceCount(prop);
      for (let i = 0; i < n; i++) {
        const r = con.getReferenceArgs(prop, null, 0, i);
        if (r.ok) this.fwnodes.add(con, r.fwnode, 0);
      }
    }
  }
}

// of_node_is_type(np, "pci")
function isPciNode(fw: Fwnode): boolean {
  return fw.readStringArray('device_type')?.[0] === 'pci';
}

// A binding table belongs to a kernel profile and is shared by every kernel of that profile,
// and which of its bindings recognise a property name depends on the table, the name and
// strictness alone: kernels share the answers (an exploration boots thousands of kernels).
type Candidates = Map<string, readonly SupplierBinding[]>;
// Per table: the answers without and with fw_devlink.strict.
const CANDIDATES = new WeakMap<readonly SupplierBinding[], readonly [Candidates, Candidates]>();
function candidatesOf(bindings: readonly SupplierBinding[], strict: boolean): Candidates {
  return cached(CANDIDATES, bindings, (): readonly [Candidates, Candidates] => [new Map(), new Map()])[strict ? 1 : 0];
}
