import { describe, expect, it } from 'vitest';
import { fixture } from '@kdsim/testing';
import { AcpiDeviceFwnode, acpiFullPathname, IortFwnode, ViotFwnode } from './fwnodes.js';
import { decodeIort } from './iort.js';
import { iortMsiMapId } from './iort-configure.js';

describe('ACPI fwnodes', () => {
  const iort = decodeIort(fixture('acpi/qemu72-virt-IORT-smmuv3-bypass.bin'), 'IORT');

  it('names IORT nodes by offset; a root complex carries its PCI segment', () => {
    const rc = new IortFwnode(iort.nodes[2]!);
    expect([rc.type, rc.name, rc.path, rc.parent, rc.isAvailable()]).toEqual(['iort', 'IORT@0xA0', 'IORT@0xA0', null, true]);
    expect(rc.readU32Array('pci-segment')).toEqual([0]);
    expect(rc.hasProperty('pci-segment')).toBe(true);
    expect(new IortFwnode(iort.nodes[1]!).propertyNames()).toEqual([]);
  });

  it('names VIOT IOMMU fwnodes by offset', () => {
    expect([new ViotFwnode(0x30).type, new ViotFwnode(0x30).path]).toEqual(['viot', 'VIOT@0x30']);
  });

  it('models namespace devices by full path, with parent and children', () => {
    const sb = new AcpiDeviceFwnode('\\_SB_');
    const eth = new AcpiDeviceFwnode('\\_SB_.ETH0', sb);
    expect([eth.type, eth.name, eth.path, eth.parent]).toEqual(['acpi', 'ETH0', '\\_SB_.ETH0', sb]);
    expect(sb.children).toEqual([eth]);
    expect(eth.getReferenceArgs('iommus', null, 1, 0)).toEqual({ ok: false, errno: -2 });
  });

  it('pads namespace segments to 4 characters as ACPI_FULL_PATHNAME does', () => {
    expect(acpiFullPathname('\\_SB.PCI0.ETH')).toBe('\\_SB_.PCI0.ETH_');
  });
});

describe('iort_msi_map_id()', () => {
  it('gives the ITS device ID of a RID on the QEMU bypass machine (device ID = RID)', () => {
    const iort = decodeIort(fixture('acpi/qemu72-virt-IORT-smmuv3-bypass.bin'), 'IORT');
    const r = iortMsiMapId(iort, { kind: 'pci', segment: 0, rid: 8 }, 8);
    expect([r.its?.name, r.id]).toEqual(['IORT@0x30', 8]);
    expect(iortMsiMapId(iort, { kind: 'pci', segment: 1, rid: 8 }, 8)).toEqual({ its: null, id: 8 });
  });
});
