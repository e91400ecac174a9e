// Machines recorded with test/calibration/record (a real Debian 6.12.117 arm64 kernel on QEMU 7.2,
// beyond the three of the shared truth): each test/calibration/<machine>/serial.log.gz, described as
// test/scenarios/calib-<machine>.yaml, must give what the real kernel did.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { iommuCore } from '@kdsim/iommu';
import { loadScenario, runScenario, vfioStepOutput, type RunResult } from '@kdsim/scenario';

const DIR = join(import.meta.dirname, 'calibration');
const MACHINES = readdirSync(DIR, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'record').map((d) => d.name);

/** The buses the model has, and the platform drivers of the PCI host and the IOMMUs. */
const MODELLED_BUSES = new Set(['pci', 'pci_express', 'virtio']);
const PLATFORM_DRIVERS = new Set(['pci-host-generic', 'arm-smmu-v3']);

interface Recorded {
  readonly devices: { bus: string; name: string; driver: string | null; group: string | null }[];
  /** Group number → `<type> <devices...>` (the default domain type as sysfs shows it). */
  readonly groups: Record<string, string>;
  readonly devlinks: string[];
  readonly deferred: string[];
  readonly dmesg: string;
  /** The calls of record/vfio-calls.c (kt.vfio), in order. */
  readonly vfio: VfioCall[];
}

/** One `KT-VFIO` line: a scenario step's id, the kernel's result and the fields it wrote back. */
interface VfioCall {
  readonly id: string;
  readonly ret: number;
  readonly out: Record<string, string>;
}

// The serial console ends lines with CR LF.
const serialLog = (machine: string): string => gunzipSync(readFileSync(join(DIR, machine, 'serial.log.gz'))).toString('utf8').replaceAll('\r', '');

function vfioCalls(lines: readonly string[]): VfioCall[] {
  return lines.filter((l) => l.startsWith('KT-VFIO ')).map((l) => {
    // The first `id` is the step's; a later one is an argument (IOMMU_DESTROY's object).
    const tokens = l.split(' ').slice(1).map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)] as const);
    const fields = Object.fromEntries(tokens);
    const out = Object.fromEntries(tokens.filter(([k]) => k.startsWith('out.')).map(([k, v]) => [k.slice(4), v]));
    return { id: tokens.find(([k]) => k === 'id')![1], ret: Number(fields['ret']), out };
  });
}

// The KT sections init.sh printed (`===KT-BEGIN <name>===` ... `===KT-END <name>===`).
function section(log: string, name: string): string[] {
  const start = log.indexOf(`===KT-BEGIN ${name}===\n`);
  if (start < 0) throw new Error(`no section '${name}' in the recorded log`);
  const body = log.slice(start + name.length + 16, log.indexOf(`===KT-END ${name}===`, start));
  return body.split('\n').filter((l) => l !== '');
}

function recorded(log: string): Recorded {
  const field = (line: string, key: string): string => new RegExp(`\\b${key}=(\\S*)`).exec(line)?.[1] ?? '';
  const orNull = (v: string): string | null => (v === '-' ? null : v);
  return {
    devices: section(log, 'devices final').map((l) => ({ bus: field(l, 'bus'), name: field(l, 'name'), driver: orNull(field(l, 'driver')), group: orNull(field(l, 'group')) })),
    groups: Object.fromEntries(section(log, 'iommu_groups final').map((l) => {
      const m = /^GROUP (\d+) type=(\S+) devices=(.*)$/.exec(l)!;
      return [m[1]!, `${m[2]!} ${m[3]!.trim().split(' ').sort().join(' ')}`];
    })),
    devlinks: section(log, 'devlinks final').map((l) => `${field(l, 'supplier')} -> ${field(l, 'consumer')} ${field(l, 'status')} sync_state_only=${field(l, 'sync_state_only')}`),
    deferred: section(log, 'devices_deferred final'),
    dmesg: section(log, 'dmesg').join('\n'),
    vfio: log.includes('===KT-BEGIN vfio===') ? vfioCalls(section(log, 'vfio')) : [],
  };
}

// driver_bound order and "Added to deferred list" counts, read from a dmesg with dd.c debug on:
// `<driver> <dev>: driver: '<driver>': driver_bound: bound to device` from v6.9,
// `driver: '<driver>': driver_bound: bound to device '<dev>'` before.
const boundOrder = (dmesg: string): string[] =>
  [...dmesg.matchAll(/ (?:(\S+): )?driver: '[^']+': driver_bound: bound to device(?: '([^']+)')?$/gm)].map((m) => m[2] ?? m[1]!);
function deferrals(dmesg: string): Record<string, number> {
  const n: Record<string, number> = {};
  for (const m of dmesg.matchAll(/ (\S+): Added to deferred list/g)) n[m[1]!] = (n[m[1]!] ?? 0) + 1;
  return n;
}

