// fw_devlink at scale: a 20 000-device tree with random supplier references,
// fw_devlink=on, every supplier with a driver, devices registered in a random
// (parents-first) order at arch_initcall_sync, drivers at device_initcall.
// Reports probe attempts, both ways of counting them (driver probe() calls and
// really_probe() entries, which include the link-gated deferrals), and the wall
// time of the boot. `npm run bench` runs it as a section; standalone, after
// `npm run build`:
//   node bench/fwdevlink.js [--devices N] [--seed S] [--verbose]
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Kernel, KernelModule, SimpleBus, SoftwareNode, mulberry32 } from '@kdsim/core';

const DRIVERS = 8;
const BUSES = 100;
const ROOTS = 20;

// A devicetree-shaped tree: a root bus, BUSES child buses, devices spread over
// them (one in ten is the child of another device, as MFD cells are). Suppliers
// come in an SoC's tiers: ROOTS root providers (oscillators, PMIC rails), one
// device in twenty a controller (clocks, resets, power domains) that consumes
// one or two root providers and sometimes another controller, and every other
// device consumes one to three random providers of either tier.
function build(n, rand) {
  const bus = new SimpleBus('platform');
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const root = new SoftwareNode('soc', null, { compatible: ['kdsim,bench-bus'] });
  const buses = [];
  for (let b = 0; b < BUSES; b++) buses.push(new SoftwareNode(`bus@${b.toString(16)}`, root, { compatible: ['kdsim,bench-bus'] }));
  const devices = [];
  const roots = [];
  const controllers = [];
  for (let i = 1 + BUSES; i < n; i++) {
    const parent = devices.length > 0 && rand() < 0.1 ? pick(devices) : pick(buses);
    const props = { compatible: [`kdsim,bench-${i % DRIVERS}`] };
    const refs = [];
    const tier = roots.length < ROOTS ? 'root' : rand() < 0.05 ? 'controller' : 'leaf';
    if (tier === 'controller') {
      for (let r = 1 + Math.floor(rand() * 2); r > 0; r--) refs.push({ node: pick(roots) });
      if (controllers.length > 0 && rand() < 0.2) refs.push({ node: pick(controllers) });
    } else if (tier === 'leaf') {
      const pool = rand() < 0.8 && controllers.length > 0 ? controllers : roots;
      for (let r = 1 + Math.floor(rand() * 3); r > 0; r--) refs.push({ node: pick(pool) });
    }
    if (refs.length > 0) props.clocks = refs;
    if (tier !== 'leaf') props['#clock-cells'] = [0];
    const node = new SoftwareNode(`dev@${i.toString(16)}`, parent, props);
    devices.push(node);
    if (tier === 'root') roots.push(node);
    if (tier === 'controller') controllers.push(node);
  }
  // A random registration order in which every parent comes before its children.
  const order = [];
  const ready = [root];
  while (ready.length > 0) {
    const j = Math.floor(rand() * ready.length);
    const node = ready[j];
    ready[j] = ready[ready.length - 1];
    ready.pop();
    order.push(node);
    for (const c of node.children) ready.push(c);
  }
  return { bus, order };
}

/**
 * Boots the tree once. Returns the kernel, the wall time of the boot, the
 * number of driver probe() calls, how many really_probe() entries and binds
 * happened before deferred probe was enabled (the drivers' own driver_attach() walks),
 * and the CPU time of the populate and driver-registration initcalls.
 */
