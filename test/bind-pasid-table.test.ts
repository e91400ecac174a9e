// Issue 6/7: the 2017 bind_pasid_table proposal on a real SMMUv3 nesting container
// (test/scenarios/vfio-bind-pasid-table-smmuv3.yaml): the table is bound for the whole
// IOMMU group, and the nesting container exists only while the kernel has enable_nesting.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Errno } from '@kdsim/core';
import { iommuCore } from '@kdsim/iommu';
import { parseScenario, runScenario } from '@kdsim/scenario';
import { PasidTablePolicy } from '@kdsim/vfio';

const FILE = join(import.meta.dirname, 'scenarios', 'vfio-bind-pasid-table-smmuv3.yaml');

/** The scenario with its userspace cut after step `last` (and an optional profile). */
function runUntil(last: string, profile?: string) {
  const lines = readFileSync(FILE, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.includes(`{ id: ${last},`));
  const end = lines.findIndex((l, i) => i > at && !l.startsWith('  - '));
  const text = [...lines.slice(0, at + 1), ...lines.slice(end)].join('\n');
  return runScenario(parseScenario(text, FILE), profile === undefined ? {} : { profile });
}

describe('bind_pasid_table on an SMMUv3 nesting container (linux-6.6)', () => {
  it('binds one ARM_SMMU table that every device of the e1000e\'s group (the root port too) uses', () => {
    const r = runUntil('bind-table');
    expect(r.passed).toBe(true);
    const core = iommuCore(r.kernel);
    const e1000e = r.kernel.device('0000:01:00.0')!;
    const group = core.groupOf(e1000e)!;
    expect(group.devices.map((d) => d.name)).toEqual(['0000:00:05.0', '0000:01:00.0']);
    const policy = r.kernel.container.get(PasidTablePolicy);
    for (const d of group.devices) expect(policy.binding(core.groupOf(d)!)?.info).toEqual({ ptr: 0x80000000n, size: 1, model: 2 });
  });

  it('unbinds it again for the whole group', () => {
    const r = runUntil('unbind-table');
    expect(r.passed).toBe(true);
    const core = iommuCore(r.kernel);
    expect(r.kernel.container.get(PasidTablePolicy).binding(core.groupOf(r.kernel.device('0000:01:00.0')!)!)).toBeNull();
  });

  it('without the policy (mainline) every bind and unbind is -ENOTTY, and nothing else changes', () => {
    const r = runScenario(parseScenario(readFileSync(FILE, 'utf8'), FILE), { policy: { bind_pasid_table: 'off' } });
    for (const id of ['bind-intel', 'bind-too-big', 'bind-table', 'bind-again', 'unbind-table', 'unbind-again']) expect(r.stepResults.get(id)).toBe(-Errno.ENOTTY);
    expect(r.stepResults.get('set-iommu')).toBe(0);
  });

  it('has no nesting container on linux-6.12: the domain is finalised at allocation and enable_nesting is -EPERM', () => {
    const r = runUntil('set-iommu', 'linux-6.12');
    expect(r.stepResults.get('set-iommu')).toBe(-Errno.EPERM);
  });
});
