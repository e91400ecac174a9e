// node mkscenario.js NAME "TITLE" [--builtin a,b,...]: writes test/scenarios/calib-NAME.yaml from
// the recording test/calibration/NAME (record.sh): the machine (its firmware, the PCI functions of
// pci2yaml.js, the virtio-mmio devices, _OSC), the kernel (profile, command-line extras, module
// timeline) and what the kernel did as expectations. A kernel other than 6.12 needs --builtin:
// kdsim's default built-in drivers are Debian 6.12's. Describe the machine in its description.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pciList } from './pci2yaml.js';

const [name, title, ...rest] = process.argv.slice(2);
if (name === undefined || title === undefined) throw new Error('usage: node mkscenario.js NAME "TITLE" [--builtin a,b,...]');
const builtin = rest[0] === '--builtin' ? rest[1] : undefined;
const here = import.meta.dirname;
const logFile = join(here, '..', name, 'serial.log.gz');
const log = gunzipSync(readFileSync(logFile)).toString('utf8').replaceAll('\r', '');
const fw = join(here, '..', '..', 'scenarios', 'firmware', name);

const section = (what) => {
  const start = log.indexOf(`===KT-BEGIN ${what}===\n`);
  return start < 0 ? [] : log.slice(start + what.length + 16, log.indexOf(`===KT-END ${what}===`, start)).split('\n').filter((l) => l !== '');
};
const field = (line, key) => new RegExp(`\\b${key}=(\\S*)`).exec(line)?.[1] ?? '';
const cmdline = section('cmdline')[0] ?? '';
const version = /Linux version (\d+)\.(\d+)/.exec(log);
const arm64 = /Linux version \S+-arm64/.test(log);
const dmesg = section('dmesg').join('\n');

// The kernel command line the scenario keeps: what is not the recording's own.
const OWN = /^(console=|loglevel=|log_buf_len=|panic=|kt\.mods=|kt\.vfio=|acpi=force$|initrd=|virtio_iommu\.dyndbg=)/;
const extra = (cmdline.replace(/dyndbg="[^"]*"/, '').match(/\S+/g) ?? []).filter((t) => !OWN.test(t));
const dyndbg = /dyndbg="([^"]*)"/.exec(cmdline)?.[1] ?? '';
// kt.mods entries `name:param=value` give their parameters as the command line's `name.param=value`
// (modprobe's way, which kdsim models). kdsim's `vfio` module has the type1 backend and iommufd in
// it (Debian builds vfio_iommu_type1 apart, and build-kernel.sh iommufd), so each of them is `vfio`,
// loaded where the first of them was.
const mods = (/kt\.mods=(\S+)/.exec(cmdline)?.[1] ?? '').split(',').filter((m) => m !== '');
const modParams = mods.flatMap((m) => m.split(':').slice(1).map((p) => `${m.split(':')[0]}.${p}`));
const KDSIM_MODULE = { vfio_iommu_type1: 'vfio', iommufd: 'vfio', 'vfio-pci': 'vfio_pci' };
const modules = [...new Set(mods.map((m) => m.split(':')[0]).map((m) => KDSIM_MODULE[m] ?? m))].join(',');

// What the calibration test compares: PCI, port-service and virtio devices, the PCI host and the IOMMUs.
const BUSES = new Set(['pci', 'pci_express', 'virtio']);
const HOSTS = new Set(['pci-host-generic', 'arm-smmu-v3']);
const devices = section('devices final').map((l) => ({ bus: field(l, 'bus'), name: field(l, 'name'), driver: field(l, 'driver') }))
  .filter((d) => BUSES.has(d.bus) || (d.bus === 'platform' && HOSTS.has(d.driver)));
const names = new Set(devices.map((d) => d.name));
// Each device's first binding (a device handed to vfio-pci binds twice).
const bound = [...new Set([...dmesg.matchAll(/ (?:(\S+): )?driver: '[^']+': driver_bound: bound to device(?: '([^']+)')?$/gm)]
  .map((m) => m[2] ?? m[1]).filter((n) => names.has(n) && !/:pcie\d/.test(n)))];
const deferrals = {};
for (const m of dmesg.matchAll(/ (\S+): Added to deferred list/g)) if (names.has(m[1])) deferrals[m[1]] = (deferrals[m[1]] ?? 0) + 1;

const out = [`name: "calibration: ${title}"`, 'description: >', '  TODO: what the machine is and what it shows.',
  `  test/calibration.test.ts compares the outcome with the recorded run (test/calibration/${name}).`, 'machine:'];
