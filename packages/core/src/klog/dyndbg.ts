/**
 * Dynamic debug control (lib/dynamic_debug.c), reduced to what kdsim prints:
 * `dev_dbg()`/`pr_debug()` sites are identified by their source file and
 * module, and a site prints only when a `dyndbg` query enabled it.
 */
export class DynamicDebug {
  readonly #files = new Set<string>();
  readonly #modules = new Set<string>();
  #all = false;

  /**
   * Applies a query string as `dyndbg="..."` takes it: `;`-separated commands
   * like `file drivers/base/dd.c +p`, `module virtio_iommu +p`, `+p` (all).
   * Returns the commands it could not understand.
   */
  apply(query: string): string[] {
    const bad: string[] = [];
    for (const raw of query.split(/[;\n]/)) {
      const cmd = raw.trim();
      if (cmd === '') continue;
      const m = /^(?:(file|module|func)\s+(\S+)\s+)?([+-=])([pflmt_]*)$/.exec(cmd);
      if (!m) {
        bad.push(cmd);
        continue;
      }
      const [, keyword, value, op, flags] = m;
      const on = op !== '-' && flags!.includes('p');
      if (keyword === undefined) this.#all = on;
      else if (keyword === 'file') this.#set(this.#files, normaliseFile(value!), on);
      else if (keyword === 'module') this.#set(this.#modules, normaliseModule(value!), on);
      // `func` queries are accepted; kdsim's debug sites are keyed by file and module.
    }
    return bad;
  }

  /** Enables every debug site of `module` (the `<module>.dyndbg=+p` form). */
  enableModule(module: string): void {
    this.#modules.add(normaliseModule(module));
  }

  /** True if a site in `file` (belonging to `module`) prints. */
  enabled(file: string, module?: string): boolean {
    return this.#all || this.#files.has(file) || (module !== undefined && this.#modules.has(normaliseModule(module)));
  }

  #set(set: Set<string>, key: string, on: boolean): void {
    if (on) set.add(key);
    else set.delete(key);
  }
}

// dynamic_debug.c matches `file` against the path relative to the source tree, or its basename.
function normaliseFile(f: string): string {
  return f.replace(/^\.\//, '');
}

/** Module names compare with `-` and `_` equal, as modprobe treats them. */
export function normaliseModule(m: string): string {
  return m.replace(/-/g, '_');
}
