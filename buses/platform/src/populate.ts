import { cached, type Device, type Kernel } from '@kdsim/core';
import { type OfNode, ofDeviceIsCompatible, ofGetAddresses, ofMatchNode, ofTranslateAddress } from '@kdsim/firmware';
import { ofDeviceMakeBusId } from './bus-id.js';
import type { AmbaBus, PlatformBus } from './bus.js';
import { AmbaDevice, PlatformDevice } from './device.js';

const OF_PLATFORM = 'drivers/of/platform.c';

// pr_debug() from drivers/of/platform.c, built only when dynamic debug enabled it.
function dbg(k: Kernel, text: string): void {
  if (k.dyndbg.enabled(OF_PLATFORM)) k.prDebug(OF_PLATFORM, text);
}

/**
 * The OF_POPULATED and OF_POPULATED_BUS node flags of one kernel: a node
 * already given a device (or claimed by early irqchip/clock init) is not
 * given another.
 */
export class OfPopulatedFlags {
  /** OF_POPULATED */
  readonly populated = new Set<OfNode>();
  /** OF_POPULATED_BUS */
  readonly populatedBus = new Set<OfNode>();
}

/** drivers/of/platform.c: of_default_bus_match_table (CONFIG_ARM_AMBA adds `arm,amba-bus`). */
export const OF_DEFAULT_BUS_MATCH_TABLE: readonly { readonly compatible: string }[] = [
  { compatible: 'simple-bus' }, { compatible: 'simple-mfd' }, { compatible: 'isa' }, { compatible: 'arm,amba-bus' },
];

// of_skipped_node_table
const SKIPPED: readonly { readonly compatible: string }[] = [{ compatible: 'operating-points-v2' }];

// of_reserved_mem_matches: the /reserved-memory children that get devices.
const RESERVED_MEM_MATCHES: readonly { readonly compatible: string }[] = [
  { compatible: 'phram' }, { compatible: 'qcom,rmtfs-mem' }, { compatible: 'qcom,cmd-db' },
  { compatible: 'qcom,smem' }, { compatible: 'ramoops' }, { compatible: 'nvmem-rmem' },
];

/** What populating needs: the kernel, the two buses and the node flags. */
export interface OfPopulateEnv {
  /** The kernel. */
  readonly k: Kernel;
  /** The platform bus. */
  readonly platform: PlatformBus;
  /** The AMBA bus, or null without CONFIG_ARM_AMBA (primecells then become nothing). */
  readonly amba: AmbaBus | null;
  /** Node flags. */
  readonly flags: OfPopulatedFlags;
}

/**
 * platform.c: of_platform_device_create_pdata() — a platform device for
 * `np` under `parent`, unless the node is unavailable or already populated.
 */
export function ofPlatformDeviceCreate(env: OfPopulateEnv, np: OfNode, parent: Device | null): PlatformDevice | null {
  const { k, platform, flags } = env;
  dbg(k, `OF: create platform device: ${np.path}`);
  if (!np.isAvailable() || flags.populated.has(np)) return null;
  flags.populated.add(np);
  const dev = new PlatformDevice({
    bus: platform, name: ofDeviceMakeBusId(np), pdevName: '', parent: parent ?? platform.root, fwnode: np, mmio: mmioOf(np),
  });
  k.deviceAdd(dev);
  return dev;
}

/**
 * platform.c: of_amba_device_create() — an AMBA device for an
 * `arm,primecell` node. Its peripheral ID comes from
 * `arm,primecell-periphid` when present, else from the hardware, which
 * kdsim models by ARM's numbering of the cell named in the compatible
 * (`arm,pl061` → designer 0x41, part 0x061; `arm,sp805` → part 0x805). An
 * unknown cell reads as 0, which amba_match() turns into a deferral.
 */
export function ofAmbaDeviceCreate(env: OfPopulateEnv, np: OfNode, parent: Device | null): AmbaDevice | null {
  const { k, amba, flags, platform } = env;
  dbg(k, `OF: Creating amba device ${np.path}`);
  if (amba === null || !np.isAvailable() || flags.populated.has(np)) return null;
  flags.populated.add(np);
  const dev = new AmbaDevice({
    bus: amba, name: ofDeviceMakeBusId(np), parent: parent ?? platform.root, fwnode: np,
    periphid: np.readU32('arm,primecell-periphid') ?? primecellIdFromCompatible(np), mmio: mmioOf(np)[0] ?? null,
  });
  k.deviceAdd(dev);
  return dev;
}

