import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeIort, type IortRootComplexNode } from '@kdsim/firmware';
import { IOMMU_FWSPEC, iommuCore } from '@kdsim/iommu';
import { runScenario } from '../runner.js';
import { parseScenario, type Scenario } from '../scenario.js';
import { catchError } from '@kdsim/testing';
import { ScenarioError } from '../errors.js';

// QEMU virt iommu=smmuv3,its=off: SMMUv3 IORT@0x30, root complex IORT@0x74 (segment 0, CCA 1, flags CPM|DACS, ATS 0).
const FW = join(import.meta.dirname, '../../../../test/scenarios/firmware/arm64-virt-smmuv3-acpi');
const IORT = join(FW, 'IORT.bin');
const DSDT = join(FW, 'DSDT.bin');
const ORIGINAL = new Uint8Array(readFileSync(IORT));

function scenario(iort: string, acpi = [IORT, DSDT]): string {
  return `name: x\nmachine:\n  arch: arm64\n  acpi: [${acpi.map((f) => JSON.stringify(f)).join(', ')}]\n${iort}`;
}

function patched(s: Scenario): { bytes: Uint8Array; rc: IortRootComplexNode; checksumValid: boolean } {
  const t = s.firmware.acpiTables.get('IORT')![0]!;
  const rc = decodeIort(t.bytes, t.file).nodes.find((n): n is IortRootComplexNode => n.kind === 'rootComplex')!;
  return { bytes: t.bytes, rc, checksumValid: t.checksumValid };
}

function changed(a: Uint8Array, b: Uint8Array): number[] {
  return [...a.keys()].filter((i) => a[i] !== b[i]);
}

