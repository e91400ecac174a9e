// VFIO and iommufd in scenarios: the userspace step kinds of @kdsim/vfio by
// name, the vfio and vfio_pci modules in the catalogue, and the
// bind_pasid_table policy.
import { Errno, Kernel, KernelModule, LogLevel } from '@kdsim/core';
import { PciDevice, pciDriver } from '@kdsim/bus-pci';
import { IOMMU_HWPT_ALLOC, msiDeviceHasIsolatedMsi } from '@kdsim/iommu';
import {
  DEFAULT_VFIO_CONFIG, IOMMU_IOAS_MAP, IommuViommuType, PasidTableModel, PasidTablePolicy, RfcPasidTablePolicy, StepError,
  VFIO_EXT, VFIO_STEP_KINDS, VfioCore, VfioProcess, VfioSteps, vfioModule, type StepKind as VfioStepKind, type StepRecord,
} from '@kdsim/vfio';
import { vfioPciDriver } from '@kdsim/vfio-pci';
import { moduleEntry, type DriverEntry, type PolicyEntry, type ScenarioRegistry, type StepKind, type StepMeta } from './registry.js';

/** The 2017 VFIO_IOMMU_(UN)BIND_PASID_TABLE container ioctls (exist only with the `bind_pasid_table` policy). */
const PASID_TABLE_STEPS: Readonly<Record<string, VfioStepKind>> = {
  'vfio.bind_pasid_table': (env, a) => env.proc.bindPasidTable(Number(a['fd']), { ptr: BigInt(a['ptr'] as bigint), size: Number(a['size']), model: Number(a['model']) }),
  'vfio.unbind_pasid_table': (env, a) => env.proc.unbindPasidTable(Number(a['fd'])),
};

const IOMMUFD_COMMON = ['fd', 'size', 'trailingNonZero'];

/** The arguments each step kind takes (anything else is a located error at load time). */
export const VFIO_STEP_ARGS: Readonly<Record<string, readonly string[]>> = {
  'sysfs.driver_override': ['device', 'driver'],
  'sysfs.unbind': ['device'],
  'sysfs.bind': ['device', 'driver'],
  'mm.mmap': ['length'],
  'vfio.open': ['path'],
  'vfio.close': ['fd'],
  'vfio.group_get_status': ['fd'],
  'vfio.group_set_container': ['fd', 'container'],
  'vfio.group_unset_container': ['fd'],
  'vfio.group_get_device_fd': ['fd', 'name'],
  'vfio.check_extension': ['fd', 'ext'],
  'vfio.set_iommu': ['fd', 'type'],
  'vfio.iommu_map_dma': ['fd', 'vaddr', 'iova', 'size'],
  'vfio.iommu_unmap_dma': ['fd', 'iova', 'size'],
  'vfio.bind_iommufd': ['fd', 'iommufd', 'argsz', 'flags'],
  'vfio.attach_pt': ['fd', 'argsz', 'flags', 'ptId', 'pasid'],
  'vfio.detach_pt': ['fd', 'argsz', 'flags', 'pasid'],
  'vfio.bind_pasid_table': ['fd', 'ptr', 'size', 'model'],
  'vfio.unbind_pasid_table': ['fd'],
  'kvm.vfio_add': ['fd'],
  'kvm.vfio_del': ['fd'],
  'iommufd.destroy': [...IOMMUFD_COMMON, 'id'],
  'iommufd.ioas_alloc': [...IOMMUFD_COMMON, 'flags'],
  'iommufd.ioas_map': [...IOMMUFD_COMMON, 'flags', 'ioasId', 'reserved', 'userVa', 'length', 'iova'],
  'iommufd.ioas_unmap': [...IOMMUFD_COMMON, 'ioasId', 'iova', 'length'],
  'iommufd.ioas_copy': [...IOMMUFD_COMMON, 'flags', 'dstIoasId', 'srcIoasId', 'length', 'dstIova', 'srcIova'],
  'iommufd.ioas_iova_ranges': [...IOMMUFD_COMMON, 'ioasId', 'numIovas', 'reserved'],
  'iommufd.ioas_allow_iovas': [...IOMMUFD_COMMON, 'ioasId', 'allowedIovas', 'reserved'],
  'iommufd.hwpt_alloc': [...IOMMUFD_COMMON, 'flags', 'devId', 'ptId', 'reserved', 'data', 'dataLen', 'faultId'],
  'iommufd.get_hw_info': [...IOMMUFD_COMMON, 'flags', 'devId', 'dataLen', 'inDataType', 'reserved'],
  'iommufd.hwpt_invalidate': [...IOMMUFD_COMMON, 'hwptId', 'dataType', 'entryLen', 'entries', 'entryNum', 'nullData', 'reserved'],
  'iommufd.viommu_alloc': [...IOMMUFD_COMMON, 'flags', 'type', 'devId', 'hwptId', 'data'],
  'iommufd.vdevice_alloc': [...IOMMUFD_COMMON, 'viommuId', 'devId', 'virtId'],
  'iommufd.fault_queue_alloc': [...IOMMUFD_COMMON, 'flags'],
};