export function bootFwdevlink({ devices = 20_000, seed = 1, cmdline = '', klogCapacity = 1024 } = {}) {
  const { bus, order } = build(devices, mulberry32(seed));
  let driverProbes = 0;
  const drivers = [{ name: 'bench-bus', bus, matchTable: ['kdsim,bench-bus'] }, ...Array.from({ length: DRIVERS }, (_, i) => ({
    name: `bench-${i}`,
    bus,
    matchTable: [`kdsim,bench-${i}`],
    probe: () => {
      driverProbes++;
      return 0;
    },
  }))];
  const phases = {};
  const timed = (name, fn) => (k) => {
    const t = process.cpuUsage();
    const r = fn(k);
    const d = process.cpuUsage(t);
    phases[name] = (d.user + d.system) / 1000;
    return r;
  };
  let attachAttempts = 0;
  let attachBinds = 0;
  const populate = (k) => {
    const devs = new Map();
    for (const fw of order) {
      const parent = fw.parent === null ? null : devs.get(fw.parent);
      devs.set(fw, k.deviceRegister({ name: fw.name, bus, fwnode: fw, parent }));
    }
  };
  const registerDrivers = (k) => {
    for (const d of drivers) k.driverRegister(d);
    attachAttempts = k.stats.probeAttempts;
    attachBinds = k.stats.binds;
  };
  const builtin = [
    new KernelModule('bus', { initcalls: [{ level: 'core', name: 'bus_init', fn: (k) => k.busRegister(bus) }] }),
    new KernelModule('drivers', { initcalls: [{ level: 'device', name: 'drivers_init', fn: timed('drivers', registerDrivers) }] }),
    // As with a devicetree: every device exists (arch_initcall_sync) before drivers register.
    new KernelModule('populate', { initcalls: [{ level: 'arch_sync', name: 'populate', fn: timed('populate', populate) }] }),
  ];
  globalThis.gc?.(); // the tree and the previous boot are not part of this boot
  const t0 = performance.now();
  const k = new Kernel({ cmdline: `fw_devlink=on ${cmdline}`, builtin, klogCapacity });
  k.boot();
  const ms = performance.now() - t0;
  return { k, ms, driverProbes, attachAttempts, attachBinds, phases };
}

// The klog of a boot with every driver-core debug site on, the final
// devices_kset order and the bind order: what must not change when the core
// gets faster.
function behaviourHash(devices, seed) {
  const dyndbg = 'dyndbg="file drivers/base/dd.c +p; file drivers/base/core.c +p; file drivers/base/bus.c +p"';
  const { k } = bootFwdevlink({ devices, seed, cmdline: dyndbg, klogCapacity: 1 << 22 });
  const h = createHash('sha256').update(k.dmesg());
  for (const d of k.devicesKset) h.update(`${d.name}\n`);
  for (const d of k.bindOrder) h.update(`${d.name}\n`);
  return h.digest('hex');
}

/** Runs the benchmark (one warm-up boot, then the best of `runs`) and returns its figures. */
export function fwdevlinkBench({ devices = 20_000, seed = 1, runs = 3 } = {}) {
  bootFwdevlink({ devices, seed }); // warm up the JIT
  let best;
  for (let i = 0; i < runs; i++) {
    const r = bootFwdevlink({ devices, seed });
    if (best === undefined || r.ms < best.ms) best = r;
  }
  const { k } = best;
  const unbound = k.devices.filter((d) => !d.bound).length;
  if (unbound !== 0) throw new Error(`fwdevlink bench: ${unbound} devices did not bind`);
  const h1 = behaviourHash(2000, seed);
  const h2 = behaviourHash(2000, seed);
  return {
    fwdevlink_devices: { value: devices, unit: 'devices' },
    fwdevlink_driver_probes: { value: best.driverProbes, unit: 'probe() calls' },
    fwdevlink_really_probe: { value: k.stats.probeAttempts, unit: 'attempts' },
    fwdevlink_really_probe_attach: { value: best.attachAttempts, unit: 'attempts' },
    fwdevlink_bound_in_attach: { value: best.attachBinds, unit: 'devices' },
    fwdevlink_really_probe_deferred: { value: k.stats.probeAttempts - best.attachAttempts, unit: 'attempts' },
    fwdevlink_links: { value: k.links.all().length, unit: 'links' },
    fwdevlink_boot_ms: { value: Math.round(best.ms * 10) / 10, unit: 'ms' },
    fwdevlink_populate_cpu_ms: { value: Math.round(best.phases.populate), unit: 'ms' },
    fwdevlink_drivers_cpu_ms: { value: Math.round(best.phases.drivers), unit: 'ms' },
    fwdevlink_klog_deterministic: { value: h1 === h2 ? 1 : 0, unit: 'bool' },
    fwdevlink_klog_sha256: { value: h1.slice(0, 16), unit: 'hash' },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, def) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : def;
  };
  const figures = fwdevlinkBench({ devices: opt('devices', 20_000), seed: opt('seed', 1), runs: opt('runs', 3) });
  if (args.includes('--verbose')) for (const [name, { value, unit }] of Object.entries(figures)) console.error(`${name.padEnd(32)} ${String(value).padStart(10)} ${unit}`);
  console.log(JSON.stringify(figures));
}
