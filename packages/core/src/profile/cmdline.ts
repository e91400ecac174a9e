import type { FwDevlinkMode } from './profile.js';

/** One `param[=value]` of the command line, after quote removal. */
export interface CmdlineParam {
  /** Parameter name (`fw_devlink`, `virtio_iommu.dyndbg`). */
  readonly name: string;
  /** Value, or null for a bare word. */
  readonly value: string | null;
}

/** A message the kernel would print about the command line while booting. */
export interface CmdlineDiagnostic {
  /** printk level. */
  readonly level: 4 | 5;
  /** The line, as the kernel prints it. */
  readonly message: string;
}

// lib/cmdline.c: next_arg() — quotes group words and are removed; `a="b c"` keeps `b c`.
function splitArgs(s: string): CmdlineParam[] {
  const out: CmdlineParam[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    let inQuote = false;
    let word = '';
    while (i < s.length && (inQuote || !/\s/.test(s[i]!))) {
      if (s[i] === '"') inQuote = !inQuote;
      else word += s[i];
      i++;
    }
    const eq = word.indexOf('=');
    out.push(eq < 0 ? { name: word, value: null } : { name: word.slice(0, eq), value: word.slice(eq + 1) });
  }
  return out;
}

// kstrtobool(): 1/0, y/n, on/off (first chars), as the kernel accepts them.
function parseBool(v: string | null): boolean | undefined {
  if (v === null || v === '') return undefined;
  const s = v.toLowerCase();
  if (s === '1' || s[0] === 'y' || s === 'on') return true;
  if (s === '0' || s[0] === 'n' || s === 'of' || s === 'off') return false;
  return undefined;
}

// Parameters the kernel knows that kdsim reads but does not simulate, so they are
// not reported as unknown.
const KNOWN_UNMODELLED = new Set([
  'console', 'earlycon', 'earlyprintk', 'log_buf_len', 'panic', 'root', 'rootwait', 'rootfstype', 'ro', 'rw', 'init',
  'rdinit', 'quiet', 'debug', 'ignore_loglevel', 'initcall_debug', 'nokaslr', 'ip', 'nfsroot', 'iommu', 'intel_iommu',
  'amd_iommu', 'swiotlb', 'maxcpus', 'nosmp', 'mem', 'acpi', 'noapic', 'nomodeset', 'printk.time', 'clk_ignore_unused',
  'pd_ignore_unused', 'earlyprintk', 'crashkernel', 'efi', 'cma', 'selinux', 'apparmor', 'security',
]);

/**
 * The kernel command line, parsed for the parameters kdsim honours
 * (spec driver-core.md §5.5, §7.1, §4.9; iommu-vfio.md §1.7). Malformed or
 * unknown parameters are reported as the kernel reports them
 * ({@link KernelCmdline.diagnostics}), never thrown.
 */
export class KernelCmdline {
  /** Every parameter, in order. */
  readonly params: readonly CmdlineParam[];
  /** `fw_devlink=` (unrecognised values are ignored, as core.c does). */
  readonly fwDevlink?: FwDevlinkMode;
  /** `fw_devlink.strict=` */
  readonly fwDevlinkStrict: boolean | undefined;
  /** `fw_devlink.sync_state=` */
  readonly fwDevlinkSyncState?: 'strict' | 'timeout';
  /** `deferred_probe_timeout=` in seconds. */
  readonly deferredProbeTimeout?: number;
  /** `driver_async_probe=` names (may include `*`). */
  readonly driverAsyncProbe: readonly string[];
  /** `iommu.passthrough=` */
  readonly iommuPassthrough: boolean | undefined;
  /** `iommu.strict=` */
  readonly iommuStrict: boolean | undefined;
  /** `loglevel=` (console loglevel). */
  readonly loglevel?: number;
  /** `dyndbg=` queries, and `<module>.dyndbg=` module names. */
  readonly dyndbg: readonly string[];
  /** Modules whose debug sites `<module>.dyndbg=+p` enabled. */
  readonly dyndbgModules: readonly string[];
  /** `<module>.<param>=` values for modules (a module reads them when loaded). */
  readonly moduleParams: ReadonlyMap<string, ReadonlyMap<string, string | null>>;
  /** Parameters passed on to init (unknown words without a dot). */
  readonly initArgs: readonly CmdlineParam[];
  /** What the kernel prints about the command line. */
  readonly diagnostics: readonly CmdlineDiagnostic[];

