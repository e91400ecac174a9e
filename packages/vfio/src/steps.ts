import { Errno, errnoName, type Device, type Kernel } from '@kdsim/core';
import type { IommufdCtx } from './iommufd/ctx.js';
import { KvmVfioDevice, type NoSnoopProbe } from './kvm/kvm-vfio.js';
import { result, type IoctlResult } from './result.js';
import type { VfioProcess } from './vfio/process.js';

/** Argument values a step takes: numbers, bigints (or strings parsed as them), `$name.field` references. */
export type StepArgs = Readonly<Record<string, unknown>>;

/** What a step kind runs against. */
export interface StepEnv {
  /** The kernel. */
  readonly k: Kernel;
  /** The user process (fds, address space). */
  readonly proc: VfioProcess;
  /** Which devices may issue PCIe No-Snoop TLPs (from the machine description); none without it. */
  readonly noSnoop?: NoSnoopProbe;
}

/** The VM's KVM-VFIO device: one VM per user process, created at its first `kvm.*` step (kept in the kernel). */
const KVM_DEVICES = Symbol('KVM-VFIO devices by user process');

function kvmVfio(env: StepEnv): KvmVfioDevice {
  let byProc = env.k.locals.get(KVM_DEVICES) as Map<VfioProcess, KvmVfioDevice> | undefined;
  if (byProc === undefined) env.k.locals.set(KVM_DEVICES, (byProc = new Map()));
  let kv = byProc.get(env.proc);
  if (kv === undefined) {
    kv = new KvmVfioDevice(env.proc.vfio, env.noSnoop);
    byProc.set(env.proc, kv);
  }
  return kv;
}

/** A step kind: resolved arguments in, an ioctl-shaped result out. */
export type StepKind = (env: StepEnv, args: StepArgs) => IoctlResult<object>;

/** One executed step, as scenarios record it. */
export interface StepRecord {
  /** The step kind (`iommufd.ioas_alloc`). */
  readonly step: string;
  /** The arguments after `$` references were resolved. */
  readonly args: StepArgs;
  /** 0 or a negative errno. */
  readonly errno: number;
  /** `EINVAL`-style name of the errno, or `0`. */
  readonly errnoName: string;
  /** Output fields. */
  readonly out: object;
  /** The expectation, when the scenario gave one. */
  readonly expect?: number;
  /** errno matched the expectation (true without one). */
  readonly ok: boolean;
}

/** Names of arguments that are 64-bit values (taken as bigint). */
const BIG = new Set(['userVa', 'length', 'iova', 'srcIova', 'dstIova', 'virtId', 'start', 'last', 'vaddr']);

const bad = (e: number): IoctlResult<object> => result(e, {});

function num(v: unknown, name: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v)) return Number(v);
  if (typeof v === 'bigint') return Number(v);
  throw new StepError('bad-argument', `argument ${name}: expected a number, got ${String(v)}`);
}

function big(v: unknown, name: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' || (typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v))) return BigInt(v);
  throw new StepError('bad-argument', `argument ${name}: expected a 64-bit number`);
}

function str(v: unknown, name: string): string {
  if (typeof v === 'string') return v;
  throw new StepError('bad-argument', `argument ${name}: expected a string`);
}

function ctxOf(env: StepEnv, args: StepArgs): IommufdCtx | number {
  return env.proc.iommufd(num(args['fd'], 'fd'));
}

function device(env: StepEnv, args: StepArgs): Device {
  const name = str(args['device'], 'device');
  const dev = env.k.device(name);
  if (dev === undefined) throw new StepError('unknown-device', `no device called ${name}`);
  return dev;
}

function withCtx<A>(fn: (ctx: IommufdCtx, a: A) => IoctlResult<object>): StepKind {
  return (env, args) => {
    const ctx = ctxOf(env, args);
    if (typeof ctx === 'number') return bad(ctx);
    return fn(ctx, args as unknown as A);
  };
}

/** The error class of the step layer: a scenario named something that does not exist. */
export class StepError extends Error {
  /** Creates an error of `kind` (`unknown-step`, `bad-argument`, `unknown-device`, `unknown-reference`). */
  constructor(readonly kind: 'unknown-step' | 'bad-argument' | 'unknown-device' | 'unknown-reference', message: string) {
    super(message);
    this.name = 'StepError';
  }
}

