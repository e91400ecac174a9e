import { describe, expect, it } from 'vitest';
import { runScenario } from './runner.js';
import { loadScenario, parseScenario } from './scenario.js';
import { vfioStepRecords } from './vfio-steps.js';
import { catchError } from '@kdsim/testing';
import { ScenarioError } from './errors.js';

/** A machine with nothing on it and CONFIG_VFIO built in (or not), then `steps`. */
const doc = (steps: string, builtin = '[vfio]', policies = ''): string =>
  `name: x\nmachine: { arch: arm64 }\nkernel:\n  builtin: ${builtin}\n  modules: []\n${policies}userspace:\n${steps}`;

describe('VFIO/iommufd userspace steps in scenarios', () => {
  it('an unknown argument, uapi name or step kind is a located error at load time', () => {
    const arg = catchError(ScenarioError, () => parseScenario(doc('  - { id: c, vfio.open: { path: /dev/vfio/vfio, mode: rw } }\n'), 's.yaml'));
    expect(arg.details).toMatchObject({ path: '/userspace/0/vfio.open/mode', line: 7 });
    expect(arg.message).toContain("unknown argument 'mode'; expected path");
    const sym = catchError(ScenarioError, () => parseScenario(doc('  - { id: c, vfio.open: { path: /dev/vfio/vfio } }\n  - { vfio.set_iommu: { fd: $c.fd, type: TYPE9_IOMMU } }\n')));
    expect(sym.details.path).toBe('/userspace/1/vfio.set_iommu/type');
    expect(sym.message).toMatch(/unknown type 'TYPE9_IOMMU'; expected a number or .*TYPE1v2_IOMMU/);
    const kind = catchError(ScenarioError, () => parseScenario(doc('  - { vfio.reboot: {} }\n')));
    expect(kind.kind).toBe('unknownStep');
  });

  it('takes IOMMU_IOAS_MAP_* names for both IOAS_MAP and IOAS_COPY flags', () => {
    const r = runScenario(parseScenario(doc([
      '  - { id: fd, vfio.open: { path: /dev/iommu } }',
      '  - { id: a, iommufd.ioas_alloc: { fd: $fd.fd } }',
      '  - { id: b, iommufd.ioas_alloc: { fd: $fd.fd } }',
      '  - { id: buf, mm.mmap: { length: 0x4000 } }',
      '  - { id: map, iommufd.ioas_map: { fd: $fd.fd, ioasId: $a.ioasId, flags: FIXED_IOVA|READABLE|WRITEABLE, userVa: $buf.va, length: 0x4000, iova: 0x100000 } }',
      '  - { id: copy, iommufd.ioas_copy: { fd: $fd.fd, flags: FIXED_IOVA|READABLE, dstIoasId: $b.ioasId, srcIoasId: $a.ioasId, length: 0x4000, dstIova: 0x300000, srcIova: 0x100000 } }',
      '',
    ].join('\n'))));
    expect([r.stepResults.get('map'), r.stepResults.get('copy')]).toEqual([0, 0]);
    expect(vfioStepRecords(r.kernel).at(-1)?.out).toEqual({ dstIova: 0x300000n });
  });

  it('a $reference must name an earlier step', () => {
    const later = catchError(ScenarioError, () => parseScenario(doc('  - { vfio.set_iommu: { fd: $c.fd, type: 3 } }\n  - { id: c, vfio.open: { path: /dev/vfio/vfio } }\n')));
    expect(later.details.path).toBe('/userspace/0/vfio.set_iommu/fd');
    expect(later.message).toContain("reference to 'c' which is not the id of an earlier step");
  });

  it('runs the calls, resolves $id.field, and checks each step\'s expected errno', () => {
    const r = runScenario(parseScenario(doc([
      '  - { id: c, vfio.open: { path: /dev/vfio/vfio }, expect: 0 }',
      // vfio_ioctl_set_iommu(): no group in the container yet
      '  - { id: early, vfio.set_iommu: { fd: $c.fd, type: TYPE1v2_IOMMU }, expect: EINVAL }',
      '  - { id: wrong, vfio.check_extension: { fd: $c.fd, ext: TYPE1v2_IOMMU }, expect: ENODEV }',
      '',
    ].join('\n'))));
    expect(r.stepResults.get('early')).toBe(-22);
    const failed = r.expectations.filter((e) => !e.passed);
    expect(failed.map((e) => [e.subject, e.path, e.message])).toEqual([['wrong', '/userspace/2/expect', 'expected -ENODEV, got 0']]);
  });

  it('an output field the step did not produce is a located error when the step runs', () => {
    const s = parseScenario(doc('  - { id: c, vfio.open: { path: /dev/vfio/vfio } }\n  - { vfio.set_iommu: { fd: $c.nosuch, type: 3 } }\n'));
    expect(catchError(ScenarioError, () => runScenario(s)).details.path).toBe('/userspace/1/vfio.set_iommu');
  });

  it('without CONFIG_VFIO there is no /dev/vfio: open is -ENOENT', () => {
    const r = runScenario(parseScenario(doc('  - { id: c, vfio.open: { path: /dev/vfio/vfio }, expect: ENOENT }\n', '[virtio_iommu]')));
    expect(r.passed).toBe(true);
  });

  it('bind_pasid_table: the ioctl exists only with the policy (-ENOTTY), and then needs a nesting container (-EINVAL)', () => {
    const steps = '  - { id: c, vfio.open: { path: /dev/vfio/vfio } }\n  - { id: bind, vfio.bind_pasid_table: { fd: $c.fd, ptr: 0x80000000, size: 256, model: ARM_SMMU } }\n';
    expect(runScenario(parseScenario(doc(steps))).stepResults.get('bind')).toBe(-25);
    const on = parseScenario(doc(steps, '[vfio]', 'policies: { bind_pasid_table: rfc }\n'));
    expect(runScenario(on).stepResults.get('bind')).toBe(-22);
    expect(catchError(ScenarioError, () => parseScenario(doc(steps, '[vfio]', 'policies: { bind_pasid_table: maybe }\n'))).kind).toBe('unknownPolicy');
  });

  it('kvm.vfio_add on SMMUv3 without CANWBS: KVM registers non-coherent DMA and the noSnoop device is not blocked', () => {
    const path = new URL('../../../test/scenarios/vfio-kvm-nosnoop-smmuv3.yaml', import.meta.url).pathname;
    const r = runScenario(loadScenario(path));
    expect(r.passed).toBe(true);
    const out = (step: string): unknown => vfioStepRecords(r.kernel).find((x) => x.step === step && x.errno === 0)?.out;
    expect(out('kvm.vfio_add')).toEqual({ noncoherent: true, enforcedCoherent: false, noSnoopUnblocked: ['0000:00:03.0'] });
    // the last file gone: KVM unregisters non-coherent DMA again
    expect(out('kvm.vfio_del')).toMatchObject({ noncoherent: false });
  });

  it('expect.outputs compares a step\'s outputs by id and field, and fails on a wrong value, a missing field or a step that did not run', () => {
    const steps = '  - { id: c, vfio.open: { path: /dev/vfio/vfio } }\n  - { id: ext, vfio.check_extension: { fd: $c.fd, ext: TYPE1v2_IOMMU } }\n';
    const run = (outputs: string) => runScenario(parseScenario(`${doc(steps)}expect:\n  outputs:\n${outputs}`, 's.yaml')).expectations;
    // vfio_iommu_type1_check_extension(): TYPE1v2 is there before any SET_IOMMU
    const [ok] = run('    ext: { ret: 1 }\n');
    expect(ok).toMatchObject({ kind: 'outputs', subject: 'ext.ret', passed: true, path: '/expect/outputs/ext/ret', line: 11 });
    const [wrong] = run('    ext: { ret: 0 }\n');
    expect(wrong).toMatchObject({ passed: false, message: 'expected 0, got 1' });
    const [field] = run('    ext: { value: 0 }\n');
    expect(field).toMatchObject({ passed: false, message: "step 'ext' has no output 'value'; it has ret" });
    const [absent] = run('    nope: { ret: 0 }\n');
    expect(absent).toMatchObject({ passed: false, message: "step 'nope' did not run or has no outputs" });
  });
});