if (existsSync(join(fw, 'guest.dts'))) out.push(`  dts: firmware/${name}/guest.dts`);
else {
  if (arm64) out.push('  arch: arm64');
  out.push('  acpi:', ...readdirSync(fw).filter((f) => f.endsWith('.bin')).sort().map((f) => `    - firmware/${name}/${f}`));
  const osc = /_OSC: OS now controls \[([^\]]*)\]/.exec(log)?.[1].split(' ') ?? [];
  const has = (what) => osc.includes(what);
  out.push(`  # _OSC: OS now controls [${osc.join(' ')}]`,
    `  pciHost: { ${arm64 ? 'cca: 1, ' : ''}native: { hotplug: ${has('PCIeHotplug')}, shpcHotplug: ${has('SHPCHotplug')}, aer: ${has('AER')}, pme: ${has('PME')} } }`);
}
const mmio = section('virtio').map((l) => /device=0x(\w+) .* parent=(\w+)\.virtio_mmio/.exec(l)).filter((m) => m !== null);
if (mmio.length > 0) out.push('  virtioMmio:', ...mmio.map((m) => `    - { base: 0x${m[2]}, deviceId: ${parseInt(m[1], 16)} }`));
out.push('  pci:', ...pciList(log));
out.push('kernel:', `  profile: linux-${version?.[1] ?? 6}.${version?.[2] ?? 12}`);
if (builtin !== undefined) out.push(`  builtin: [${builtin.split(',').join(', ')}]`);
out.push(`  cmdline: 'dyndbg="${dyndbg}" virtio_iommu.dyndbg=+p${[...extra, ...modParams].map((t) => ` ${t}`).join('')}'`, `  modules: "${modules}"`);
// vfio-calls.c's lines (kt.vfio): each is a step with the kernel's result as its expectation.
const calls = section('vfio').filter((l) => l.startsWith('KT-VFIO ')).map((l) => {
  const call = { id: '', kind: '', ret: 0, args: [], outs: [] };
  for (const token of l.split(' ').slice(1)) {
    const [key, value] = [token.slice(0, token.indexOf('=')), token.slice(token.indexOf('=') + 1)];
    // The first `id` is the step's; a later one is an argument (IOMMU_DESTROY's object).
    if ((key === 'id' && call.id === '') || key === 'kind') call[key] = value;
    else if (key === 'ret') call.ret = Number(value);
    else if (key.startsWith('out.')) call.outs.push([key.slice(4), value]);
    else call.args.push([key, value]);
  }
  return call;
});
const yamlValue = (v) => (/^\d+$/.test(v) ? v : JSON.stringify(v));
// A list of IOVA ranges (`START-LAST,...`: an output, or ALLOW_IOVAS' argument) as a list of { start, last }.
const stepValue = (v) => (/^0x\w+-0x\w+(,|$)/.test(v)
  ? `[${v.split(',').map((r) => `{ start: "${r.split('-')[0]}", last: "${r.split('-')[1]}" }`).join(', ')}]`
  : yamlValue(v));
// A driver-core step (no dot in its kind, such as drivers_probe) takes the device alone.
const stepArgs = (c) => (c.kind.includes('.') ? `{ ${c.args.map(([k, v]) => `${k}: ${stepValue(v)}`).join(', ')} }` : yamlValue(c.args[0][1]));
if (calls.length > 0) {
  out.push('userspace:', ...calls.map((c) => `  - { id: ${c.id}, ${c.kind}: ${stepArgs(c)}, expect: ${c.ret} }`));
}
out.push('expect:', '  bound:', ...devices.filter((d) => d.bus !== 'pci_express')
  .map((d) => `    ${d.bus === 'platform' ? '' : `${d.bus}:`}${d.name}: ${d.driver === '-' ? 'null' : d.driver}`));
const deferred = section('devices_deferred final').map((l) => l.split('\t')[0]);
out.push(deferred.length === 0 ? '  deferred: []' : '  deferred:', ...deferred.map((d) => `    - { device: "${d}" }`));
const groups = section('iommu_groups final').map((l) => /devices=(.*)$/.exec(l)[1].trim().split(' '));
out.push(groups.length === 0 ? '  groups: []' : '  groups:', ...groups.map((g) => `    - [${g.join(', ')}]`));
out.push(`  counts: { deferrals: { ${Object.entries(deferrals).map(([d, n]) => `${d}: ${n}`).join(', ')} } }`);
out.push(`  bindOrder: [${bound.join(', ')}]`);
const outputs = calls.filter((c) => c.outs.length > 0);
if (outputs.length > 0) out.push('  outputs:', ...outputs.map((c) => `    ${c.id}: { ${c.outs.map(([k, v]) => `${k}: ${stepValue(v)}`).join(', ')} }`));
const file = join(here, '..', '..', 'scenarios', `calib-${name}.yaml`);
writeFileSync(file, `${out.join('\n')}\n`);
console.log(file);
