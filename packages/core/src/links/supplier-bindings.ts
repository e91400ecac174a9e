// The supplier bindings read firmware only through the generic Fwnode API
// (getReferenceArgs(), readU32Array(), resolveReference(), the tree), so they
// work unchanged on OF nodes. What a software node can express:
//  - phandle lists (`clocks`, `resets`, `pinctrl-0`, `*-supply`, ...): reference
//    lists, with `args` counted by the target's `#...-cells` property;
//  - `iommu-map`: raw cells on OF (phandle at cell 4*i+1); on a software node a
//    reference list with one reference per map entry;
//  - `interrupts`: 32-bit cells, the controller found through `interrupt-parent`
//    (a one-entry reference list) or the tree, up to a node with
//    `#interrupt-cells`; `interrupts-extended`: a reference list with args;
//  - `interrupt-map`: raw cells only (OF); a software node's map links nothing.
// On OF nodes `interrupts` and `interrupt-map` use the firmware package's
// interrupt-tree walks (FwnodeIrqWalks: of_irq_parse_one() through nexus
// `interrupt-map`s); a software node's interrupt parent is not translated.
// The walks return the kernel's log lines on that path (irq.c pr_debug()s and
// WARNs) with their result; parse() prints them through its PrintkSink.
import type { Fwnode } from '../fwnode/fwnode.js';
import type { PrintkReport, PrintkSink } from '../klog/printk-report.js';
import type { KernelProfile } from '../profile/profile.js';
import { FWLINK_FLAG } from './flags.js';

/**
 * One entry of drivers/of/property.c: of_supplier_bindings[] — a property
 * that names suppliers, and how to read them. kdsim parses it with the
 * generic {@link Fwnode} API, so the same table works on OF nodes and on
 * software nodes that use devicetree property names.
 */
export interface SupplierBinding {
  /** The property as the kernel's table names it (`clocks`, `*-supply`, `pinctrl-N`). */
  readonly name: string;
  /** True if `prop` is this binding's property (the strcmp()/suffix test of parse_prop()). */
  readonly matches: (prop: string) => boolean;
  /**
   * parse_prop(): the supplier node of entry `index` of `prop` on `node`, or
   * null past the end or when it does not resolve. What the kernel logs on
   * the way (the interrupt-tree walk's WARNs and pr_debug()s) goes to `log`,
   * the calling kernel's printk; without one it is dropped.
   */
  readonly parse: (node: Fwnode, prop: string, index: number, log?: PrintkSink) => Fwnode | null;
  /** `.optional`: parsed only with `fw_devlink.strict=1` (v5.12+). */
  readonly optional?: boolean;
  /** `.get_con_dev` / `.node_not_dev`: the node that really consumes when the property sits on a node that never becomes a device. */
  readonly getConDev?: (node: Fwnode) => Fwnode | null;
  /** `.fwlink_flags`: FWLINK_FLAG bits for the links this property creates. */
  readonly fwlinkFlags?: number;
}

// ---------------------------------------------------------------- generic readers

/** of_parse_phandle(): entry `index` of a plain reference list (no arguments). */
export function phandle(node: Fwnode, prop: string, index: number): Fwnode | null {
  const r = node.getReferenceArgs(prop, null, 0, index);
  return r.ok ? r.fwnode : null;
}

/** of_parse_phandle_with_args(): entry `index`, its argument count read from the target's `cells` property. */
export function phandleWithArgs(node: Fwnode, prop: string, cells: string | null, index: number): Fwnode | null {
  const r = node.getReferenceArgs(prop, cells, 0, index);
  return r.ok ? r.fwnode : null;
}

/**
 * A phandle at a fixed cell of a raw property (`iommu-map` has it at cell
 * 4*i+1): read as 32-bit cells and resolved with {@link Fwnode.resolveReference}.
 * A software node may write the property as a reference list instead, one
 * entry per map entry; entry `entry` is then used.
 */
export function phandleAtCell(node: Fwnode, prop: string, cell: number, entry: number): Fwnode | null {
  const cells = node.readU32Array(prop);
  if (cells !== undefined && cells.length > 0) {
    const h = cells[cell];
    return h === undefined ? null : node.resolveReference(h);
  }
  return phandle(node, prop, entry);
}

function u32(node: Fwnode, prop: string): number | undefined {
  return node.readU32Array(prop)?.[0];
}