/** The built-in step kinds: sysfs writes, VFIO file and ioctl calls, iommufd ioctls, mmap, the KVM-VFIO device. */
export const VFIO_STEP_KINDS: Readonly<Record<string, StepKind>> = {
  'sysfs.driver_override': (env, a) => {
    const dev = device(env, a);
    dev.driverOverride = a['driver'] === undefined || a['driver'] === '' ? null : str(a['driver'], 'driver');
    return result(0, {});
  },
  'sysfs.unbind': (env, a) => {
    const dev = device(env, a);
    if (dev.driver === null) return bad(-Errno.ENODEV);
    env.k.deviceReleaseDriver(dev);
    return result(0, {});
  },
  'sysfs.bind': (env, a) => {
    const dev = device(env, a);
    const drv = dev.bus === null ? undefined : env.k.findDriver(dev.bus, str(a['driver'], 'driver'));
    if (drv === undefined) return bad(-Errno.ENODEV);
    if (dev.driver !== null) return bad(-Errno.EBUSY);
    return result(env.k.deviceDriverAttach(drv, dev), {});
  },
  'mm.mmap': (env, a) => result(0, { va: env.proc.mm.mmap(BigInt(a['length'] as bigint)) }),
  'vfio.open': (env, a) => env.proc.open(str(a['path'], 'path')),
  'vfio.close': (env, a) => result(env.proc.close(num(a['fd'], 'fd')), {}),
  'vfio.group_get_status': (env, a) => env.proc.groupGetStatus(num(a['fd'], 'fd')),
  'vfio.group_set_container': (env, a) => env.proc.groupSetContainer(num(a['fd'], 'fd'), num(a['container'], 'container')),
  'vfio.group_unset_container': (env, a) => env.proc.groupUnsetContainer(num(a['fd'], 'fd')),
  'vfio.group_get_device_fd': (env, a) => env.proc.groupGetDeviceFd(num(a['fd'], 'fd'), str(a['name'], 'name')),
  'vfio.check_extension': (env, a) => env.proc.checkExtension(num(a['fd'], 'fd'), num(a['ext'], 'ext')),
  'vfio.set_iommu': (env, a) => env.proc.setIommu(num(a['fd'], 'fd'), num(a['type'], 'type')),
  'vfio.iommu_map_dma': (env, a) => env.proc.iommuMapDma(num(a['fd'], 'fd'), { vaddr: big(a['vaddr'], 'vaddr'), iova: big(a['iova'], 'iova'), size: big(a['size'], 'size') }),
  'vfio.iommu_unmap_dma': (env, a) => env.proc.iommuUnmapDma(num(a['fd'], 'fd'), { iova: big(a['iova'], 'iova'), size: big(a['size'], 'size') }),
  'vfio.bind_iommufd': (env, a) => env.proc.bindIommufd(num(a['fd'], 'fd'), { ...a, iommufd: num(a['iommufd'], 'iommufd') }),
  'vfio.attach_pt': (env, a) => env.proc.attachIommufdPt(num(a['fd'], 'fd'), a),
  'vfio.detach_pt': (env, a) => env.proc.detachIommufdPt(num(a['fd'], 'fd'), a),
  // KVM_SET_DEVICE_ATTR(KVM_DEV_VFIO_FILE, ADD/DEL) on the VM's KVM-VFIO device
  'kvm.vfio_add': (env, a) => kvmVfio(env).add(env.proc.file(num(a['fd'], 'fd'))),
  'kvm.vfio_del': (env, a) => kvmVfio(env).del(env.proc.file(num(a['fd'], 'fd'))),
  'iommufd.destroy': withCtx((c, a: Parameters<IommufdCtx['destroy']>[0]) => c.destroy(a)),
  'iommufd.ioas_alloc': withCtx((c, a: Parameters<IommufdCtx['ioasAlloc']>[0]) => c.ioasAlloc(a)),
  'iommufd.ioas_map': withCtx((c, a: Parameters<IommufdCtx['ioasMap']>[0]) => c.ioasMap(a)),
  'iommufd.ioas_unmap': withCtx((c, a: Parameters<IommufdCtx['ioasUnmap']>[0]) => c.ioasUnmap(a)),
  'iommufd.ioas_copy': withCtx((c, a: Parameters<IommufdCtx['ioasCopy']>[0]) => c.ioasCopy(a)),
  'iommufd.ioas_iova_ranges': withCtx((c, a: Parameters<IommufdCtx['ioasIovaRanges']>[0]) => c.ioasIovaRanges(a)),
  'iommufd.ioas_allow_iovas': withCtx((c, a: Parameters<IommufdCtx['ioasAllowIovas']>[0]) => c.ioasAllowIovas(a)),
  'iommufd.hwpt_alloc': withCtx((c, a: Parameters<IommufdCtx['hwptAlloc']>[0]) => c.hwptAlloc(a)),
  'iommufd.get_hw_info': withCtx((c, a: Parameters<IommufdCtx['getHwInfo']>[0]) => c.getHwInfo(a)),
  'iommufd.hwpt_invalidate': withCtx((c, a: Parameters<IommufdCtx['hwptInvalidate']>[0]) => c.hwptInvalidate(a)),
  'iommufd.viommu_alloc': withCtx((c, a: Parameters<IommufdCtx['viommuAlloc']>[0]) => c.viommuAlloc(a)),
  'iommufd.vdevice_alloc': withCtx((c, a: Parameters<IommufdCtx['vdeviceAlloc']>[0]) => c.vdeviceAlloc(a)),
  'iommufd.fault_queue_alloc': withCtx((c, a: Parameters<IommufdCtx['faultQueueAlloc']>[0]) => c.faultQueueAlloc(a)),
};

