// Legacy deferred probe (no device links): a random DAG of devices, each with
// up to 3 suppliers; a device's probe returns -EPROBE_DEFER while any supplier
// is unbound. The driver is built in; the devices are hot-added in random
// order once the system runs (deferred probe enabled), one add per step, so
// every bind retries the whole pending list — the quadratic worst case of the
// list algorithm that fw_devlink was made to avoid. Each add waits for the
// deferred work to drain, so the bare model below sees the same interleaving.
import { createHash } from 'node:crypto';
import { BusType, Errno, Kernel, KernelModule, mulberry32 } from '@kdsim/core';

/** A random DAG: suppliers of i are among 0..i-1; `order` is a random registration order. */
export function randomDag(n, seed, maxSuppliers = 3) {
  const rand = mulberry32(seed);
  const suppliers = [];
  for (let i = 0; i < n; i++) {
    const s = new Set();
    const want = i === 0 ? 0 : Math.floor(rand() * (maxSuppliers + 1));
    for (let j = 0; j < want; j++) s.add(Math.floor(rand() * i));
    suppliers.push([...s]);
  }
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return { n, suppliers, order };
}

class BenchBus extends BusType {
  name = 'bench';
  match() {
    return 1;
  }
}

/** Boots the DAG in kdsim; returns the kernel. */
export function bootKdsim(dag, { cmdline = '', klogCapacity } = {}) {
  const bus = new BenchBus();
  const devs = new Array(dag.n);
  const index = new Map();
  const probe = (dev) => {
    for (const s of dag.suppliers[index.get(dev)]) if (devs[s]?.bound !== true) return -Errno.EPROBE_DEFER;
    return 0;
  };
  const builtin = [
    new KernelModule('bench_bus', { initcalls: [{ level: 'core', name: 'bench_bus_init', fn: (k) => k.busRegister(bus) }] }),
    new KernelModule('bench_driver', { initcalls: [{ level: 'device', name: 'bench_init', fn: (k) => k.driverRegister({ name: 'dag', bus, probe }) }] }),
  ];
  function* hotplug(k) {
    for (const i of dag.order) {
      const dev = k.deviceCreate({ name: `dev${i}`, bus });
      devs[i] = dev;
      index.set(dev, i);
      k.deviceAdd(dev);
      // Like `udevadm settle` between hot-adds: let the deferred work drain.
      yield { until: () => !k.deferred.busy, what: 'settle' };
    }
  }
  const userspace = [{ kind: 'run', name: 'hotplug', fn: hotplug }];
  const k = new Kernel({ builtin, userspace, cmdline: `deferred_probe_timeout=-1 ${cmdline}`, ...(klogCapacity ? { klogCapacity } : {}) });
  k.boot();
  return k;
}

/** The same algorithm on bare arrays: dd.c's lists and nothing else. */
export function bootBare(dag) {
  const { n, suppliers, order } = dag;
  const bound = new Uint8Array(n);
  let attempts = 0;
  let pending = [];
  let enabled = false;
  const active = [];
  const probe = (i) => {
    attempts++;
    for (const s of suppliers[i]) if (!bound[s]) return false;
    return true;
  };
  const onPending = new Uint8Array(n);
  const trigger = () => {
    if (!enabled) return;
    for (const i of pending) active.push(i);
    pending = [];
  };
  const attach = (i) => {
    if (probe(i)) {
      bound[i] = 1;
      if (onPending[i]) {
        onPending[i] = 0;
        pending = pending.filter((x) => x !== i);
      }
      trigger();
    } else if (!onPending[i]) {
      onPending[i] = 1;
      pending.push(i);
    }
  };
  enabled = true;
  let head = 0;
  for (const i of order) {
    attach(i); // device_add → initial probe
    for (; head < active.length; head++) { // then the deferred work drains the active list
      const j = active[head];
      onPending[j] = 0;
      attach(j);
    }
  }
  return { attempts, bound: bound.reduce((a, b) => a + b, 0) };
}

/** Runs the benchmark and returns its figures. */
export function legacyDeferredBench({ n = 5000, seed = 42 } = {}) {
  const dag = randomDag(n, seed);
  bootKdsim(randomDag(200, 1)); // warm up the JIT
  const t0 = performance.now();
  const k = bootKdsim(dag);
  const ms = performance.now() - t0;
  bootBare(dag);
  const bare0 = performance.now();
  let bare;
  const bareRuns = 3;
  for (let r = 0; r < bareRuns; r++) bare = bootBare(dag);
  const bareMs = (performance.now() - bare0) / bareRuns;
  const attempts = k.stats.probeAttempts;
  if (attempts !== bare.attempts) throw new Error(`kdsim made ${attempts} attempts but the bare model ${bare.attempts}`);
  if (k.stats.binds !== n || bare.bound !== n) throw new Error('not every device bound');

  // Memory per device: heap growth of a second boot, klog ring included.
  let perDevice = NaN;
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    const before = process.memoryUsage().heapUsed;
    const keep = bootKdsim(dag);
    globalThis.gc();
    perDevice = (process.memoryUsage().heapUsed - before) / n;
    if (keep.stats.binds !== n) throw new Error('unreachable');
  }

  // Same seed → byte-identical klog (debug lines on, so every step is in it).
  const hash = () => createHash('sha256').update(bootKdsim(randomDag(1000, seed), { cmdline: 'dyndbg="file drivers/base/dd.c +p; file drivers/base/core.c +p; file drivers/base/bus.c +p"', klogCapacity: 1 << 20 }).dmesg()).digest('hex');
  const h1 = hash();
  const h2 = hash();

  return {
    legacy_devices: { value: n, unit: 'devices' },
    legacy_attempts: { value: attempts, unit: 'attempts' },
    legacy_boot_ms: { value: round(ms), unit: 'ms' },
    legacy_attempts_per_s: { value: Math.round(attempts / (ms / 1000)), unit: 'attempts/s' },
    legacy_bare_ms: { value: round(bareMs), unit: 'ms' },
    legacy_ratio_kdsim_over_bare: { value: round(ms / bareMs), unit: 'x' },
    legacy_bytes_per_device: { value: Math.round(perDevice), unit: 'bytes' },
    legacy_klog_deterministic: { value: h1 === h2 ? 1 : 0, unit: 'bool' },
    legacy_klog_sha256: { value: h1.slice(0, 16), unit: 'hash' },
  };
}

function round(x) {
  return Math.round(x * 100) / 100;
}
