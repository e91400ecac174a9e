import { Errno, type FwnodeIrqWalkResult, type KernelProfile, NO_PRINTK_REPORTS, OF_IRQ_FILE, type PrintkReport } from '@kdsim/core';
import { FirmwareError } from '../errors.js';
import type { OfNode } from './of.js';
import { ofBusNAddrCells } from './of-address.js';
import { MAX_PHANDLE_ARGS, ofParsePhandleWithArgs } from './of-phandle.js';

/**
 * The OF interrupt tree (drivers/of/irq.c): the interrupt parent of a node,
 * of_irq_parse_one() / of_irq_parse_raw() translating a specifier through
 * `interrupt-map` nexus nodes down to an interrupt controller, and
 * property.c: parse_interrupt_map() for fw_devlink.
 *
 * Cells that Linux reads past the end of a property (it reads whatever
 * memory follows) read as 0 here. Where Linux would spin forever (an
 * interrupt-parent loop, an interrupt-map walk that returns to a node with
 * the same specifier) kdsim throws a {@link FirmwareError} of kind `cycle`.
 *
 * The walks return what the kernel logs on the way ({@link PrintkReport}s:
 * irq.c's WARN()/WARN_ON()s always, its pr_debug() lines when asked with
 * `debug`) with their result; the caller's kernel prints them.
 */

/** How the kernel version walks the interrupt tree (derived by {@link ofIrqBehaviour}). */
export interface OfIrqBehaviour {
  /**
   * v5.16+ ("of/irq: Allow matching of an interrupt-map local to an
   * interrupt controller", 041284181226, with the Apple PCIe series merged
   * for 5.16): a node with `interrupt-controller` *and* `interrupt-map`
   * is a nexus unless its compatible is on the imap-abuser list, and a map
   * entry pointing back at the node ends the walk there. Before: an
   * `interrupt-controller` always ends the walk.
   */
  readonly intcMapNexus: boolean;
  /** v5.16–v6.9: an interrupt controller whose own map matches nothing is used itself (with a WARN). */
  readonly intcMapFallback: boolean;
  /** v6.10+: `pasemi,rootbus` is on the imap-abuser list. */
  readonly pasemiAbuser: boolean;
  /**
   * v6.10+: of_irq_parse_imap_parent() is shared with parse_interrupt_map();
   * every malformed entry fails with -EINVAL (before: a short entry gave
   * -EFAULT).
   */
  readonly imapParentHelper: boolean;
  /**
   * v6.10–v6.12: of_irq_parse_imap_parent() counts the phandle cell in the
   * remaining length, so an entry one cell short is accepted and its last
   * cell read past the end (fixed in v6.13 by "of/irq: Fix interrupt-map cell
   * length check in of_irq_parse_imap_parent()", fec3edc47d5c, 6.13-rc;
   * backported to 6.12.y, which kdsim does not model).
   */
  readonly imapOneShort: boolean;
  /**
   * v6.11+ ("Prevent device address out-of-bounds read in interrupt map
   * walk"): of_irq_parse_one() passes a zero-filled 3-cell copy of `reg`, so
   * a device without `reg` matches as unit address 0 instead of failing
   * with "no reg passed in when needed".
   */
  readonly regBuffer: boolean;
}

const BEHAVIOURS = new WeakMap<KernelProfile, OfIrqBehaviour>();

/** The interrupt-tree behaviour of the profile's kernel. */
export function ofIrqBehaviour(profile: KernelProfile): OfIrqBehaviour {
  let b = BEHAVIOURS.get(profile);
  if (b === undefined) {
    const at = (maj: number, min: number): boolean => profile.atLeast(maj, min);
    b = {
      intcMapNexus: at(5, 16),
      intcMapFallback: at(5, 16) && !at(6, 10),
      pasemiAbuser: at(6, 10),
      imapParentHelper: at(6, 10),
      imapOneShort: at(6, 10) && !at(6, 13),
      regBuffer: at(6, 11),
    };
    BEHAVIOURS.set(profile, b);
  }
  return b;
}

/** What of_irq_parse_one()/of_irq_parse_raw() returned, and struct of_phandle_args when that is 0. */
export interface OfIrqResult {
  /** 0 or a negative errno. */
  readonly errno: number;
  /** The interrupt controller (null on error). */
  readonly np: OfNode | null;
  /** The specifier in the controller's domain (empty on error). */
  readonly args: readonly number[];
  /** What the kernel logged during the walk, in order. */
  readonly reports: readonly PrintkReport[];
}