/** of_node_name_eq(): the node name without its unit address. */
export function nodeNameEq(node: Fwnode, name: string): boolean {
  const at = node.name.indexOf('@');
  return (at < 0 ? node.name : node.name.slice(0, at)) === name;
}

/** of_irq_find_parent(): follow `interrupt-parent` (or the tree) to the first node with `#interrupt-cells`. */
export function interruptParent(node: Fwnode): Fwnode | null {
  let child = node;
  for (let guard = 0; guard < 256; guard++) {
    const p = child.hasProperty('interrupt-parent') ? phandle(child, 'interrupt-parent', 0) : child.parent;
    if (p === null) return null;
    if (p.hasProperty('#interrupt-cells')) return p;
    child = p;
  }
  return null;
}

/** What an interrupt-tree walk found, with the lines the kernel logs while walking. */
export interface FwnodeIrqWalkResult {
  /** The supplier node, or null. */
  readonly supplier: Fwnode | null;
  /** The kernel's log lines on the way, in order (debug lines only when asked for). */
  readonly reports: readonly PrintkReport[];
}

/**
 * The drivers/of/irq.c interrupt-tree walks a fwnode may implement
 * (@kdsim/firmware's OfNode does, per kernel version). Found by duck typing,
 * like software_node_add_links()' reference counts: core cannot import the
 * firmware package. `debug`: build the irq.c pr_debug() lines too.
 */
export interface FwnodeIrqWalks {
  /** property.c: parse_interrupts(): the controller interrupt `index` translates to (of_irq_parse_one()), or null. */
  ofIrqSupplier(index: number, profile: KernelProfile, debug: boolean): FwnodeIrqWalkResult;
  /** property.c: parse_interrupt_map(): the parent named by entry `index` of the node's `interrupt-map`, or null. */
  ofInterruptMapParent(index: number, profile: KernelProfile, debug: boolean): FwnodeIrqWalkResult;
}

/** The file whose pr_debug()s and WARNs the interrupt-tree walks report. */
export const OF_IRQ_FILE = 'drivers/of/irq.c';

// Hands a walk's log lines to the calling kernel and returns its supplier.
function reported(r: FwnodeIrqWalkResult, log: PrintkSink | undefined): Fwnode | null {
  if (log !== undefined && r.reports.length > 0) log.emit(r.reports);
  return r.supplier;
}

function irqWalks(node: Fwnode): FwnodeIrqWalks | null {
  const w = node as Fwnode & Partial<FwnodeIrqWalks>;
  return typeof w.ofIrqSupplier === 'function' && typeof w.ofInterruptMapParent === 'function' ? (w as FwnodeIrqWalks) : null;
}

/**
 * parse_interrupts(): the controller of interrupt `index`. OF nodes walk
 * the interrupt tree ({@link FwnodeIrqWalks}); other fwnodes stop at the
 * interrupt parent, from `interrupts-extended` or `interrupts`.
 */
function parseInterrupts(profile: KernelProfile, node: Fwnode, prop: string, index: number, log?: PrintkSink): Fwnode | null {
  if (prop !== 'interrupts' && prop !== 'interrupts-extended') return null;
  const walks = irqWalks(node);
  if (walks !== null) return reported(walks.ofIrqSupplier(index, profile, log?.debugEnabled(OF_IRQ_FILE) ?? false), log);
  if (node.hasProperty('interrupts-extended')) return phandleWithArgs(node, 'interrupts-extended', '#interrupt-cells', index);
  const parent = interruptParent(node);
  if (parent === null) return null;
  const cells = u32(parent, '#interrupt-cells');
  const ints = node.readU32Array('interrupts');
  if (cells === undefined || ints === undefined) return null;
  if (cells === 0 ? index > 0 : (index + 1) * cells > ints.length) return null;
  return parent;
}

// of_bus_n_addr_cells(): the node's own or nearest ancestor's #address-cells, default 1.
function addrCells(node: Fwnode): number {
  for (let n: Fwnode | null = node; n !== null; n = n.parent) {
    const c = u32(n, '#address-cells');
    if (c !== undefined) return c;
  }
  return 1;
}

/**
 * parse_interrupt_map(): the parent of entry `index` of `interrupt-map`
 * (v6.10+). OF nodes use {@link FwnodeIrqWalks}; other fwnodes read raw
 * cells with the v6.13+ length check. Software nodes are not supported.
 */
