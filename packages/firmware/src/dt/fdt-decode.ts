import { FirmwareError } from '../errors.js';
import {
  FDT_BEGIN_NODE, FDT_END, FDT_END_NODE, FDT_FIRST_SUPPORTED_VERSION, FDT_LAST_SUPPORTED_VERSION, FDT_MAGIC,
  FDT_NOP, FDT_PROP, HDR, fdtHeaderSize,
} from './fdt-format.js';
import {
  type DeviceTree, type DtMemReserve, type DtNode, type DtProperty, type DtWarning,
  be32, deviceTree, dtNode, dtProperty, dtWalk, isPhandleProperty, joinPath, latin1,
} from './tree.js';

// libfdt error numbers, as Linux prints them in "Error %d processing FDT".
const FDT_ERR_TRUNCATED = -8;
const FDT_ERR_BADSTRUCTURE = -11;
const INT_MAX = 0x7fffffff;
/** drivers/of/fdt.c: FDT_MAX_DEPTH; nodes at depth >= FDT_MAX_DEPTH - 1 are skipped. */
const FDT_MAX_DEPTH = 64;

/** The validated header of a blob. */
interface Header {
  readonly totalsize: number;
  readonly offStruct: number;
  readonly offStrings: number;
  readonly offMemRsvmap: number;
  readonly version: number;
  readonly lastCompVersion: number;
  readonly bootCpuidPhys: number;
  readonly sizeStrings: number;
  /** Bytes of structure block Linux may read: size_dt_struct (v17) or up to totalsize. */
  readonly structLimit: number;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/**
 * libfdt/fdt.c: fdt_check_header(), in the order of spec §1.1, plus the
 * check Linux cannot make: the header must not claim more bytes than exist.
 */
function checkHeader(b: Uint8Array, file: string): Header {
  const fail = (kind: 'badMagic' | 'badVersion' | 'truncated' | 'badAlignment', offset: number, message: string): never => {
    throw new FirmwareError(kind, { file, offset, message });
  };
  if (b.length < 4) fail('truncated', 0, `${b.length} bytes cannot hold the 4-byte FDT magic`);
  const magic = be32(b, HDR.magic);
  if (magic !== FDT_MAGIC) fail('badMagic', HDR.magic, `magic is ${hex(magic)}, expected 0xd00dfeed (FDT_MAGIC)`);
  if (b.length < HDR.bootCpuidPhys) {
    fail('truncated', b.length, `${b.length} bytes end inside the header (version fields need ${HDR.bootCpuidPhys})`);
  }
  const version = be32(b, HDR.version);
  const lastCompVersion = be32(b, HDR.lastCompVersion);
  if (version < FDT_FIRST_SUPPORTED_VERSION) {
    fail('badVersion', HDR.version, `version ${version} is older than the first supported version 2`);
  }
  if (lastCompVersion > FDT_LAST_SUPPORTED_VERSION) {
    fail('badVersion', HDR.lastCompVersion, `last_comp_version ${lastCompVersion} is newer than 17, the last supported version`);
  }
  if (version < lastCompVersion) {
    fail('badVersion', HDR.version, `version ${version} is older than its own last_comp_version ${lastCompVersion}`);
  }
  const hdrsize = fdtHeaderSize(version);
  const totalsize = be32(b, HDR.totalsize);
  if (totalsize < hdrsize) fail('truncated', HDR.totalsize, `totalsize ${totalsize} is smaller than the ${hdrsize}-byte v${version} header`);
  if (totalsize > INT_MAX) fail('truncated', HDR.totalsize, `totalsize ${hex(totalsize)} exceeds INT_MAX`);
  if (totalsize > b.length) fail('truncated', HDR.totalsize, `totalsize ${totalsize} exceeds the ${b.length} bytes given`);
  const offStruct = be32(b, HDR.offDtStruct);
  const offStrings = be32(b, HDR.offDtStrings);
  const offMemRsvmap = be32(b, HDR.offMemRsvmap);
  if (offMemRsvmap % 8 !== 0) fail('badAlignment', HDR.offMemRsvmap, `off_mem_rsvmap ${hex(offMemRsvmap)} is not 8-byte aligned`);
  if (offStruct % 4 !== 0) fail('badAlignment', HDR.offDtStruct, `off_dt_struct ${hex(offStruct)} is not 4-byte aligned`);
  const within = (off: number): boolean => off >= hdrsize && off <= totalsize; // check_off_()
  const block = (base: number, size: number): boolean => within(base) && base + size <= 0xffffffff && within(base + size); // check_block_()
  if (!within(offMemRsvmap)) fail('truncated', HDR.offMemRsvmap, `off_mem_rsvmap ${hex(offMemRsvmap)} is outside [${hdrsize}, ${totalsize}]`);
  let structLimit: number;
  if (version >= 17) {
    const sizeStruct = be32(b, HDR.sizeDtStruct);
    if (!block(offStruct, sizeStruct)) {
      fail('truncated', HDR.offDtStruct, `structure block ${hex(offStruct)}+${hex(sizeStruct)} is outside [${hdrsize}, ${totalsize}]`);
    }
    structLimit = sizeStruct;
  } else {
    if (!within(offStruct)) fail('truncated', HDR.offDtStruct, `off_dt_struct ${hex(offStruct)} is outside [${hdrsize}, ${totalsize}]`);
    structLimit = totalsize - offStruct;
  }
  // size_dt_strings exists from v3; a v2 blob's strings run to totalsize.
  const sizeStrings = version >= 3 ? be32(b, HDR.sizeDtStrings) : Math.max(0, totalsize - offStrings);
  if (!block(offStrings, sizeStrings)) {
    fail('truncated', HDR.offDtStrings, `strings block ${hex(offStrings)}+${hex(sizeStrings)} is outside [${hdrsize}, ${totalsize}]`);
  }
  return {
    totalsize, offStruct, offStrings, offMemRsvmap, version, lastCompVersion,
    bootCpuidPhys: be32(b, HDR.bootCpuidPhys), sizeStrings, structLimit,
  };
}

/** libfdt: fdt_num_mem_rsv()/fdt_get_mem_rsv(): entries up to the first one of size 0. */
function readMemReserve(b: Uint8Array, h: Header, file: string, warnings: DtWarning[]): DtMemReserve[] {
  const out: DtMemReserve[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let abs = h.offMemRsvmap; ; abs += 16) {
    if (abs > h.totalsize - 16) {
      warnings.push({ file, offset: abs, message: 'memory reservation block runs past totalsize; list truncated' });
      return out;
    }
    const address = dv.getBigUint64(abs);
    const size = dv.getBigUint64(abs + 8);
    if (size === 0n) return out;
    out.push(Object.freeze({ address, size }));
  }
}

interface Frame {
  readonly name: string;
  readonly path: string;
  readonly props: DtProperty[];
  readonly children: DtNode[];
  readonly skip: boolean;
}

/**
 * Decodes a flattened device tree the way Linux unflattens it
 * (drivers/of/fdt.c: __unflatten_device_tree(), unflatten_dt_nodes(),
 * populate_node(), populate_properties(), over libfdt's fdt_next_tag(),
 * fdt_next_node() and property iterators).
 *
 * Rejected with a {@link FirmwareError} (the whole blob, as Linux does): a bad
 * header, a structure block that does not start with FDT_BEGIN_NODE, an
 * unknown token, data running past the structure block, or running out of
 * data before FDT_END. Tolerated with a warning: a property after a child
 * node (invisible to Linux), a property whose name cannot be found ("Cannot
 * locate property at 0x%x", dropped), FDT_END before all nodes are closed,
 * tokens after the root node, nodes nested 63 or more deep (skipped),
 * duplicate phandles (the first node in pre-order wins) and phandle
 * properties that are not 4 bytes long (ignored).
 */
export function decodeFdt(bytes: Uint8Array, file = '<fdt>'): DeviceTree {
  const h = checkHeader(bytes, file);
  const warnings: DtWarning[] = [];
  const memreserve = readMemReserve(bytes, h, file, warnings);
  const base = h.offStruct;
  const limit = h.structLimit;
  // One copy of the structure block; property values are views into it.
  const own = bytes.slice(base, base + limit);
  const legacy = h.version < 16;

  // fdt_next_tag(): returns the tag at `off` and leaves the next offset (or a
  // negative libfdt error when the tag is reported as FDT_END) in `nxt`.
  let nxt = 0;
  const nextTag = (off: number): number => {
    nxt = FDT_ERR_TRUNCATED;
    if (off + 4 > limit) return FDT_END; // premature end
    const tag = be32(bytes, base + off);
    let o = off + 4;
    nxt = FDT_ERR_BADSTRUCTURE;
    switch (tag) {
      case FDT_BEGIN_NODE: {
        const nul = bytes.indexOf(0, base + o);
        if (nul < 0 || nul >= base + limit) return FDT_END;
        o = nul - base + 1;
        break;
      }
      case FDT_PROP: {
        if (o + 4 > limit) return FDT_END;
        const len = be32(bytes, base + o);
        const sum = (len + o) >>> 0;
        if (INT_MAX <= sum || sum < o) return FDT_END;
        o += 8 + len;
        if (legacy && len >= 8 && (o - len) % 8 !== 0) o += 4;
        break;
      }
      case FDT_END:
      case FDT_END_NODE:
      case FDT_NOP:
        break;
      default:
        return FDT_END;
    }
    if (o > limit) return FDT_END;
    nxt = (o + 3) & ~3;
    return tag;
  };

  const strings = new Map<number, string | null>();
  // libfdt: fdt_get_string().
  const getString = (nameoff: number): string | null => {
    let s = strings.get(nameoff);
    if (s !== undefined) return s;
    s = null;
    const abs = nameoff + h.offStrings;
    if (nameoff <= INT_MAX && abs < h.totalsize) {
      let len = h.totalsize - abs;
      if (h.version >= 17) {
        if (nameoff >= h.sizeStrings) len = -1;
        else len = Math.min(len, h.sizeStrings - nameoff);
      }
      if (len >= 0) {
        const nul = bytes.indexOf(0, abs);
        if (nul >= 0 && nul < abs + len) s = latin1(bytes, abs, nul);
      }
    }
    strings.set(nameoff, s);
    return s;
  };

  const structError = (off: number, path: string | undefined, what: string): never => {
    throw new FirmwareError('badStructure', {
      file, offset: base + off, ...(path !== undefined ? { path } : {}),
      message: `Error ${nxt} processing FDT: ${what}`,
    });
  };

  // populate_node() of the root: libfdt requires FDT_BEGIN_NODE at offset 0.
  const first = nextTag(0);
  if (first !== FDT_BEGIN_NODE) {
    const found = limit >= 4 ? be32(bytes, base) : -1;
    throw new FirmwareError('badStructure', {
      file, offset: base,
      message: found === FDT_NOP
        ? 'structure block starts with FDT_NOP; Linux needs the root FDT_BEGIN_NODE at offset 0'
        : `structure block does not start with a valid FDT_BEGIN_NODE (found ${found < 0 ? 'no data' : hex(found)})`,
    });
  }
  const nodeName = (off: number, path: string | undefined): string => {
    const raw = latin1(bytes, base + off + 4, bytes.indexOf(0, base + off + 4));
    if (!legacy) return raw;
    // fdt_get_name(): before v16 the name is a full path; keep the leaf.
    const slash = raw.lastIndexOf('/');
    if (slash < 0) {
      nxt = FDT_ERR_BADSTRUCTURE;
      structError(off, path, `v${h.version} node name "${raw}" is not a path`);
    }
    return raw.slice(slash + 1);
  };

  const rootName = nodeName(0, undefined);
  const stack: Frame[] = [{ name: rootName, path: '/', props: [], children: [], skip: false }];
  let root: DtNode | undefined;
  let inProps = true;
  let off = nxt;
  let deepWarned = false;
  for (;;) {
    const at = off;
    const tag = nextTag(at);
    const top = stack[stack.length - 1]!;
    if (tag === FDT_PROP) {
      if (!inProps) {
        warnings.push({ file, offset: base + at, path: top.path, message: 'property after a child node is invisible to Linux; ignored' });
      } else if (!top.skip) {
        const name = getString(be32(bytes, base + at + 8));
        if (name === null) {
          warnings.push({ file, offset: base + at, path: top.path, message: `Cannot locate property at ${hex(at)}` });
        } else {
          const len = be32(bytes, base + at + 4);
          let v = at + 12;
          if (legacy && len >= 8 && v % 8 !== 0) v += 4; // fdt_getprop_by_offset() realignment
          top.props.push(dtProperty(name, own.subarray(v, v + len)));
        }
      }
      off = nxt;
    } else if (tag === FDT_NOP) {
      off = nxt;
    } else if (tag === FDT_BEGIN_NODE) {
      inProps = true;
      const depth = stack.length; // the root is depth 0
      const skip = top.skip || depth >= FDT_MAX_DEPTH - 1;
      const name = skip ? latin1(bytes, base + at + 4, bytes.indexOf(0, base + at + 4)) : nodeName(at, top.path);
      const path = joinPath(top.path, name);
      if (skip && !top.skip && !deepWarned) {
        deepWarned = true; // WARN_ON_ONCE() in unflatten_dt_nodes()
        warnings.push({ file, offset: base + at, path, message: `node depth ${depth} >= FDT_MAX_DEPTH - 1 (63): node and its subtree skipped` });
      }
      stack.push({ name, path, props: [], children: [], skip });
      off = nxt;
    } else if (tag === FDT_END_NODE) {
      inProps = false;
      const done = stack.pop()!;
      const node = done.skip ? undefined : dtNode(done.name, done.props, done.children);
      off = nxt;
      if (stack.length === 0) {
        root = node!; // depth 0 is never skipped
        if (nextTag(off) !== FDT_END || nxt < 0) {
          warnings.push({ file, offset: base + off, message: 'data after the root node\'s FDT_END_NODE is not FDT_END; ignored' });
        }
        break;
      }
      if (node !== undefined) stack[stack.length - 1]!.children.push(node);
    } else {
      // FDT_END: a real one ends the walk (early if nodes are open); a
      // synthetic one is libfdt's "premature end" or a bad token.
      if (nxt < 0) {
        const t = at + 4 <= limit ? be32(bytes, base + at) : -1;
        structError(at, top.path, t < 0 ? 'structure block ends before FDT_END'
          : t === FDT_BEGIN_NODE || t === FDT_PROP ? `token ${hex(t)} runs past the end of the structure block`
            : `unknown token ${hex(t)}`);
      }
      warnings.push({ file, offset: base + at, path: top.path, message: `FDT_END with ${stack.length} node(s) still open; they end here` });
      while (stack.length > 1) {
        const done = stack.pop()!;
        if (!done.skip) stack[stack.length - 1]!.children.push(dtNode(done.name, done.props, done.children));
      }
      const r = stack.pop()!;
      root = dtNode(r.name, r.props, r.children);
      break;
    }
  }
  if (root === undefined) throw new FirmwareError('badStructure', { file, offset: base, message: 'no root node' });
  checkPhandles(root, file, warnings);
  return deviceTree(root, {
    file, version: h.version, lastCompVersion: h.lastCompVersion, bootCpuidPhys: h.bootCpuidPhys, memreserve, warnings,
  });
}

/** Warns about phandle properties Linux would misread and about duplicate phandles. */
function checkPhandles(root: DtNode, file: string, warnings: DtWarning[]): void {
  const seen = new Map<number, string>();
  for (const { node, path } of dtWalk(root)) {
    for (const p of node.properties) {
      if (isPhandleProperty(p.name) && p.value.length !== 4) {
        warnings.push({ file, path, message: `${p.name} property is ${p.value.length} bytes, not 4; ignored` });
      }
    }
    if (node.phandle === 0) continue;
    const first = seen.get(node.phandle);
    if (first === undefined) seen.set(node.phandle, path);
    else warnings.push({ file, path, message: `duplicate phandle ${hex(node.phandle)} (first on ${first}); references resolve to ${first}` });
  }
}