/** A supplier found by an fw_devlink interrupt binding (an OF node), with what the kernel logged finding it. */
export type OfIrqSupplierResult = FwnodeIrqWalkResult & { readonly supplier: OfNode | null };

// The log lines of one walk: WARNs always, pr_debug() text only when `debug` (each costs a string).
class IrqLog {
  #reports: PrintkReport[] | null = null;
  constructor(readonly debug: boolean) {}

  get reports(): readonly PrintkReport[] {
    return this.#reports ?? NO_PRINTK_REPORTS;
  }

  #push(r: PrintkReport): void {
    (this.#reports ??= []).push(r);
  }

  // pr_debug() under irq.c's pr_fmt "OF: "; callers test `debug` before building `text`.
  dbg(text: string): void {
    this.#push({ kind: 'debug', file: OF_IRQ_FILE, text: `OF: ${text}` });
  }

  warnOn(fn: string): void {
    this.#push({ kind: 'warn-on', file: OF_IRQ_FILE, fn });
  }

  // WARN() prints its message as given: no pr_fmt prefix.
  warn(fn: string, text: string): void {
    this.#push({ kind: 'warn', file: OF_IRQ_FILE, fn, text });
  }
}

const fail = (errno: number, log: IrqLog): OfIrqResult => ({ errno, np: null, args: [], reports: log.reports });
const ok = (np: OfNode, args: readonly number[], log: IrqLog): OfIrqResult => ({ errno: 0, np, args, reports: log.reports });
// printk's %d of a u32.
const int = (x: number): number => x | 0;

// irq.c: of_irq_imap_abusers[]: controllers whose drivers parse interrupt-map themselves.
const IMAP_ABUSERS = [
  'CBEA,platform-spider-pic', 'sti,platform-spider-pic', 'realtek,rtl-intc', 'fsl,ls1021a-extirq',
  'fsl,ls1043a-extirq', 'fsl,ls1088a-extirq', 'renesas,rza1-irqc',
];

function isImapAbuser(np: OfNode, b: OfIrqBehaviour): boolean {
  const compat = np.readStringArray('compatible');
  if (compat === undefined) return false;
  return compat.some((c) => IMAP_ABUSERS.includes(c) || (b.pasemiAbuser && c === 'pasemi,rootbus'));
}

// Cell `i` of a property, 0 past its end (Linux reads the memory that follows).
function cellAt(v: Uint8Array, i: number): number {
  let x = 0;
  for (let k = 0; k < 4; k++) x = (x << 8) | (v[i * 4 + k] ?? 0);
  return x >>> 0;
}

function cycle(np: OfNode, what: string): FirmwareError {
  return new FirmwareError('cycle', { path: np.path, message: `${what}: Linux would loop here forever` });
}

/**
 * irq.c: of_irq_find_parent(): `interrupt-parent` (a u32 phandle) or else
 * the tree parent, repeated until a node that has `#interrupt-cells`; null
 * when the chain ends (or names no node). Throws a `cycle` FirmwareError
 * when the chain loops through nodes without `#interrupt-cells`.
 */
export function ofIrqFindParent(child: OfNode): OfNode | null {
  // A chain longer than the tree has nodes has looped (Linux spins forever).
  let budget = child.tree.allNodes().length;
  let cur: OfNode = child;
  for (;;) {
    const h = cur.readU32('interrupt-parent');
    const p = h === undefined ? cur.parent : cur.tree.findNodeByPhandle(h);
    if (p === null) return null;
    if (p.hasProperty('#interrupt-cells')) return p;
    if (--budget < 0) throw cycle(child, 'of_irq_find_parent(): the interrupt-parent chain loops');
    cur = p;
  }
}

/** One `interrupt-map` entry's parent side, as of_irq_parse_imap_parent() reads it. */
interface ImapParent {
  /** The parent controller or nexus. */
  readonly np: OfNode;
  /** Its unit address (its own `#address-cells`, 0 when absent) followed by its specifier. */
  readonly cells: readonly number[];
  /** Its `#interrupt-cells`. */
  readonly intsize: number;
  /** The cell after the entry. */
  readonly next: number;
}