/**
 * The userspace step registry: scenarios call step kinds by name with
 * plain arguments, refer to earlier outputs as `$label.field`, and say
 * what errno they expect. Every step is recorded.
 */
export class VfioSteps {
  /** Steps run so far. */
  readonly records: StepRecord[] = [];
  readonly #kinds = new Map<string, StepKind>(Object.entries(VFIO_STEP_KINDS));
  readonly #saved = new Map<string, Readonly<Record<string, unknown>>>();

  /** A registry running against `env`. */
  constructor(readonly env: StepEnv) {}

  /** Adds (or replaces) a step kind. */
  register(name: string, kind: StepKind): void {
    this.#kinds.set(name, kind);
  }

  /** The outputs saved under `label` (the `as` of an earlier run), or undefined. */
  output(label: string): Readonly<Record<string, unknown>> | undefined {
    return this.#saved.get(label);
  }

  /** The registered step kind names, sorted. */
  kinds(): string[] {
    return [...this.#kinds.keys()].sort();
  }

  #resolve(v: unknown, key: string): unknown {
    if (typeof v === 'string' && v.startsWith('$')) {
      const [label, field] = v.slice(1).split('.', 2) as [string, string | undefined];
      const out = this.#saved.get(label);
      if (out === undefined || field === undefined || !(field in out)) throw new StepError('unknown-reference', `no output ${v}`);
      return this.#resolve(out[field], key);
    }
    if (BIG.has(key) && (typeof v === 'number' || typeof v === 'string')) return BigInt(v);
    if (Array.isArray(v)) return (v as unknown[]).map((x: unknown) => (typeof x === 'object' && x !== null ? this.#resolveObj(x as StepArgs) : x));
    return v;
  }

  #resolveObj(args: StepArgs): StepArgs {
    return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, this.#resolve(v, k)]));
  }

  /**
   * Runs step `name` with `args`; `as` saves the outputs for `$as.field`
   * references; `expect` (a negative errno, 0, or a name like `EINVAL`)
   * is checked into the record's `ok`.
   */
  run(name: string, args: StepArgs = {}, opts: { readonly as?: string; readonly expect?: number | string } = {}): StepRecord {
    const kind = this.#kinds.get(name);
    if (kind === undefined) throw new StepError('unknown-step', `unknown step kind ${name}`);
    const resolved = this.#resolveObj(args);
    const r = kind(this.env, resolved);
    if (opts.as !== undefined) this.#saved.set(opts.as, r.out as Readonly<Record<string, unknown>>);
    const expect = typeof opts.expect === 'string' ? expectErrno(opts.expect) : opts.expect;
    const rec: StepRecord = {
      step: name,
      args: resolved,
      errno: r.errno,
      errnoName: r.errno === 0 ? '0' : errnoName(-r.errno) ?? String(r.errno),
      out: r.out,
      ...(expect !== undefined ? { expect } : {}),
      ok: expect === undefined || expect === r.errno,
    };
    this.records.push(rec);
    return rec;
  }
}

function expectErrno(name: string): number {
  if (name === '0' || name === 'ok') return 0;
  const key = name.replace(/^-/, '') as keyof typeof Errno;
  const v = Errno[key];
  if (typeof v !== 'number') throw new StepError('bad-argument', `unknown errno ${name}`);
  return -v;
}