describe('real Linux 6.12 on recorded machines (test/calibration)', () => {
  for (const machine of MACHINES) {
    describe(machine, () => {
      let rec: Recorded | undefined;
      let run: RunResult | undefined;
      // Read once: which checks apply depends on the sections the recording has.
      const log = serialLog(machine);
      const t = (): Recorded => (rec ??= recorded(log));
      const r = (): RunResult => (run ??= runScenario(loadScenario(join(import.meta.dirname, 'scenarios', `calib-${machine}.yaml`))));
      const compared = (): Recorded['devices'] => t().devices.filter((d) => MODELLED_BUSES.has(d.bus) || (d.bus === 'platform' && d.driver !== null && PLATFORM_DRIVERS.has(d.driver)));
      const names = (): Set<string> => new Set(compared().map((d) => d.name));

      it('binds every PCI, port-service, virtio, host and IOMMU device to the driver Linux bound', () => {
        const want = compared().map((d) => `${d.bus}:${d.name} ${d.driver}`);
        const got = compared().map((d) => {
          const dev = r().kernel.device(`${d.bus}:${d.name}`);
          return `${d.bus}:${d.name} ${dev === undefined ? 'missing' : dev.bound ? dev.driver!.name : null}`;
        });
        expect(got).toEqual(want);
      });

      it('binds them in the order Linux did', () => {
        expect(boundOrder(r().kernel.dmesg()).filter((n) => names().has(n))).toEqual(boundOrder(t().dmesg).filter((n) => names().has(n)));
      });

      it('defers each of them as many times as Linux did', () => {
        const only = (n: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(n).filter(([d]) => names().has(d)));
        expect(only(deferrals(r().kernel.dmesg()))).toEqual(only(deferrals(t().dmesg)));
      });

      it('has the same IOMMU groups, numbered the same, of the same type, and no group for a device Linux left out', () => {
        const groups = Object.fromEntries(iommuCore(r().kernel).groups().map((g) => [String(g.id), `${g.type} ${[...g.devices].sort().join(' ')}`]));
        expect(groups).toEqual(t().groups);
      });

      // The driver-core and IOMMU lines about the compared PCI and virtio devices (with dd.c,
      // core.c, bus.c and iommu.c debug on), timestamps aside: each one the kernel printed,
      // kdsim prints too. 6.1.y and 6.12.y carry the 6.13 wording of the SMMUv3 stream-tree
      // warning from stable; kdsim's profiles are mainline (docs/kernel-profiles.md).
      it('prints every driver-core and IOMMU line Linux printed about them', () => {
        const text = (l: string): string => l.replace(/^\[[ \d.]+\] /, '').replace(/(already in tree) from dev \S+$/, '$1');
        const ours = new Set(r().kernel.dmesg().split('\n').map(text));
        const about = /(0000:[0-9a-f:.]+|virtio\d+)[: '].*(bus: '|Retrying|Added to deferred|devices_kset|iommu group|device_add|driver_bound|rejects match|deferred probe|ignoring dependency|already in tree|Adding to IOMMU)/;
        expect(t().dmesg.split('\n').map(text).filter((l) => about.test(l) && !ours.has(l))).toEqual([]);
      });

      // Recorded since sysfs reserved_regions was dumped: what each group keeps out of DMA.
      if (log.includes('===KT-BEGIN reserved_regions final===')) {
        it("lists each IOMMU group's reserved regions as sysfs did", () => {
          const sysfsType = (t: string): string => ({ DIRECT: 'direct', DIRECT_RELAXABLE: 'direct-relaxable', RESERVED: 'reserved', MSI: 'msi', SW_MSI: 'msi' })[t] ?? t;
          const hex = (v: bigint): string => `0x${v.toString(16).padStart(16, '0')}`;
          const core = iommuCore(r().kernel);
          const ours = core.groups().flatMap((g) => core.groupResvRegions(core.group(g.id)!).map((x) => `RESV group=${g.id} ${hex(x.start)} ${hex(x.start + x.length - 1n)} ${sysfsType(x.type)}`));
          expect(ours).toEqual(section(log, 'reserved_regions final'));
        });
      }

      // The machines recorded with kt.vfio: record/vfio-calls.c handed a function to vfio-pci
      // and made its VFIO calls; the scenario makes the same calls as steps.
      if (log.includes('===KT-BEGIN vfio===')) {
        it('returns to every VFIO call what Linux returned, and writes back the same fields', () => {
          // A number, or a list of IOVA ranges (vfio-calls.c prints `START-LAST,...`).
          const hex = (v: bigint | number | string): string => `0x${BigInt(v).toString(16)}`;
          const asText = (v: unknown): string => {
            if (Array.isArray(v)) return v.map((x: { start: bigint; last: bigint }) => `${hex(x.start)}-${hex(x.last)}`).join(',');
            if (typeof v === 'string' && v.includes('-')) return v.split(',').map((x) => x.split('-').map(hex).join('-')).join(',');
            return String(BigInt(v as bigint | number | string));
          };
          const ours = t().vfio.map((c) => ({
            id: c.id,
            ret: r().stepResults.get(c.id),
            out: Object.fromEntries(Object.keys(c.out).map((f) => [f, asText(vfioStepOutput(r().kernel, c.id)?.[f])])),
          }));
          const theirs = t().vfio.map((c) => ({ id: c.id, ret: c.ret, out: Object.fromEntries(Object.entries(c.out).map(([f, v]) => [f, asText(v)])) }));
          expect(ours).toEqual(theirs);
        });
      }

      it('ends with the same devices_deferred and the same device links', () => {
        expect(r().kernel.devicesDeferred().split('\n').filter((l) => l !== '').map((l) => l.split('\t')[0])).toEqual(t().deferred.map((l) => l.split('\t')[0]));
        const touches = (s: string): boolean => [...names()].some((n) => s.startsWith(`${n} `) || s.includes(`> ${n} `));
        const ours = r().summary.devlinks.map((l) => `${l.supplier} -> ${l.consumer} ${l.status} sync_state_only=${l.syncStateOnly}`);
        expect(ours.filter(touches).sort()).toEqual(t().devlinks.filter(touches).sort());
      });
    });
  }
});