/**
 * irq.c: of_irq_parse_imap_parent() (v6.10+; before, the same steps inline
 * in of_irq_parse_raw()): the parent phandle at cell `pos` of `imap` (with
 * `len` cells left from `pos`, phandle included) and the parent unit
 * address + specifier after it; an errno when the phandle names no node,
 * the node lacks `#interrupt-cells`, the cells exceed MAX_PHANDLE_ARGS
 * (WARN_ON) or the entry is short.
 */
function imapParent(owner: OfNode, imap: Uint8Array, pos: number, len: number, b: OfIrqBehaviour, log: IrqLog): ImapParent | number {
  const np = owner.tree.findNodeByPhandle(cellAt(imap, pos));
  if (np === null) {
    if (log.debug) log.dbg(' -> imap parent not found !');
    return -Errno.EINVAL;
  }
  const intsize = np.readU32('#interrupt-cells');
  if (intsize === undefined) {
    if (log.debug) log.dbg(' -> parent lacks #interrupt-cells!');
    return -Errno.EINVAL;
  }
  const addrsize = np.readU32('#address-cells') ?? 0;
  const helper = b.imapParentHelper;
  if (log.debug) log.dbg(helper ? ` -> intsize=${int(intsize)}, addrsize=${int(addrsize)}` : ` -> newintsize=${int(intsize)}, newaddrsize=${int(addrsize)}`);
  // v6.10–v6.12 compare against the length before the phandle cell.
  const left = b.imapOneShort ? len : len - 1;
  const tooMany = addrsize + intsize > MAX_PHANDLE_ARGS;
  if (tooMany) log.warnOn(helper ? 'of_irq_parse_imap_parent' : 'of_irq_parse_raw');
  if (tooMany || left < addrsize + intsize) return helper ? -Errno.EINVAL : -Errno.EFAULT;
  // v6.10+ print the length the entry started with; before, what is left after it.
  if (log.debug) log.dbg(` -> imaplen=${helper ? len : len - 1 - addrsize - intsize}`);
  const cells: number[] = [];
  for (let i = 0; i < addrsize + intsize; i++) cells.push(cellAt(imap, pos + 1 + i));
  return { np, cells, intsize, next: pos + 1 + addrsize + intsize };
}

// The `#address-cells` of the nexus, the "old linux trick": its own or an ancestor's, else 2.
function nexusAddrCells(np: OfNode): number {
  for (let n: OfNode | null = np; n !== null; n = n.parent) {
    const v = n.getProperty('#address-cells');
    if (v !== undefined) return cellAt(v, 0);
  }
  return 2;
}

/**
 * irq.c: of_irq_parse_raw(): walks from `np` (whose `#interrupt-cells`, or
 * its interrupt parent's, sizes `args`) through `interrupt-map` nexus nodes
 * (matched on unit address `addr` + specifier under `interrupt-map-mask`,
 * skipping unavailable parents) until an interrupt controller. `addr` is
 * the device's `reg` bytes, or null for none. Errors: -EINVAL (no parent,
 * size mismatch, no reg where the map needs one, a malformed or unmatched
 * map), -EFAULT (more than MAX_PHANDLE_ARGS cells, with a WARN_ON), -ENOENT
 * (the chain ends without a controller). v5.16–v6.9 WARN when a
 * controller's own map matches nothing and the controller is used. With
 * `debug` the result carries irq.c's pr_debug() lines as well.
 */
export function ofIrqParseRaw(addr: Uint8Array | null, np: OfNode, args: readonly number[], b: OfIrqBehaviour, debug = false): OfIrqResult {
  return parseRaw(addr, np, args, b, new IrqLog(debug));
}