/** uapi constant names an argument may use instead of a number (`type: TYPE1v2_IOMMU`, `flags: READABLE|WRITEABLE`). */
const SYMBOLS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'vfio.set_iommu/type': VFIO_EXT,
  'vfio.check_extension/ext': VFIO_EXT,
  'vfio.bind_pasid_table/model': PasidTableModel,
  'iommufd.hwpt_alloc/flags': IOMMU_HWPT_ALLOC,
  'iommufd.ioas_map/flags': IOMMU_IOAS_MAP,
  'iommufd.ioas_copy/flags': IOMMU_IOAS_MAP,
  'iommufd.viommu_alloc/type': IommuViommuType,
};

/** `A|B` of names in `table` as a number, or undefined when a name is unknown. */
function symbolValue(text: string, table: Readonly<Record<string, number>>): number | undefined {
  let v = 0;
  for (const name of text.split('|').map((s) => s.trim())) {
    const n = table[name];
    if (n === undefined) return undefined;
    v |= n;
  }
  return v;
}

/** The labels `$label.field` strings in `v` refer to, with their JSON-pointer suffixes. */
function references(v: unknown, at: string): { label: string; at: string }[] {
  if (typeof v === 'string') {
    const m = /^\$([^.]+)\.(.+)$/.exec(v);
    if (m !== null) return [{ label: m[1]!, at }];
    if (v.startsWith('$')) return [{ label: '', at }];
    return [];
  }
  if (Array.isArray(v)) return v.flatMap((x: unknown, i) => references(x, `${at}/${i}`));
  if (typeof v === 'object' && v !== null) return Object.entries(v).flatMap(([k, x]) => references(x, `${at}/${k}`));
  return [];
}

/** Per-run step state (the process, saved outputs): one per kernel, kept in the kernel. */
const VFIO_STEPS = Symbol('scenario VFIO steps');

// The run's step state, if a VFIO step made it.
function existingSteps(k: Kernel): VfioSteps | undefined {
  return k.locals.get(VFIO_STEPS) as VfioSteps | undefined;
}

function stepsOf(k: Kernel): VfioSteps {
  let s = existingSteps(k);
  if (s === undefined) {
    let proc: VfioProcess | undefined;
    s = new VfioSteps({
      k,
      // One user process for the whole scenario, created at its first VFIO call.
      get proc(): VfioProcess {
        proc ??= new VfioProcess(k.container.get(VfioCore));
        return proc;
      },
      // The machine's `noSnoop: true` PCI functions (Linux itself never reads the capability).
      noSnoop: (dev) => dev instanceof PciDevice && dev.noSnoop,
    });
    for (const [name, kind] of Object.entries(PASID_TABLE_STEPS)) s.register(name, kind);
    k.locals.set(VFIO_STEPS, s);
  }
  return s;
}

/** The VFIO/iommufd/KVM steps run so far on kernel `k`, with their outputs (empty before the first). */
export function vfioStepRecords(k: Kernel): readonly StepRecord[] {
  return existingSteps(k)?.records ?? [];
}

/** The outputs of the VFIO/iommufd/KVM step with id `id` on kernel `k` (what `$id.field` reads), or undefined if it did not run. */
export function vfioStepOutput(k: Kernel, id: string): Readonly<Record<string, unknown>> | undefined {
  return existingSteps(k)?.output(id);
}

/** A scenario step kind running VFIO/iommufd step `name` through the run's {@link VfioSteps}. */
function vfioStepKind(name: string): StepKind {
  const allowed = VFIO_STEP_ARGS[name] ?? [];
  const needsVfio = !name.startsWith('sysfs.');
  return {
    name,
    description: `VFIO/iommufd userspace call ${name} (${allowed.join(', ') || 'no arguments'}); outputs as $id.field`,
    parse(arg: unknown, meta: StepMeta) {
      const args: Record<string, unknown> = {};
      if (arg !== null && arg !== undefined) {
        if (typeof arg !== 'object' || Array.isArray(arg)) return { error: `expected a map of arguments (${allowed.join(', ')})` };
        Object.assign(args, arg);
      }
      for (const key of Object.keys(args)) {
        if (!allowed.includes(key)) throw meta.error(`unknown argument '${key}'; expected ${allowed.join(', ')}`, `/${key}`);
        const table = SYMBOLS[`${name}/${key}`];
        const v = args[key];
        if (table !== undefined && typeof v === 'string' && !v.startsWith('$') && !/^(0x[0-9a-f]+|\d+)$/i.test(v)) {
          const n = symbolValue(v, table);
          if (n === undefined) throw meta.error(`unknown ${key} '${v}'; expected a number or ${Object.keys(table).join(', ')} (joined with |)`, `/${key}`);
          args[key] = n;
        }
      }
      for (const ref of references(args, '')) {
        if (!meta.earlier.includes(ref.label)) {
          throw meta.error(`reference to '${ref.label}' which is not the id of an earlier step; expected $<id>.<field> (earlier ids: ${meta.earlier.join(', ') || 'none'})`, ref.at);
        }
      }
      return (k: Kernel) => {
        // Without CONFIG_VFIO there are no /dev/vfio nodes and no fds to call ioctls on.
        if (needsVfio && !k.container.isBound(VfioCore)) return name === 'vfio.open' ? -Errno.ENOENT : -Errno.EBADF;
        try {
          return stepsOf(k).run(name, args, { as: meta.id }).errno;
        } catch (e) {
          if (e instanceof StepError) throw meta.error(e.message);
          throw e;
        }
      };
    },
  };
}