describe('machine.iort: root complex edits before boot', () => {
  it('sets CANWBS by PCI segment: only the memory flags byte and the checksum change, and the checksum is valid', () => {
    const s = parseScenario(scenario('  iort:\n    rootComplex:\n      - { segment: 0, canwbs: true }\n'), join(FW, 's.yaml'));
    const p = patched(s);
    expect(changed(ORIGINAL, p.bytes)).toEqual([9, 0x8b]);
    expect(p.bytes[0x8b]).toBe(0x07);
    expect(p.checksumValid).toBe(true);
    expect(p.rc.memory).toMatchObject({ cca: 1, cpm: true, dacs: true, canwbs: true });
  });

  it('clears and sets by node offset as kdsim decode names it: CCA, CPM, ATS', () => {
    const s = parseScenario(scenario('  iort:\n    rootComplex:\n      - { node: IORT@0x74, cca: 0, cpm: false, ats: true }\n'), join(FW, 's.yaml'));
    const p = patched(s);
    expect(p.rc.memory).toMatchObject({ cca: 0, cpm: false, dacs: true, canwbs: false });
    expect(p.rc.atsSupported).toBe(true);
    expect(p.checksumValid).toBe(true);
  });

  it('leaves the tables alone without edits', () => {
    const s = parseScenario(scenario(''), join(FW, 's.yaml'));
    expect(changed(ORIGINAL, s.firmware.acpiTables.get('IORT')![0]!.bytes)).toEqual([]);
  });

  it('refuses a machine without an IORT, at /machine/iort', () => {
    const e = catchError(ScenarioError, () => parseScenario(scenario('  iort:\n    rootComplex:\n      - { segment: 0, canwbs: true }\n', [DSDT]), 's.yaml'));
    expect(e.kind).toBe('missingFirmware');
    expect(e.details).toMatchObject({ path: '/machine/iort', line: 5 });
    expect(e.message).toMatch(/no IORT to edit: .*only DSDT/);
  });

  it('refuses a segment no root complex has, listing the root complexes', () => {
    const e = catchError(ScenarioError, () => parseScenario(scenario('  iort:\n    rootComplex:\n      - { segment: 1, canwbs: true }\n'), 's.yaml'));
    expect(e.kind).toBe('unknownNode');
    expect(e.details).toMatchObject({ path: '/machine/iort/rootComplex/0/segment', line: 7 });
    expect(e.message).toMatch(/no root complex node with PCI segment 1; root complexes: IORT@0x74 \(segment 0\)/);
  });

  it('refuses a node that is not a root complex, and an offset where no node starts', () => {
    const smmu = catchError(ScenarioError, () => parseScenario(scenario('  iort:\n    rootComplex:\n      - { node: IORT@0x30, canwbs: true }\n'), 's.yaml'));
    expect(smmu.kind).toBe('unknownNode');
    expect(smmu.message).toMatch(/\/machine\/iort\/rootComplex\/0\/node: IORT@0x30 is not a root complex node/);
    const none = catchError(ScenarioError, () => parseScenario(scenario('  iort:\n    rootComplex:\n      - { node: 0x75, canwbs: true }\n'), 's.yaml'));
    expect(none.message).toMatch(/no IORT node at 117/);
  });

  it('refuses an unknown field, and neither or both selectors', () => {
    const unknown = catchError(ScenarioError, () => parseScenario(scenario('  iort:\n    rootComplex:\n      - { segment: 0, canwb: true }\n'), 's.yaml'));
    expect(unknown.kind).toBe('unknownKey');
    expect(unknown.details).toMatchObject({ path: '/machine/iort/rootComplex/0/canwb', line: 7 });
    expect(unknown.message).toMatch(/expected one of .*canwbs/);
    const neither = catchError(ScenarioError, () => parseScenario(scenario('  iort:\n    rootComplex:\n      - { canwbs: true }\n'), 's.yaml'));
    expect(neither.kind).toBe('schema');
    expect(neither.message).toMatch(/rootComplex\/0: expected exactly one of segment .* or node/);
    const both = catchError(ScenarioError, () => parseScenario(scenario('  iort:\n    rootComplex:\n      - { segment: 0, node: IORT@0x74 }\n'), 's.yaml'));
    expect(both.kind).toBe('schema');
  });

  it('reaches the kernel through acpi_iort_init() and dma_configure: IOMMU_FWSPEC_PCI_RC_CANWBS from v6.13 only', () => {
    const machine = (edit: string, profile: string): string =>
      `${scenario(edit)}  pciHost: { cca: 1 }\n  pci:\n    - { bdf: "00:03.0", id: "1af4:1000", subsystem: "1af4:0001", class: "0x020000" }\nkernel:\n  profile: ${profile}\n`;
    const flags = (edit: string, profile: string): number | undefined => {
      const r = runScenario(parseScenario(machine(edit, profile), join(FW, 's.yaml')));
      const dev = r.kernel.device('0000:00:03.0')!;
      return iommuCore(r.kernel).fwspec(dev)?.flags;
    };
    const canwbs = '  iort:\n    rootComplex:\n      - { segment: 0, canwbs: true }\n';
    expect(flags(canwbs, 'linux-6.13')! & IOMMU_FWSPEC.PCI_RC_CANWBS).toBe(IOMMU_FWSPEC.PCI_RC_CANWBS);
    expect(flags('', 'linux-6.13')! & IOMMU_FWSPEC.PCI_RC_CANWBS).toBe(0);
    expect(flags(canwbs, 'linux-6.12')! & IOMMU_FWSPEC.PCI_RC_CANWBS).toBe(0);
  });

  it('pciHost.cca: without _CCA an arm64 ACPI host bridge gives its functions no IOMMU (CONFIG_ACPI_CCA_REQUIRED)', () => {
    const text = `${scenario('')}  pci:\n    - { bdf: "00:03.0", id: "1af4:1000", subsystem: "1af4:0001", class: "0x020000" }\n`;
    const r = runScenario(parseScenario(text, join(FW, 's.yaml')));
    expect(iommuCore(r.kernel).fwspec(r.kernel.device('0000:00:03.0')!)).toBeNull();
    expect(r.summary.groups).toEqual([]);
  });
});