function parseRaw(addr: Uint8Array | null, np: OfNode, args: readonly number[], b: OfIrqBehaviour, log: IrqLog): OfIrqResult {
  // The first node from np on (by interrupt parents) with a readable #interrupt-cells sizes args.
  let ipar: OfNode | null = np;
  let intsize = ipar.readU32('#interrupt-cells');
  // Parents whose #interrupt-cells is too short to read can lead back here (Linux spins).
  for (let budget = np.tree.allNodes().length; intsize === undefined; budget--) {
    if (budget < 0) throw cycle(np, 'of_irq_parse_raw(): the interrupt parents loop');
    ipar = ofIrqFindParent(ipar);
    if (ipar === null) {
      if (log.debug) log.dbg(' -> no parent found !');
      return fail(-Errno.EINVAL, log);
    }
    intsize = ipar.readU32('#interrupt-cells');
  }
  if (log.debug) log.dbg(`of_irq_parse_raw: ipar=${ipar.path}, size=${int(intsize)}`);
  if (args.length !== intsize) return fail(-Errno.EINVAL, log);
  let addrsize = nexusAddrCells(ipar);
  if (log.debug) log.dbg(` -> addrsize=${int(addrsize)}`);
  if (addrsize + intsize > MAX_PHANDLE_ARGS) {
    log.warnOn('of_irq_parse_raw');
    return fail(-Errno.EFAULT, log);
  }
  let match: number[] = [];
  for (let i = 0; i < addrsize; i++) match.push(addr === null ? 0 : cellAt(addr, i));
  match.push(...args);
  let out: readonly number[] = args;

  // The walk is deterministic: reaching a node again with the same match cells means Linux loops forever.
  let seen: Map<OfNode, Set<string>> | null = null;
  for (let level = 0; ipar !== null; level++) {
    if (level > 0) {
      seen ??= new Map();
      const key = `${addrsize}|${match.join(',')}`;
      let keys = seen.get(ipar);
      if (keys === undefined) seen.set(ipar, (keys = new Set()));
      if (keys.has(key)) throw cycle(np, `of_irq_parse_raw(): the interrupt-map walk returns to ${ipar.path}`);
      keys.add(key);
    }

    const intc = ipar.hasProperty('interrupt-controller');
    const imap = ipar.getProperty('interrupt-map');
    if (intc && (!b.intcMapNexus || imap === undefined || isImapAbuser(ipar, b))) {
      if (log.debug) log.dbg(' -> got it !');
      return ok(ipar, out, log);
    }
    if (addrsize !== 0 && addr === null) {
      if (log.debug) log.dbg(' -> no reg passed in when needed !');
      return fail(-Errno.EINVAL, log);
    }
    if (imap === undefined) {
      if (log.debug) log.dbg(' -> no map, getting parent');
      ipar = ofIrqFindParent(ipar);
      if (log.debug) log.dbg(` -> new parent: ${ipar?.path ?? '(null)'}`);
      continue;
    }
    const imask = ipar.getProperty('interrupt-map-mask');
    let imaplen = Math.floor(imap.length / 4);
    let pos = 0;
    let found: ImapParent | null = null;
    while (imaplen > addrsize + intsize + 1) {
      let same = true;
      for (let i = 0; i < addrsize + intsize; i++, imaplen--, pos++) {
        const mask = imask === undefined ? 0xffffffff : cellAt(imask, i);
        if (((match[i]! ^ cellAt(imap, pos)) & mask) !== 0) same = false;
      }
      if (log.debug) log.dbg(` -> match=${same ? 1 : 0} (imaplen=${imaplen})`);
      const p = imapParent(ipar, imap, pos, imaplen, b, log);
      if (typeof p === 'number') return fail(p, log);
      if (same && p.np.isAvailable()) {
        found = p;
        break;
      }
      imaplen -= p.next - pos;
      pos = p.next;
      if (log.debug && b.imapParentHelper) log.dbg(` -> imaplen=${imaplen}`);
    }
    if (found === null) {
      // v5.16–v6.9: a controller whose own map fails is used as is. The WARN is
      // skipped on CONFIG_PPC_PASEMI kernels, which kdsim does not model.
      if (intc && b.intcMapFallback) {
        log.warn('of_irq_parse_raw', `${ipar.path} interrupt-map failed, using interrupt-controller`);
        return ok(ipar, out, log);
      }
      return fail(-Errno.EINVAL, log);
    }
    match = [...found.cells];
    intsize = found.intsize;
    addrsize = found.cells.length - intsize;
    out = found.cells.slice(addrsize);
    if (b.intcMapNexus && found.np === ipar) {
      if (log.debug) log.dbg(`${ipar.path} interrupt-map entry to self`);
      return ok(ipar, out, log);
    }
    if (log.debug) log.dbg(` -> new parent: ${found.np.path}`);
    ipar = found.np;
  }
  return fail(-Errno.ENOENT, log); // "No interrupt-map found"
}

/**
 * irq.c: of_irq_parse_one(): interrupt `index` of `device`, from
 * `interrupts-extended` when that entry parses, else from `interrupts`
 * sized by the interrupt parent's `#interrupt-cells`, then translated by
 * {@link ofIrqParseRaw} with the device's `reg` as unit address. With
 * `debug` the result carries irq.c's pr_debug() lines as well.
 */