/** Every VFIO/iommufd step kind (`vfio.open`, `iommufd.hwpt_alloc`, ...) as a scenario step. */
export function vfioStepKinds(): StepKind[] {
  return [...Object.keys(VFIO_STEP_KINDS), ...Object.keys(PASID_TABLE_STEPS)].map(vfioStepKind);
}

/** A boolean module parameter from the command line (modprobe passes `<module>.<param>=` when it loads the module). */
function moduleParamOn(k: Kernel, module: string, param: string): boolean {
  const v = k.cmdline.moduleParams.get(module)?.get(param);
  return v === null || (v !== undefined && /^(1|y|Y|true|on)$/.test(v));
}

/**
 * CONFIG_VFIO (with IOMMUFD, type1 and CONFIG_VFIO_NOIOMMU, as Debian builds
 * it) as the `vfio` module: `vfio.enable_unsafe_noiommu_mode=1` on the
 * command line turns no-IOMMU mode on, `vfio_iommu_type1.allow_unsafe_interrupts=1`
 * and `iommufd.allow_unsafe_interrupts=1` accept devices whose MSIs the platform
 * cannot isolate (msiDeviceHasIsolatedMsi(): a GICv3 ITS can, a GICv2m frame or x86
 * without interrupt remapping cannot).
 */
export const vfioScenarioModule = new KernelModule('vfio', {
  services: ({ bind }) => {
    bind(VfioCore).toResolvedValue((k: Kernel) => new VfioCore(k, {
      ...DEFAULT_VFIO_CONFIG,
      noiommu: moduleParamOn(k, 'vfio', 'enable_unsafe_noiommu_mode'),
      type1AllowUnsafeInterrupts: moduleParamOn(k, 'vfio_iommu_type1', 'allow_unsafe_interrupts'),
      iommufdAllowUnsafeInterrupts: moduleParamOn(k, 'iommufd', 'allow_unsafe_interrupts'),
      isolatedMsi: (dev) => msiDeviceHasIsolatedMsi(k, dev),
    }), [Kernel]).inSingletonScope();
  },
  initcalls: vfioModule().initcalls,
});

/** vfio_pci.ko: registers vfio-pci (vfio_pci.c: vfio_pci_init()) on the PCI bus; without vfio loaded its symbols do not resolve. */
export const vfioPciScenarioModule = new KernelModule('vfio_pci', {
  initcalls: [{
    level: 'device',
    name: 'vfio_pci_init',
    fn: (k) => {
      // insmod without its dependency: the loader cannot resolve vfio's exports.
      if (!k.container.isBound(VfioCore)) {
        k.printk(LogLevel.WARNING, 'vfio_pci: Unknown symbol vfio_register_group_dev (err -2)');
        return -Errno.ENOENT;
      }
      const bus = k.buses.get('pci');
      if (bus === undefined) return -Errno.ENODEV;
      // vfio_pci.c: an empty id table (ids= unset): it binds through driver_override.
      const core = vfioPciDriver(bus, () => k);
      return k.driverRegister(pciDriver(bus, {
        name: core.name, idTable: [], driverManagedDma: true,
        probe: (dev) => core.probe!(dev), remove: (dev) => core.remove!(dev),
      }));
    },
  }],
});

/** The catalogue entries: `vfio` and `vfio_pci`. */
export function vfioCatalogueEntries(): DriverEntry[] {
  return [
    moduleEntry(vfioScenarioModule, 'Linux module vfio (+ iommufd, vfio_iommu_type1): groups, containers, the device cdev (@kdsim/vfio)'),
    moduleEntry(vfioPciScenarioModule, 'Linux module vfio_pci: the VFIO PCI driver, bound through driver_override (@kdsim/vfio-pci)'),
  ];
}

/** Policy `bind_pasid_table`: `off` (mainline: the ioctl does not exist) or `rfc` (the 2017 proposal's rules). */
export const bindPasidTablePolicy: PolicyEntry = {
  name: 'bind_pasid_table',
  description: 'the never-merged VFIO_IOMMU_BIND_PASID_TABLE (2017 RFC): off (mainline) or rfc',
  variants: ['off', 'rfc'],
  resolve(value) {
    if (value === 'off') return () => undefined;
    if (value === 'rfc' || value === 'on') return (c) => { c.bind(PasidTablePolicy).toConstantValue(new RfcPasidTablePolicy()); };
    return { error: 'expected off or rfc' };
  },
};

/** Adds the VFIO step kinds and the bind_pasid_table policy to `r` (the modules are in the catalogue). */
export function registerVfio(r: ScenarioRegistry): ScenarioRegistry {
  for (const s of vfioStepKinds()) r.addStep(s);
  return r.addPolicy(bindPasidTablePolicy);
}
