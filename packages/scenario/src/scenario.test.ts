import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FirmwareError } from '@kdsim/firmware';
import { loadScenario, parseScenario } from './scenario.js';
import { defaultRegistry } from './defaults.js';
import { catchError } from '@kdsim/testing';
import { ScenarioError } from './errors.js';

const DRIVERS = `
kernel:
  drivers:
    - { name: vendor-smmu, compatible: ["vendor,smmu"] }
`;

describe('loadScenario: every problem is a located ScenarioError', () => {
  it('names the line, column and path of an unknown key, and what was expected', () => {
    const e = catchError(ScenarioError, () => parseScenario('name: x\nkernel:\n  profile: linux-6.12\n  cmdlin: quiet\n', 'a.yaml'));
    expect(e.kind).toBe('unknownKey');
    expect(e.details).toMatchObject({ file: 'a.yaml', line: 4, column: 3, path: '/kernel/cmdlin' });
    expect(e.message).toMatch(/^a\.yaml:4:3: \/kernel\/cmdlin: unknown key 'cmdlin'; expected one of .*cmdline/);
  });

  it('reports a type error at the value', () => {
    const e = catchError(ScenarioError, () => parseScenario('name: x\nkernel:\n  builtin: vendor-smmu\n', 'a.yaml'));
    expect(e.kind).toBe('schema');
    expect(e.details).toMatchObject({ line: 3, column: 12, path: '/kernel/builtin', message: 'expected array' });
  });

  it('reports a missing required key and YAML syntax errors', () => {
    expect(catchError(ScenarioError, () => parseScenario('description: x\n')).details.message).toBe("missing required key 'name'");
    const e = catchError(ScenarioError, () => parseScenario('name: [x\n', 'b.yaml'));
    expect(e.kind).toBe('yaml');
    expect(e.details.line).toBeGreaterThanOrEqual(1);
  });

  it('rejects unknown profiles, drivers, policies and step kinds', () => {
    expect(catchError(ScenarioError, () => parseScenario('name: x\nkernel: { profile: linux-x }\n')).kind).toBe('unknownProfile');
    const d = catchError(ScenarioError, () => parseScenario(`name: x${DRIVERS}  builtin: [vendor-smmu, nosuch]\n`));
    expect(d.kind).toBe('unknownDriver');
    expect(d.details.path).toBe('/kernel/builtin/1');
    expect(d.message).toContain('vendor-smmu');
    expect(d.message).toContain('virtio_iommu'); // the catalogue's real modules are listed too
    expect(catchError(ScenarioError, () => parseScenario('name: x\npolicies: { fw_devlink: sideways }\n')).kind).toBe('unknownPolicy');
    expect(catchError(ScenarioError, () => parseScenario('name: x\npolicies: { fw_devlnk: on }\n')).kind).toBe('unknownPolicy');
    const s = catchError(ScenarioError, () => parseScenario('name: x\nuserspace:\n  - { reboot: now }\n'));
    expect(s.kind).toBe('unknownStep');
    expect(s.details).toMatchObject({ path: '/userspace/0/reboot', line: 3, column: 7 });
    expect(catchError(ScenarioError, () => parseScenario('name: x\nuserspace:\n  - { bind: 6000000.eth }\n')).message).toContain('bad bind step: expected { device, driver }');
  });

  it('checks the module timeline against the available modules', () => {
    const e = catchError(ScenarioError, () => parseScenario(`name: x${DRIVERS}  modules: [vendor-smmu]\n  timeline: "sleep2,vendor_smmu,virtio_net"\n`));
    expect(e.kind).toBe('timeline');
    expect(e.details.path).toBe('/kernel/timeline');
    expect(e.message).toContain("loads 'virtio_net'");
    // A timeline string in `modules` makes its modules available (kt.mods= style).
    expect(parseScenario(`name: x${DRIVERS}  modules: "sleep2,vendor-smmu"\n`).loadableModules).toEqual(['vendor_smmu']);
  });

  it('checks references between inline nodes', () => {
    const e = catchError(ScenarioError, () => parseScenario('name: x\nmachine:\n  nodes:\n    - name: a\n      properties: { clocks: { ref: /b, args: [1] } }\n'));
    expect(e.kind).toBe('unknownNode');
    expect(e.details.path).toBe('/machine/nodes/0/properties/clocks/ref');
  });

  it('reports missing firmware files relative to the scenario and wraps firmware decode errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kdsim-scn-'));
    writeFileSync(join(dir, 'bad.dtb'), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    writeFileSync(join(dir, 'missing.yaml'), 'name: x\nmachine:\n  dtb: nosuch.dtb\n');
    writeFileSync(join(dir, 'bad.yaml'), 'name: x\nmachine:\n  dtb: bad.dtb\n');
    const m = catchError(ScenarioError, () => loadScenario(join(dir, 'missing.yaml')));
    expect(m.kind).toBe('missingFirmware');
    expect(m.details).toMatchObject({ line: 3, column: 8, path: '/machine/dtb' });
    expect(m.message).toContain(join(dir, 'nosuch.dtb'));
    const b = catchError(ScenarioError, () => loadScenario(join(dir, 'bad.yaml')));
    expect(b.kind).toBe('firmware');
    expect(b.details.cause).toBeInstanceOf(FirmwareError);
    expect(b.message).toMatch(/bad\.yaml:3:8: \/machine\/dtb: bad firmware: bad\.dtb/);
    expect(catchError(ScenarioError, () => loadScenario(join(dir, 'nope.yaml'))).kind).toBe('io');
  });

  it('refuses machine keys no builder step handles', () => {
    const registry = defaultRegistry();
    registry.machineSteps.splice(registry.machineSteps.findIndex((s) => s.name === 'hardware'), 1);
    const e = catchError(ScenarioError, () => parseScenario('name: x\nmachine:\n  pci:\n    - { bdf: "00:03.0", id: "1af4:1000" }\n', '<inline>', { registry }));
    expect(e.kind).toBe('unsupported');
    expect(e.details.path).toBe('/machine/pci');
  });

  it('names the PCI function a bad machine.pci entry is, with its line', () => {
    const e = catchError(ScenarioError, () => parseScenario('name: x\nmachine:\n  pci:\n    - { bdf: "00:03.0", id: "1af4:1000", class: "0x020000" }\n    - { bdf: "00:05.0", id: "1b36:000c", class: "0x060400", pcie: wrong }\n'));
    expect(e.kind).toBe('schema');
    expect(e.details.path).toBe('/machine/pci/1');
    expect(e.message).toMatch(/^<inline>:5:7: \/machine\/pci\/1: bad PCI function: devices\[1\].*pcie/);
  });
});
