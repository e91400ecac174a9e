import { FDT_BEGIN_NODE, FDT_END, FDT_END_NODE, FDT_MAGIC, FDT_PROP } from './fdt-format.js';
import type { DeviceTree, DtNode } from './tree.js';

const align4 = (n: number): number => (n + 3) & ~3;

/**
 * dtc flattree.c: stringtable_insert(): a name is stored once, and a name
 * that is the tail of one already stored (`phandle` in `linux,phandle`)
 * reuses that tail. The first matching offset wins.
 */
class StringTable {
  readonly #firstOffset = new Map<string, number>();
  readonly #chunks: string[] = [];
  length = 0;

  insert(name: string): number {
    const known = this.#firstOffset.get(name);
    if (known !== undefined) return known;
    const at = this.length;
    // Every tail of the new string becomes findable, unless an earlier
    // offset already matches it (dtc scans from offset 0).
    for (let k = 0; k <= name.length; k++) {
      const tail = name.slice(k);
      if (!this.#firstOffset.has(tail)) this.#firstOffset.set(tail, at + k);
    }
    this.#chunks.push(name);
    this.length += name.length + 1;
    return at;
  }

  write(out: Uint8Array, at: number): void {
    let o = at;
    for (const s of this.#chunks) {
      for (let i = 0; i < s.length; i++) out[o++] = s.charCodeAt(i) & 0xff;
      out[o++] = 0;
    }
  }
}

type Event = { node: DtNode; enter: true } | { node: DtNode; enter: false };

/** Pre-order enter/exit events without recursion. */
function* events(root: DtNode): Generator<Event> {
  const stack: Event[] = [{ node: root, enter: true }];
  while (stack.length > 0) {
    const e = stack.pop()!;
    yield e;
    if (e.enter) {
      stack.push({ node: e.node, enter: false });
      for (let i = e.node.children.length - 1; i >= 0; i--) stack.push({ node: e.node.children[i]!, enter: true });
    }
  }
}

/**
 * Encodes a tree as a version-17 blob laid out exactly as
 * `dtc -I dts -O dtb` does (dtc flattree.c: dt_to_blob(), flatten_tree(),
 * make_fdt_header()): 40-byte header, reservation map at offset 40 with
 * every entry of {@link DeviceTree.memreserve} plus the terminating zero
 * entry, the structure block, then the strings block with dtc's
 * tail-sharing string table; no padding. Properties are written as they are
 * (dtc would drop a `name` property equal to the node name; see
 * {@link dtcNormalize}).
 */
export function encodeFdt(tree: DeviceTree): Uint8Array {
  const strings = new StringTable();
  const nameoffs: number[] = [];
  let structSize = 4; // FDT_END
  for (const e of events(tree.root)) {
    if (!e.enter) {
      structSize += 4;
      continue;
    }
    structSize += 4 + align4(e.node.name.length + 1);
    for (const p of e.node.properties) {
      nameoffs.push(strings.insert(p.name));
      structSize += 12 + align4(p.value.length);
    }
  }
  const offMemRsvmap = 40;
  const rsvSize = (tree.memreserve.length + 1) * 16;
  const offStruct = offMemRsvmap + rsvSize;
  const offStrings = offStruct + structSize;
  const totalsize = offStrings + strings.length;

  const out = new Uint8Array(totalsize);
  const dv = new DataView(out.buffer);
  dv.setUint32(0x00, FDT_MAGIC);
  dv.setUint32(0x04, totalsize);
  dv.setUint32(0x08, offStruct);
  dv.setUint32(0x0c, offStrings);
  dv.setUint32(0x10, offMemRsvmap);
  dv.setUint32(0x14, 17);
  dv.setUint32(0x18, 16);
  dv.setUint32(0x1c, tree.bootCpuidPhys >>> 0);
  dv.setUint32(0x20, strings.length);
  dv.setUint32(0x24, structSize);
  let o = offMemRsvmap;
  for (const r of tree.memreserve) {
    dv.setBigUint64(o, BigInt.asUintN(64, r.address));
    dv.setBigUint64(o + 8, BigInt.asUintN(64, r.size));
    o += 16;
  }
  o += 16; // terminating entry, already zero
  let k = 0;
  for (const e of events(tree.root)) {
    if (!e.enter) {
      dv.setUint32(o, FDT_END_NODE);
      o += 4;
      continue;
    }
    dv.setUint32(o, FDT_BEGIN_NODE);
    const name = e.node.name;
    for (let i = 0; i < name.length; i++) out[o + 4 + i] = name.charCodeAt(i) & 0xff;
    o += 4 + align4(name.length + 1);
    for (const p of e.node.properties) {
      dv.setUint32(o, FDT_PROP);
      dv.setUint32(o + 4, p.value.length);
      dv.setUint32(o + 8, nameoffs[k++]!);
      out.set(p.value, o + 12);
      o += 12 + align4(p.value.length);
    }
  }
  dv.setUint32(o, FDT_END);
  strings.write(out, offStrings);
  return out;
}
