import { Errno, type Device } from '@kdsim/core';
import { IommuHwInfoType } from '@kdsim/iommu';
import { describe, expect, it } from 'vitest';
import { MOCK_FLAGS_DEVICE } from './mock/mock-iommu.js';
import { hostPasidTable, PasidTableModel, PasidTablePolicy, RfcPasidTablePolicy } from './pasid-table.js';
import { mockWorld } from './testing.js';
import { VFIO_EXT } from './uapi.js';

/** Two PASID-capable devices in one group behind an SMMUv3-format IOMMU, both handed to VFIO. */
function world(o: { policy?: boolean; type?: number } = {}) {
  const w = mockWorld({ mock: { singleGroup: true, enableNesting: true, hwInfo: { type: IommuHwInfoType.ARM_SMMUV3, data: {} } } });
  const policy = new RfcPasidTablePolicy();
  if (o.policy !== false) w.k.container.bind(PasidTablePolicy).toConstantValue(policy);
  const devs = [w.mock.addDevice({ flags: MOCK_FLAGS_DEVICE.PASID }), w.mock.addDevice({ flags: MOCK_FLAGS_DEVICE.PASID })] as Device[];
  for (const d of devs) expect(typeof w.vfio.registerGroupDev(d)).toBe('object');
  const group = w.vfio.iommu.groupOf(devs[0]!)!;
  const gfd = w.proc.open(`/dev/vfio/${group.id}`).out.fd;
  const cfd = w.proc.open('/dev/vfio/vfio').out.fd;
  expect(w.proc.groupSetContainer(gfd, cfd).errno).toBe(0);
  expect(w.proc.setIommu(cfd, o.type ?? VFIO_EXT.TYPE1_NESTING_IOMMU).errno).toBe(0);
  return { w, policy, group, cfd, devs };
}

describe('bind_pasid_table (2017 RFC, injectable policy)', () => {
  const table = (model: number) => ({ ptr: 0x8000_0000n, size: 256, model });

  it('binds one table for the whole group (every device of it) when the model matches the IOMMU, and unbinds', () => {
    const { w, policy, group, cfd, devs } = world();
    expect(group.devices).toEqual(devs);
    expect(w.proc.bindPasidTable(cfd, table(PasidTableModel.ARM_SMMU)).out.devices).toEqual(devs.map((d) => d.name));
    expect(policy.binding(group)?.info.model).toBe(PasidTableModel.ARM_SMMU);
    expect(w.proc.bindPasidTable(cfd, table(PasidTableModel.ARM_SMMU)).errno).toBe(-Errno.EBUSY);
    expect(w.proc.unbindPasidTable(cfd).errno).toBe(0);
    expect(policy.binding(group)).toBeNull();
    expect(w.proc.unbindPasidTable(cfd).errno).toBe(-Errno.ENOENT);
  });

  it('refuses an Intel-format table on an SMMU (-EINVAL) and a table larger than the host PASID space', () => {
    const { w, policy, group, cfd } = world();
    expect(w.proc.bindPasidTable(cfd, table(PasidTableModel.INTEL_IOMMU)).errno).toBe(-Errno.EINVAL);
    expect(w.proc.bindPasidTable(cfd, { ...table(PasidTableModel.ARM_SMMU), size: (1 << 20) + 1 }).errno).toBe(-Errno.EINVAL);
    expect(policy.binding(group)).toBeNull();
  });

  it('needs a nesting container (-EINVAL) and does not exist without the policy (-ENOTTY)', () => {
    const v2 = world({ type: VFIO_EXT.TYPE1v2_IOMMU });
    expect(v2.w.proc.bindPasidTable(v2.cfd, table(PasidTableModel.ARM_SMMU)).errno).toBe(-Errno.EINVAL);
    const none = world({ policy: false });
    expect(none.w.proc.bindPasidTable(none.cfd, table(PasidTableModel.ARM_SMMU)).errno).toBe(-Errno.ENOTTY);
  });

  it('sizes the host table from the devices\' PASIDs, at least the one entry of a device without PASIDs', () => {
    const w = mockWorld({ mock: { singleGroup: true, enableNesting: true, hwInfo: { type: IommuHwInfoType.ARM_SMMUV3, data: {} } } });
    w.k.container.bind(PasidTablePolicy).toConstantValue(new RfcPasidTablePolicy());
    const dev = w.mock.addDevice({}) as Device;
    expect(typeof w.vfio.registerGroupDev(dev)).toBe('object');
    const group = w.vfio.iommu.groupOf(dev)!;
    expect(hostPasidTable(w.vfio.iommu, group)).toEqual({ model: PasidTableModel.ARM_SMMU, size: 1 });
    const gfd = w.proc.open(`/dev/vfio/${group.id}`).out.fd;
    const cfd = w.proc.open('/dev/vfio/vfio').out.fd;
    expect(w.proc.groupSetContainer(gfd, cfd).errno).toBe(0);
    expect(w.proc.setIommu(cfd, VFIO_EXT.TYPE1_NESTING_IOMMU).errno).toBe(0);
    expect(w.proc.bindPasidTable(cfd, { ...table(PasidTableModel.ARM_SMMU), size: 2 }).errno).toBe(-Errno.EINVAL);
    expect(w.proc.bindPasidTable(cfd, { ...table(PasidTableModel.ARM_SMMU), size: 1 })).toEqual({ errno: 0, out: { devices: [dev.name] } });
  });
});
