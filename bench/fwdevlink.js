// fw_devlink at scale: a 20 000-device tree with random supplier references,
// fw_devlink=on, every supplier with a driver, devices registered in a random
// (parents-first) order at arch_initcall_sync, drivers at device_initcall. Reports probe attempts (really_probe() entries) and the
// wall time of the boot as one JSON line. Run after `npm run build`:
//   node bench/fwdevlink.js [--devices N] [--seed S]
import { Kernel, KernelModule, SimpleBus, SoftwareNode, mulberry32 } from '@kdsim/core';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const N = opt('devices', 20_000);
const SEED = opt('seed', 1);
const DRIVERS = 8;
const BUSES = 100;
const ROOTS = 20;

// A devicetree-shaped tree: a root bus, BUSES child buses, devices spread over
// them (one in ten is the child of another device, as MFD cells are). Suppliers
// come in an SoC's tiers: ROOTS root providers (oscillators, PMIC rails), one
// device in twenty a controller (clocks, resets, power domains) that consumes
// one or two root providers and sometimes another controller, and every other
// device consumes one to three random providers of either tier.
function build(rand) {
  const bus = new SimpleBus('platform');
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const root = new SoftwareNode('soc', null, { compatible: ['kdsim,bench-bus'] });
  const buses = [];
  for (let b = 0; b < BUSES; b++) buses.push(new SoftwareNode(`bus@${b.toString(16)}`, root, { compatible: ['kdsim,bench-bus'] }));
  const devices = [];
  const roots = [];
  const controllers = [];
  for (let i = 1 + BUSES; i < N; i++) {
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
    const n = new SoftwareNode(`dev@${i.toString(16)}`, parent, props);
    devices.push(n);
    if (tier === 'root') roots.push(n);
    if (tier === 'controller') controllers.push(n);
  }
  // A random registration order in which every parent comes before its children.
  const order = [];
  const ready = [root];
  while (ready.length > 0) {
    const j = Math.floor(rand() * ready.length);
    const n = ready[j];
    ready[j] = ready[ready.length - 1];
    ready.pop();
    order.push(n);
    for (const c of n.children) ready.push(c);
  }
  return { bus, order };
}

function run() {
  const rand = mulberry32(SEED);
  const { bus, order } = build(rand);
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
    phases[name] = Math.round((d.user + d.system) / 1000);
    return r;
  };
  const populate = (k) => {
    const devs = new Map();
    for (const fw of order) {
      const parent = fw.parent === null ? null : devs.get(fw.parent);
      devs.set(fw, k.deviceRegister({ name: fw.name, bus, fwnode: fw, parent }));
    }
  };
  const builtin = [
    new KernelModule('bus', { initcalls: [{ level: 'core', name: 'bus_init', fn: (k) => k.busRegister(bus) }] }),
    new KernelModule('drivers', { initcalls: [{ level: 'device', name: 'drivers_init', fn: timed('drivers', (k) => { for (const d of drivers) k.driverRegister(d); }) }] }),
    // As with a devicetree: every device exists (arch_initcall_sync) before drivers register.
    new KernelModule('populate', { initcalls: [{ level: 'arch_sync', name: 'populate', fn: timed('populate', populate) }] }),
  ];
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const k = new Kernel({ cmdline: 'fw_devlink=on', builtin, klogCapacity: 1024 });
  k.boot();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  phases.cpu = Math.round((cpu.user + cpu.system) / 1000);
  const unbound = k.devices.filter((d) => !d.bound).length;
  return { k, ms, driverProbes, unbound, phases };
}

// One warm-up run so the figure is the steady-state cost, not JIT compilation.
run();
const r = run();
if (r.unbound !== 0) {
  console.error(`fwdevlink bench: ${r.unbound} devices did not bind`);
  process.exitCode = 1;
}
if (args.includes('--verbose')) {
  console.error(`devices ${N}, really_probe ${r.k.stats.probeAttempts}, driver probe() ${r.driverProbes}, links ${r.k.links.all().length}, ${r.ms.toFixed(1)} ms`, r.phases);
}
console.log(JSON.stringify({
  fwdevlink_20k_attempts: { value: r.k.stats.probeAttempts, unit: 'attempts' },
  fwdevlink_20k_boot_ms: { value: Math.round(r.ms * 10) / 10, unit: 'ms' },
}));