export function ofIrqParseOne(device: OfNode, index: number, b: OfIrqBehaviour, debug = false): OfIrqResult {
  return parseOne(device, index, b, new IrqLog(debug));
}

function parseOne(device: OfNode, index: number, b: OfIrqBehaviour, log: IrqLog): OfIrqResult {
  if (log.debug) log.dbg(`of_irq_parse_one: dev=${device.path}, index=${index}`);
  const reg = device.getProperty('reg');
  // v6.11+: a zero-filled copy of at most 3 cells of reg, never NULL.
  let addr: Uint8Array | null = reg ?? null;
  if (b.regBuffer) {
    addr = new Uint8Array(12);
    if (reg !== undefined) addr.set(reg.subarray(0, 12));
  }
  const ext = ofParsePhandleWithArgs(device, 'interrupts-extended', '#interrupt-cells', -1, index);
  if (ext.errno === 0 && ext.node !== null) return parseRaw(addr, ext.node, ext.args, b, log);

  const p = ofIrqFindParent(device);
  if (p === null) return fail(-Errno.EINVAL, log);
  const intsize = p.readU32('#interrupt-cells');
  if (intsize === undefined) return fail(-Errno.EINVAL, log);
  if (log.debug) log.dbg(` parent=${p.path}, intsize=${int(intsize)}`);
  const ints = device.getProperty('interrupts');
  if (intsize > 0 && ints === undefined) return fail(-Errno.EINVAL, log);
  const args: number[] = [];
  for (let i = 0; i < intsize; i++) {
    const cell = (index * intsize + i) * 4;
    if (ints === undefined || ints.length < cell + 4) return fail(-Errno.EOVERFLOW, log);
    args.push(cellAt(ints, index * intsize + i));
  }
  // With no cells Linux prints whatever the stack held; kdsim prints 0.
  if (log.debug) log.dbg(` intspec=${int(args[0] ?? 0)}`);
  return parseRaw(addr, p, args, b, log);
}

/**
 * property.c: parse_interrupts() (fw_devlink, v5.12+): the controller that
 * interrupt `index` of `np` translates to, or null when of_irq_parse_one()
 * fails, with what the walk logged. With a zero-cell `interrupts` parent
 * every index parses and Linux re-adds the same link forever; kdsim stops
 * after index 0.
 */
export function ofIrqSupplier(np: OfNode, index: number, b: OfIrqBehaviour, debug = false): OfIrqSupplierResult {
  const r = parseOne(np, index, b, new IrqLog(debug));
  if (r.errno !== 0) return { supplier: null, reports: r.reports };
  if (index > 0 && !np.hasProperty('interrupts-extended') && ofIrqFindParent(np)?.readU32('#interrupt-cells') === 0) {
    return { supplier: null, reports: r.reports };
  }
  return { supplier: r.np, reports: r.reports };
}

/**
 * property.c: parse_interrupt_map() (fw_devlink, v6.10+): the parent named
 * by entry `index` of `np`'s `interrupt-map` (child unit address by
 * of_bus_n_addr_cells(), child specifier by `#interrupt-cells`), or null
 * past the end or at the first malformed entry (unknown phandle, parent
 * without `#interrupt-cells`, short entry), with what
 * of_irq_parse_imap_parent() logged on the entries it read. Entries
 * pointing at `np` itself and at unavailable parents are returned like any
 * other.
 */
export function ofInterruptMapParent(np: OfNode, index: number, b: OfIrqBehaviour, debug = false): OfIrqSupplierResult {
  const log = new IrqLog(debug);
  const none = (): OfIrqSupplierResult => ({ supplier: null, reports: log.reports });
  const intcells = np.readU32('#interrupt-cells');
  if (intcells === undefined) return none();
  const addrcells = ofBusNAddrCells(np);
  const imap = np.getProperty('interrupt-map');
  if (imap === undefined) return none();
  const end = Math.floor(imap.length / 4);
  let pos = 0;
  for (let i = 0; pos + addrcells + intcells + 1 < end; i++) {
    pos += addrcells + intcells;
    const p = imapParent(np, imap, pos, end - pos, b, log);
    if (typeof p === 'number') return none();
    if (i === index) return { supplier: p.np, reports: log.reports };
    pos = p.next;
  }
  return none();
}