/** The peripheral ID an `arm,plNNN` / `arm,spNNN` PrimeCell reports (revision 0), or 0 when unknown. */
export function primecellIdFromCompatible(np: OfNode): number {
  for (const c of np.readStringArray('compatible') ?? []) {
    const m = /^arm,(?:pl|sp)([0-9]{3})$/i.exec(c);
    if (m !== null) return (0x00041000 | parseInt(m[1]!, 16)) >>> 0;
  }
  return 0;
}

function mmioOf(np: OfNode): readonly bigint[] {
  return cached(MMIO, np, translateAddresses);
}

function translateAddresses(np: OfNode): readonly bigint[] {
  const out: bigint[] = [];
  for (const r of ofGetAddresses(np)) {
    const a = ofTranslateAddress(np, r.cells);
    if (a !== undefined) out.push(a);
  }
  return Object.freeze(out);
}

// A node's CPU addresses depend on the read-only tree alone: worked out once per node,
// not once per boot.
const MMIO = new WeakMap<OfNode, readonly bigint[]>();

/**
 * platform.c: of_platform_bus_create() — skips nodes without `compatible`
 * (strict), skipped compatibles and populated buses; creates an AMBA device
 * for `arm,primecell`, else a platform device, and recurses into it when it
 * matches `matches` (a bus).
 */
export function ofPlatformBusCreate(env: OfPopulateEnv, bus: OfNode, matches: readonly { readonly compatible: string }[], parent: Device | null, strict: boolean): number {
  const k = env.k;
  if (strict && !bus.hasProperty('compatible')) {
    dbg(k, `OF: of_platform_bus_create() - skipping ${bus.path}, no compatible prop`);
    return 0;
  }
  if (ofMatchNode(SKIPPED, bus) !== null) {
    dbg(k, `OF: of_platform_bus_create() - skipping ${bus.path} node`);
    return 0;
  }
  if (env.flags.populatedBus.has(bus)) {
    dbg(k, `OF: of_platform_bus_create() - skipping ${bus.path}, already populated`);
    return 0;
  }
  if (ofDeviceIsCompatible(bus, 'arm,primecell') > 0) {
    ofAmbaDeviceCreate(env, bus, parent);
    return 0;
  }
  const dev = ofPlatformDeviceCreate(env, bus, parent);
  if (dev === null || ofMatchNode(matches, bus) === null) return 0;
  for (const child of bus.children) {
    dbg(k, `OF:    create child: ${child.path}`);
    const rc = ofPlatformBusCreate(env, child, matches, dev, strict);
    if (rc !== 0) return rc;
  }
  env.flags.populatedBus.add(bus);
  return 0;
}

/**
 * platform.c: of_platform_populate() — every child of `root` through
 * of_platform_bus_create() (strict), with sync_state() paused around it.
 */
export function ofPlatformPopulate(env: OfPopulateEnv, root: OfNode, matches: readonly { readonly compatible: string }[] = OF_DEFAULT_BUS_MATCH_TABLE, parent: Device | null = null): number {
  const k = env.k;
  dbg(k, 'OF: of_platform_populate()');
  dbg(k, `OF:  starting at: ${root.parent === null ? '' : root.path}`);
  k.links.syncState.pause();
  let rc = 0;
  for (const child of root.children) {
    rc = ofPlatformBusCreate(env, child, matches, parent, true);
    if (rc !== 0) break;
  }
  k.links.syncState.resume();
  env.flags.populatedBus.add(root);
  return rc;
}

/**
 * platform.c: of_platform_default_populate_init() (arch_initcall_sync):
 * pauses sync_state() until late_initcall_sync, creates the
 * reserved-memory nodes Linux handles explicitly, populates /firmware,
 * then everything under the root with the default bus table.
 */
export function ofPlatformDefaultPopulateInit(env: OfPopulateEnv, root: OfNode): number {
  env.k.links.syncState.pauseForDevicetree();
  // for_each_matching_node(node, reserved_mem_matches)
  for (const n of root.tree.allNodes()) if (ofMatchNode(RESERVED_MEM_MATCHES, n) !== null) ofPlatformDeviceCreate(env, n, null);
  const fw = root.child('firmware');
  if (fw !== null) ofPlatformPopulate(env, fw, OF_DEFAULT_BUS_MATCH_TABLE, null);
  return ofPlatformPopulate(env, root, OF_DEFAULT_BUS_MATCH_TABLE, null);
}