function parseInterruptMap(profile: KernelProfile, node: Fwnode, prop: string, index: number, log?: PrintkSink): Fwnode | null {
  if (prop !== 'interrupt-map') return null;
  const walks = irqWalks(node);
  if (walks !== null) return reported(walks.ofInterruptMapParent(index, profile, log?.debugEnabled(OF_IRQ_FILE) ?? false), log);
  const intcells = u32(node, '#interrupt-cells');
  const imap = node.readU32Array('interrupt-map');
  if (intcells === undefined || imap === undefined) return null;
  const addrcells = addrCells(node);
  let pos = 0;
  for (let i = 0; pos + addrcells + intcells + 1 < imap.length; i++) {
    pos += addrcells + intcells;
    const parent = node.resolveReference(imap[pos]!);
    if (parent === null) return null;
    const pint = u32(parent, '#interrupt-cells');
    if (pint === undefined) return null;
    const entryEnd = pos + 1 + (u32(parent, '#address-cells') ?? 0) + pint;
    if (entryEnd > imap.length) return null; // a short last entry
    pos = entryEnd;
    if (i === index) return parent;
  }
  return null;
}

/** of_graph_get_port_parent(): endpoint → port → device node (skipping a `ports` node). */
export function graphPortParent(endpoint: Fwnode | null): Fwnode | null {
  let n: Fwnode | null = endpoint;
  for (let depth = 3; depth > 0 && n !== null; depth--) {
    n = n.parent;
    if (depth === 2 && n !== null && !nodeNameEq(n, 'ports') && !nodeNameEq(n, 'in-ports') && !nodeNameEq(n, 'out-ports')) break;
  }
  return n;
}

/** of_get_compat_node(): `node` or the nearest ancestor with `compatible`; null if an unavailable node comes first. */
export function compatNode(node: Fwnode | null): Fwnode | null {
  for (let n = node; n !== null; n = n.parent) {
    if (!n.isAvailable()) return null;
    if (n.hasProperty('compatible')) return n;
  }
  return null;
}

// ---------------------------------------------------------------- the table

type Gate = (p: KernelProfile) => boolean;
const always: Gate = () => true;
const since = (maj: number, min: number): Gate => (p) => p.atLeast(maj, min);
const before = (maj: number, min: number): Gate => (p) => !p.atLeast(maj, min);

function simple(name: string, cells: string | null, extra: Partial<SupplierBinding> = {}): SupplierBinding {
  return { name, matches: (p) => p === name, parse: (node, prop, i) => phandleWithArgs(node, prop, cells, i), ...extra };
}

function suffix(suf: string, cells: string | null, except?: string): SupplierBinding {
  return {
    name: `*${suf}`,
    matches: (p) => p.endsWith(suf) && (except === undefined || !p.endsWith(except)),
    parse: (node, prop, i) => phandleWithArgs(node, prop, cells, i),
  };
}

/**
 * drivers/of/property.c: of_supplier_bindings[] as the profile's kernel has
 * it, in the kernel's order (the first binding that finds a supplier in a
 * property wins). Each gated entry names the commit and pull that
 * brought it (docs/kernel-profiles.md).
 */
