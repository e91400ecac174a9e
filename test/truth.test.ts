// The issue-5 acceptance: each calibration machine of /work/shared/truth, described as a scenario
// (test/scenarios/truth-*.yaml), must give what the real Linux 6.12.117 gave on QEMU 7.2.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { iommuCore } from '@kdsim/iommu';
import { loadScenario, runScenario, type RunResult } from '@kdsim/scenario';
import { sharedDir } from '@kdsim/testing';

const TRUTH = join(sharedDir(), 'truth');
const present = existsSync(join(TRUTH, 'README.md'));
if (!present) console.warn(`truth.test.ts: skipped — no real-kernel truth at ${TRUTH} (set KDSIM_SHARED to the shared data folder)`);

interface TruthDevice { bus: string; name: string; driver: string | null; iommu_group: number | null; iommu: string | null }
interface Truth {
  devices: TruthDevice[];
  iommu_groups: Record<string, string[]>;
  iommus: { name: string; devices: string[] }[];
  devlinks: { supplier: string; consumer: string; status: string; flags: { sync_state_only: boolean; auto_remove_on: string; runtime_pm: boolean } }[];
  deferred: string[];
  probe_order: string[];
  probe_attempts: { device: string; bus: string; driver: string; outcome: string }[];
}

/** The buses the model has: every device on them is compared. */
const MODELLED_BUSES = new Set(['pci', 'pci_express', 'virtio']);
/** Platform drivers of the PCI host and the IOMMUs (the rest of the platform bus is not what these machines calibrate). */
const PLATFORM_DRIVERS = new Set(['pci-host-generic', 'arm-smmu-v3']);

const MACHINES = ['x86-q35-noiommu', 'x86-q35-viommu-last', 'arm64-virt-smmuv3-dt'] as const;

function compared(t: Truth): TruthDevice[] {
  return t.devices.filter((d) => MODELLED_BUSES.has(d.bus) || (d.bus === 'platform' && d.driver !== null && PLATFORM_DRIVERS.has(d.driver)));
}

describe.skipIf(!present)('real Linux 6.12 on the calibration machines (truth.json)', () => {
  for (const machine of MACHINES) {
    describe(machine, () => {
      const t = (): Truth => JSON.parse(readFileSync(join(TRUTH, machine, 'truth.json'), 'utf8')) as Truth;
      let run: RunResult | undefined;
      const r = (): RunResult => (run ??= runScenario(loadScenario(join(import.meta.dirname, 'scenarios', `truth-${machine}.yaml`)), { recordTrace: true }));
      const names = (): Set<string> => new Set(compared(t()).map((d) => d.name));

      it('binds every PCI, port-service, virtio, host and IOMMU device to the driver Linux bound', () => {
        const want = compared(t()).map((d) => `${d.bus}:${d.name} ${d.driver}`);
        const got = compared(t()).map((d) => {
          const dev = r().kernel.device(`${d.bus}:${d.name}`);
          return `${d.bus}:${d.name} ${dev?.bound === true ? dev.driver!.name : dev === undefined ? 'missing' : null}`;
        });
        expect(got).toEqual(want);
      });

      it('has the same IOMMU groups, numbered the same', () => {
        const k = r().kernel;
        const groups = Object.fromEntries(iommuCore(k).groups().map((g) => [String(g.id), [...g.devices].sort()]));
        const want = Object.fromEntries(Object.entries(t().iommu_groups).map(([id, devs]) => [id, [...devs].sort()]));
        expect(groups).toEqual(want);
      });

      it('each IOMMU translates the devices Linux put behind it', () => {
        const core = iommuCore(r().kernel);
        const served = new Map<string, string[]>();
        for (const g of core.groups()) {
          for (const name of g.devices) {
            const dev = r().kernel.device(`pci:${name}`) ?? r().kernel.device(name);
            const inst = dev !== undefined ? core.iommuOf(dev) : null;
            if (inst === null) continue;
            served.set(inst.name, [...(served.get(inst.name) ?? []), name].sort());
          }
        }
        expect(Object.fromEntries(served)).toEqual(Object.fromEntries(t().iommus.map((i) => [i.name, [...i.devices].sort()])));
      });

      it('has the same device links, with their status and flags', () => {
        const ours = r().summary.devlinks.map((l) => `${l.supplier} -> ${l.consumer} ${l.status} sync_state_only=${l.syncStateOnly} auto_remove_on=${l.autoRemoveOn} runtime_pm=${l.runtimePm}`);
        const want = t().devlinks.map((l) => `${l.supplier} -> ${l.consumer} ${l.status} sync_state_only=${Number(l.flags.sync_state_only)} auto_remove_on=${l.flags.auto_remove_on} runtime_pm=${Number(l.flags.runtime_pm)}`);
        // Only links touching a compared device: the rest of the platform bus is not modelled here.
        const touches = (s: string): boolean => [...names()].some((n) => s.startsWith(`${n} `) || s.includes(`> ${n} `));
        expect(ours.filter(touches).sort()).toEqual(want.filter(touches).sort());
      });

      it('ends with the same deferred list', () => {
        expect(r().summary.deferred.map((d) => d.device).filter((n) => names().has(n))).toEqual(t().deferred.filter((n) => names().has(n)));
      });

      it('binds in the same order', () => {
        const ours = r().kernel.bindOrder.map((d) => d.name).filter((n) => names().has(n));
        expect(ours).toEqual(t().probe_order.filter((n) => names().has(n)));
      });

      it('defers each device as often as Linux did', () => {
        const want: Record<string, number> = {};
        for (const a of t().probe_attempts) {
          if (!names().has(a.device)) continue;
          want[a.device] = (want[a.device] ?? 0) + (a.outcome.startsWith('deferred') ? 1 : 0);
        }
        // Every probe that returned -EPROBE_DEFER (shpchp's after pcieport's too), not only list additions.
        const defers = r().kernel.traceLog.filter((e) => e.type === 'probe_defer').map((e) => (e as { device: string }).device);
        const got = Object.fromEntries(Object.keys(want).map((n) => [n, defers.filter((d) => d === n).length]));
        expect(got).toEqual(want);
      });
    });
  }
});