  /**
   * `raw` parsed, shared with every earlier caller that gave the same text: a command line is
   * read-only once parsed, and an exploration boots thousands of kernels with one.
   */
  static parse(raw: string): KernelCmdline {
    let c = PARSED.get(raw);
    if (c === undefined) {
      // A bound, not a leak: a process that boots many command lines parses them again.
      if (PARSED.size >= 64) PARSED.clear();
      c = new KernelCmdline(raw);
      PARSED.set(raw, c);
    }
    return c;
  }

  /** Parses `raw`. */
  constructor(readonly raw = '') {
    this.params = splitArgs(raw);
    const diag: CmdlineDiagnostic[] = [];
    const asyncNames: string[] = [];
    const dyndbg: string[] = [];
    const dyndbgModules: string[] = [];
    const moduleParams = new Map<string, Map<string, string | null>>();
    const initArgs: CmdlineParam[] = [];
    // init/main.c: do_early_param() — a setup function that fails prints this.
    const malformed = (p: CmdlineParam): void => void diag.push({ level: 4, message: `Malformed early option '${p.name}'` });
    // A kstrtobool() early_param: a bad value leaves the default and is reported.
    const earlyBool = (p: CmdlineParam): boolean | undefined => {
      const b = parseBool(p.value);
      if (b === undefined) malformed(p);
      return b;
    };
    for (const p of this.params) {
      switch (p.name) {
        case 'fw_devlink':
          // core.c: fw_devlink_setup(): no value is an error, unknown values are ignored.
          if (p.value === null) malformed(p);
          else if (['off', 'permissive', 'on', 'rpm'].includes(p.value)) this.fwDevlink = p.value as FwDevlinkMode;
          break;
        case 'fw_devlink.strict':
          this.fwDevlinkStrict = earlyBool(p) ?? this.fwDevlinkStrict;
          break;
        case 'fw_devlink.sync_state':
          if (p.value === 'strict' || p.value === 'timeout') this.fwDevlinkSyncState = p.value;
          else if (p.value === null) malformed(p);
          break;
        case 'deferred_probe_timeout':
          // dd.c: deferred_probe_timeout_setup() ignores a value kstrtoint() rejects.
          if (p.value !== null && /^[+-]?\d+$/.test(p.value)) this.deferredProbeTimeout = Number(p.value);
          break;
        case 'driver_async_probe':
          if (p.value !== null) asyncNames.push(...p.value.split(',').filter((s) => s !== ''));
          break;
        case 'iommu.passthrough':
          this.iommuPassthrough = earlyBool(p) ?? this.iommuPassthrough;
          break;
        case 'iommu.strict':
          this.iommuStrict = earlyBool(p) ?? this.iommuStrict;
          break;
        case 'loglevel':
          if (p.value !== null && /^\d+$/.test(p.value)) this.loglevel = Number(p.value);
          else malformed(p);
          break;
        case 'dyndbg':
          if (p.value !== null) dyndbg.push(p.value);
          break;
        default: {
          const dot = p.name.indexOf('.');
          if (dot > 0) {
            const mod = p.name.slice(0, dot).replace(/-/g, '_');
            const param = p.name.slice(dot + 1);
            if (param === 'dyndbg') dyndbgModules.push(mod);
            let m = moduleParams.get(mod);
            if (!m) moduleParams.set(mod, (m = new Map<string, string | null>()));
            m.set(param, p.value);
          } else if (!KNOWN_UNMODELLED.has(p.name)) initArgs.push(p);
        }
      }
    }
    // init/main.c: print_unknown_bootoptions()
    if (initArgs.length > 0) {
      const words = initArgs.map((p) => (p.value === null ? p.name : `${p.name}=${p.value}`)).join(' ');
      diag.push({ level: 5, message: `Unknown kernel command line parameters "${words}", will be passed to user space.` });
    }
    this.driverAsyncProbe = asyncNames;
    this.dyndbg = dyndbg;
    this.dyndbgModules = dyndbgModules;
    this.moduleParams = moduleParams;
    this.initArgs = initArgs;
    this.diagnostics = diag;
  }

  /** The value of a parameter as given (last one wins), or undefined. */
  get(name: string): string | null | undefined {
    let v: string | null | undefined;
    for (const p of this.params) if (p.name === name) v = p.value;
    return v;
  }
}

// Command lines by their text (KernelCmdline.parse()).
const PARSED = new Map<string, KernelCmdline>();