export function ofSupplierBindings(profile: KernelProfile): SupplierBinding[] {
  const optional = profile.fwDevlinkStrictParam;
  const remotePortParent = (node: Fwnode): Fwnode | null => graphPortParent(phandle(node, 'remote-endpoint', 0));
  const table: [Gate, SupplierBinding][] = [
    [always, simple('clocks', '#clock-cells')],
    [always, simple('interconnects', '#interconnect-cells')],
    [always, simple('iommus', '#iommu-cells', { optional })],
    [always, { name: 'iommu-map', matches: (p) => p === 'iommu-map', parse: (n, p, i) => phandleAtCell(n, p, i * 4 + 1, i), optional }],
    [always, simple('mboxes', '#mbox-cells')],
    [always, simple('io-channels', '#io-channel-cells')],
    [since(6, 9), simple('io-backends', '#io-backend-cells')], // v6.9: "of: property: add device link support for io-backends" (4b0b159a194f, IIO pull for 6.9)
    [before(6, 13), simple('interrupt-parent', null)], // removed in v6.13: "of: property: fw_devlink: Do not use interrupt-parent directly" (bc7acc0bd0f9; Cc: stable)
    [always, simple('dmas', '#dma-cells', { optional })],
    [always, simple('power-domains', '#power-domain-cells')],
    [always, simple('hwlocks', '#hwlock-cells')],
    [always, simple('extcon', null)],
    [always, simple('nvmem-cells', '#nvmem-cell-cells')],
    [always, simple('phys', '#phy-cells')],
    [always, simple('wakeup-parent', null)],
    [always, { name: 'pinctrl-N', matches: (p) => /^pinctrl-\d/.test(p), parse: phandle }],
    [(p) => p.fwDevlinkRemoteEndpoint, {
      name: 'remote-endpoint',
      matches: (p) => p === 'remote-endpoint',
      // Only index 0: one remote endpoint per endpoint node.
      parse: (node, _prop, i) => (i > 0 ? null : remotePortParent(node)),
      // The endpoint never becomes a device: the consumer is the port's parent
      // (v6.x get_con_dev), or the nearest compatible ancestor (node_not_dev, before v6.3).
      getConDev: profile.ofLinkToCompatNode ? (node) => compatNode(node.parent) : graphPortParent,
    }],
    // v5.15 (devicetree-for-5.15): "fw_devlink: Add support for "resets" and "pwms"" and "... "leds" and "backlight"".
    // (The same pull's "phy-handle" was reverted in 5.15-rc2, 3782326577d4, so no release has it.)
    [since(5, 15), simple('pwms', '#pwm-cells')],
    [since(5, 15), simple('resets', '#reset-cells')],
    [since(5, 15), simple('leds', null)],
    [since(5, 15), simple('backlight', null)],
    [since(6, 6), simple('panel', null)], // v6.6: "fw_devlink: Add a devlink for panel followers" (fbf0ea2da3c7, drm for 6.6-rc1)
    [since(6, 7), simple('msi-parent', '#msi-cells')], // v6.7: "Add fw_devlink support for msi-parent" (c5e4ce9db635, RISC-V 6.7 merge window part 2)
    [since(6, 10), simple('pses', '#pse-cells')], // v6.10: "Add fw_devlink support for pse parent" (93c0d8c0ac30, net-next for 6.10)
    [since(6, 10), simple('power-supplies', null)], // v6.10: "fw_devlink: Add support for "power-supplies" binding" (669430b183fc, DT for 6.10)
    [since(7, 0), simple('mmc-pwrseq', null)], // v7.0: "fw_devlink: Add support for "mmc-pwrseq"" (04657c4060ef, devicetree-for-7.0)
    // v5.12: "Add fw_devlink support for "gpio" and "gpios" binding" (e13f5b7a130f), merged with the interrupts binding.
    [since(5, 12), {
      name: 'gpio',
      matches: (p) => p === 'gpio' || p === 'gpios',
      // A gpio-hog's GPIOs are all provided by its parent.
      parse: (node, prop, i) => (node.hasProperty('gpio-hog') ? null : phandleWithArgs(node, prop, '#gpio-cells', i)),
    }],
    // v5.12: "Add fw_devlink support for interrupts" with its interrupt-map fix (of_irq_parse_one()).
    [since(5, 12), {
      name: 'interrupts',
      matches: (p) => p === 'interrupts' || p === 'interrupts-extended',
      parse: (n, p, i, log) => parseInterrupts(profile, n, p, i, log),
    }],
    // v6.10: "Add fw_devlink support for interrupt-map property" (d976c6f4b32c).
    [since(6, 10), { name: 'interrupt-map', matches: (p) => p === 'interrupt-map', parse: (n, p, i, log) => parseInterruptMap(profile, n, p, i, log) }],
    // v6.10: "fw_devlink: Add support for "access-controller"" (161e83f53818, STM32 firewall pull based on 6.9-rc1).
    [since(6, 10), simple('access-controllers', '#access-controller-cells')],
    [always, suffix('-supply', null)],
    [always, suffix('-gpio', '#gpio-cells')],
    // `<vendor>,nr-gpios` is skipped from v5.12: "fw_devlink: do not link ".*,nr-gpios"" (d473d32c2fba, 5.12-rc7; Cc: stable).
    [always, suffix('-gpios', '#gpio-cells', profile.atLeast(5, 12) ? ',nr-gpios' : undefined)],
    [(p) => p.fwDevlinkPostInitProviders, simple('post-init-providers', null, { fwlinkFlags: FWLINK_FLAG.IGNORE })],
  ];
  return table.filter(([gate]) => gate(profile)).map(([, b]) => b);
}
