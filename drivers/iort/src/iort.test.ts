// An ACPI arm64 machine booted from the IORT fixtures (fixtures/README.md):
// qemu-virt-IORT-smmuv3-legacy.bin maps RIDs 0x0000–0x01FF of segment 0 to
// the SMMUv3 at 0x9050000 with StreamID = RID, RIDs 0x1000–0x10FF (pxb
// pcie.1, bus 0x10) to StreamIDs 0x1000–0x10FF, and nothing for bus 0x20.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Kernel, KernelModule, type Device } from '@kdsim/core';
import { PciTopology, acpiPciRootModule, pciBusModule, qemuRootPort, type PciDeviceEntry } from '@kdsim/bus-pci';
import { AcpiCompanion, AcpiPlatformDevices, acpiPlatformModule, platformBusModule, platformBusOf, platformDriver } from '@kdsim/bus-platform';
import { virtioBusModule, virtioPciModule } from '@kdsim/bus-virtio';
import { ArmSmmuV3Driver } from '@kdsim/driver-arm-smmu-v3';
import { e1000eModule, pcieportModule, virtioNetModule } from '@kdsim/driver-endpoints';
import { IortFwnode, MachineFirmware, decodeIort, type Iort } from '@kdsim/firmware';
import { IommuCore, iommuCoreModule } from '@kdsim/iommu';
import { iortModule, type IortInitOptions } from './init.js';

function fixture(name: string): Uint8Array {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(resolve(dir, 'package-lock.json'))) dir = dirname(dir);
  return new Uint8Array(readFileSync(resolve(dir, '../shared/fixtures/acpi', name)));
}

const smmuModule = new KernelModule('arm_smmu_v3', {
  initcalls: [{ level: 'device', name: 'arm_smmu_driver_init', fn: (k) => k.driverRegister(new ArmSmmuV3Driver(k).platformDriver(platformBusOf(k))) }],
});

// A platform driver for the ACPI named-component endpoint (a virtio-mmio slot's HID).
const ncDriverModule = new KernelModule('nc_test', {
  initcalls: [{ level: 'device', name: 'nc_test_init', fn: (k) => k.driverRegister(platformDriver(platformBusOf(k), { name: 'nc-test', acpiMatchTable: [{ id: 'LNRO0005' }] })) }],
});

const host = (path: string): AcpiCompanion => new AcpiCompanion(path, 'PNP0A08', ['PNP0A03'], null, 1);
const NET = (bdf: string): PciDeviceEntry => ({ bdf, id: '1af4:1000', subsystem: '1af4:0001', class: '0x020000' });

function boot(iort: Iort, options: { iort?: IortInitOptions; nc?: string; profile?: string; smmuDriver?: boolean } = {}): { k: Kernel; dev: (n: string) => Device; core: IommuCore } {
  const k = new Kernel({
    profile: options.profile ?? 'linux-6.12',
    config: { arch: 'arm64' },
    builtin: [
      platformBusModule, virtioBusModule, pciBusModule, iommuCoreModule(), iortModule(options.iort ?? {}), acpiPciRootModule, acpiPlatformModule,
      pcieportModule, virtioPciModule, virtioNetModule, e1000eModule, ncDriverModule, ...(options.smmuDriver === false ? [] : [smmuModule]),
    ],
    configure: (c) => {
      c.bind(MachineFirmware).toConstantValue(new MachineFirmware({ acpi: { iort } }));
      c.bind(PciTopology).toConstantValue(new PciTopology([
        { fwnode: host('\\_SB_.PCI0'), devices: [
          { bdf: '00:00.0', id: '1b36:0008', subsystem: '1af4:1100', class: '0x060000' },
          qemuRootPort('00:01.0', 1), NET('00:02.0'),
          { bdf: '01:00.0', id: '8086:10d3', subsystem: '8086:0000', class: '0x020000', pcie: 'endpoint' },
        ] },
        { busStart: 0x10, fwnode: host('\\_SB_.PC10'), devices: [NET('10:00.0')] },
        { busStart: 0x20, fwnode: host('\\_SB_.PC20'), devices: [NET('20:00.0')] },
      ]));
      if (options.nc !== undefined) c.bind(AcpiPlatformDevices).toConstantValue(new AcpiPlatformDevices([{ path: options.nc, hid: 'LNRO0005', cca: 1, mmio: ['0xa000000'] }]));
    },
  }).boot();
  return { k, dev: (n) => k.device(n)!, core: k.container.get(IommuCore) };
}

describe('IORT boot: qemu-virt-IORT-smmuv3-legacy.bin', () => {
  const iort = decodeIort(fixture('qemu-virt-IORT-smmuv3-legacy.bin'), 'IORT');
  const { k, dev, core } = boot(iort);

  it('creates arm-smmu-v3.0.auto with the node\'s fwnode and COHACC coherency; the SMMUv3 driver binds it and registers smmu3.0x0000000009050000', () => {
    const smmu = dev('arm-smmu-v3.0.auto');
    expect(smmu.fwnode).toBeInstanceOf(IortFwnode);
    expect((smmu.fwnode as IortFwnode).node.offset).toBe(0x30);
    expect(smmu.dmaCoherent).toBe(true);
    expect(smmu.driver?.name).toBe('arm-smmu-v3');
    expect(core.instances.map((i) => [i.name, i.fwnode])).toEqual([['smmu3.0x0000000009050000', smmu.fwnode]]);
  });

  it('PCI endpoints defer while the SMMU is unregistered, then bind behind it when it does', () => {
    for (const n of ['0000:00:01.0', '0000:00:02.0', '0000:01:00.0', '0000:10:00.0']) {
      expect(dev(n).deferCount, n).toBeGreaterThan(0);
      expect(dev(n).bound, n).toBe(true);
      expect(core.groupOf(dev(n)), n).not.toBeNull();
    }
  });

  it('stream IDs are the RIDs through the two root-complex ranges (0x1000 base for bus 0x10)', () => {
    expect(core.fwspec(dev('0000:00:01.0'))?.ids).toEqual([0x08]);
    expect(core.fwspec(dev('0000:00:02.0'))?.ids).toEqual([0x10]);
    expect(core.fwspec(dev('0000:01:00.0'))?.ids).toEqual([0x100]);
    expect(core.fwspec(dev('0000:10:00.0'))?.ids).toEqual([0x1000]);
    expect(core.fwspec(dev('0000:00:02.0'))?.iommuFwnode).toBe(dev('arm-smmu-v3.0.auto').fwnode);
  });

  it('bus 0x20 (bypass_iommu=on, no mapping) binds at once without an IOMMU', () => {
    expect(dev('0000:20:00.0').bound).toBe(true);
    expect(dev('0000:20:00.0').deferCount).toBe(0);
    expect(core.groupOf(dev('0000:20:00.0'))).toBeNull();
  });

  it('ACS was requested before the root scan (iort_enable_acs()), so the root port isolates e1000e in its own group', () => {
    const groupOf = (n: string): number | undefined => core.groupOf(dev(n))?.id;
    expect(groupOf('0000:01:00.0')).not.toBe(groupOf('0000:00:01.0'));
    expect(new Set(['0000:00:01.0', '0000:00:02.0', '0000:01:00.0', '0000:10:00.0'].map(groupOf)).size).toBe(4);
    expect(k.dmesg()).not.toContain('Firmware Bug');
  });
});

describe('IORT boot: qemu-virt-IORT-smmuv3-its_off.bin', () => {
  it('maps only RIDs 0x00–0xFF: 01:00.0 (RID 0x100) is outside and binds without an IOMMU', () => {
    const { dev, core } = boot(decodeIort(fixture('qemu-virt-IORT-smmuv3-its_off.bin'), 'IORT'));
    expect(core.fwspec(dev('0000:00:02.0'))?.ids).toEqual([0x10]);
    expect(core.groupOf(dev('0000:01:00.0'))).toBeNull();
    expect(dev('0000:01:00.0').bound).toBe(true);
  });
});

describe('IORT boot: qemu72-virt-IORT-smmuv3-bypass.bin', () => {
  it('the SMMU binds and manages nothing: the root complex maps to the ITS group only', () => {
    const { dev, core } = boot(decodeIort(fixture('qemu72-virt-IORT-smmuv3-bypass.bin'), 'IORT'));
    expect(dev('arm-smmu-v3.0.auto').driver?.name).toBe('arm-smmu-v3');
    for (const n of ['0000:00:02.0', '0000:01:00.0']) {
      expect(dev(n).deferCount).toBe(0);
      expect(core.groupOf(dev(n))).toBeNull();
    }
  });
});

describe('IORT device creation failing (iort_add_platform_device())', () => {
  it('leaves the SMMU without a device or fwnode: endpoints get no IOMMU instead of waiting', () => {
    const { k, dev, core } = boot(decodeIort(fixture('qemu-virt-IORT-smmuv3-legacy.bin'), 'IORT'), { iort: { failDevice: () => -12 } });
    expect(k.device('arm-smmu-v3.0.auto')).toBeUndefined();
    expect(dev('0000:00:02.0').deferCount).toBe(0);
    expect(core.groupOf(dev('0000:00:02.0'))).toBeNull();
  });
});

describe('bad references reaching endpoint configuration (firmware.md §3.4, §6)', () => {
  it('a root complex that maps only to an ITS group (qemu-virt-IORT-its.bin, a non-SMMU target): endpoints bind at once, no IOMMU, nothing logged', () => {
    const { k, dev, core } = boot(decodeIort(fixture('qemu-virt-IORT-its.bin'), 'IORT'));
    expect(k.device('arm-smmu-v3.0.auto')).toBeUndefined();
    expect(dev('0000:00:02.0').deferCount).toBe(0);
    expect(core.groupOf(dev('0000:00:02.0'))).toBeNull();
    expect(k.dmesg()).not.toContain('IORT');
  });

  it('mapping 0 with a NULL output reference: FW_BUG per endpoint, and the whole root complex is untranslated although mapping 1 is fine', () => {
    const bytes = fixture('qemu-virt-IORT-smmuv3-legacy.bin').slice();
    new DataView(bytes.buffer).setUint32(0xa4, 0, true); // ID mapping 0: Output reference
    const { k, dev, core } = boot(decodeIort(bytes, 'IORT'));
    expect(dev('arm-smmu-v3.0.auto').driver?.name).toBe('arm-smmu-v3');
    for (const n of ['0000:00:02.0', '0000:10:00.0']) {
      expect(dev(n).bound).toBe(true);
      expect(dev(n).deferCount).toBe(0);
      expect(core.groupOf(dev(n))).toBeNull();
    }
    expect(k.dmesg()).toContain('ACPI: IORT: [Firmware Bug]: [node 0000000000000074 type 2] ID map has NULL parent reference');
  });
});

// The SMMUv3 node every hand-assembled IORT below starts with (QEMU virt's).
const SMMU = 0x30;

// Writes a `total`-byte IORT (ARM DEN 0049 layout, firmware.md §3.2) of three nodes whose first,
// at 0x30, is QEMU virt's SMMUv3 (COHACC override, its four GSIVs); the caller adds the other two.
function iortWriter(total: number) {
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  b.set(new TextEncoder().encode('IORT'), 0);
  v.setUint32(4, total, true);
  b[8] = 5;
  v.setUint32(36, 3, true);
  v.setUint32(40, SMMU, true);
  const header = (at: number, type: number, len: number, rev: number, count: number, off: number): void => {
    b[at] = type; v.setUint16(at + 1, len, true); b[at + 3] = rev; v.setUint32(at + 8, count, true); v.setUint32(at + 12, off, true);
  };
  const mapping = (at: number, input: number, count: number, out: number, ref: number, flags: number): void => {
    v.setUint32(at, input, true); v.setUint32(at + 4, count, true); v.setUint32(at + 8, out, true); v.setUint32(at + 12, ref, true); v.setUint32(at + 16, flags, true);
  };
  header(SMMU, 4, 68, 4, 0, 0);
  v.setBigUint64(SMMU + 16, 0x9050000n, true);
  v.setUint32(SMMU + 24, 1, true); // COHACC override
  for (const [i, gsiv] of [0x6a, 0x6b, 0x6d, 0x6c].entries()) v.setUint32(SMMU + 44 + 4 * i, gsiv, true);
  // The table checksum, then the decode.
  const decode = (file: string): Iort => {
    let sum = 0;
    for (const x of b) sum = (sum + x) & 0xff;
    b[9] = (0x100 - sum) & 0xff;
    return decodeIort(b, file);
  };
  return { b, v, header, mapping, decode };
}

// A hand-assembled IORT (ARM DEN 0049 layout, firmware.md §3.2): SMMUv3 @0x30,
// ITS group @0x74, one named component @0x8c with the given single mappings.
function ncIort(name: string, maps: readonly { readonly out: number; readonly ref: 'smmu' | 'its' }[]): Iort {
  const ITS = 0x74, NC = 0x8c;
  const nameBytes = new TextEncoder().encode(name);
  const mapOff = (29 + nameBytes.length + 1 + 3) & ~3;
  const ncLen = mapOff + 20 * maps.length;
  const { b, v, header, decode } = iortWriter(NC + ncLen);
  header(ITS, 0, 24, 1, 0, 0);
  v.setUint32(ITS + 16, 1, true);
  header(NC, 1, ncLen, 4, maps.length, mapOff);
  v.setUint32(NC + 20, 1, true); // CCA
  b[NC + 27] = 3;
  b[NC + 28] = 64;
  b.set(nameBytes, NC + 29);
  for (const [i, m] of maps.entries()) {
    const at = NC + mapOff + 20 * i;
    v.setUint32(at + 8, m.out, true);
    v.setUint32(at + 12, m.ref === 'smmu' ? SMMU : ITS, true);
    v.setUint32(at + 16, 1, true); // single mapping
  }
  return decode('nc-IORT');
}

describe('named components (iort_nc_iommu_map(): single mappings, matched by ACPI path)', () => {
  const VR00 = '\\_SB_.VR00';

  it('the NC whose name is the companion\'s full path: defers until the SMMU registers, then binds with the mapping\'s output base as StreamID', () => {
    const { dev, core } = boot(ncIort(VR00, [{ out: 0x20, ref: 'smmu' }]), { nc: VR00 });
    const ep = dev('LNRO0005:00');
    expect(ep.driver?.name).toBe('nc-test');
    expect(ep.deferCount).toBeGreaterThan(0);
    expect(core.fwspec(ep)?.ids).toEqual([0x20]);
    expect(core.groupOf(ep)).not.toBeNull();
  });

  it('a single mapping to the ITS group first ends the walk: no IOMMU, even with an SMMU mapping after it; reversed, the SMMU one counts', () => {
    const its = boot(ncIort(VR00, [{ out: 0x1, ref: 'its' }, { out: 0x20, ref: 'smmu' }]), { nc: VR00 });
    expect(its.dev('LNRO0005:00').deferCount).toBe(0);
    expect(its.core.groupOf(its.dev('LNRO0005:00'))).toBeNull();
    const smmuFirst = boot(ncIort(VR00, [{ out: 0x20, ref: 'smmu' }, { out: 0x1, ref: 'its' }]), { nc: VR00 });
    expect(smmuFirst.core.fwspec(smmuFirst.dev('LNRO0005:00'))?.ids).toEqual([0x20]);
  });

  it('an NC for another path does not match: the device binds at once without an IOMMU', () => {
    const { dev, core } = boot(ncIort('\\_SB_.VR01', [{ out: 0x20, ref: 'smmu' }]), { nc: VR00 });
    expect(dev('LNRO0005:00').deferCount).toBe(0);
    expect(core.groupOf(dev('LNRO0005:00'))).toBeNull();
  });
});

describe('more bad references (firmware.md §3.4, §6)', () => {
  it('overlapping ranges the way old QEMU wrote them: the later range starting at the last ID wins, with the FW_BUG workaround lines', () => {
    const bytes = fixture('qemu-virt-IORT-smmuv3-legacy.bin').slice();
    const v = new DataView(bytes.buffer);
    v.setUint32(0x9c, 0x100, true); // mapping 0: RIDs 0x000–0x100 (one too many) → SIDs 0x000–0x100
    v.setUint32(0xac, 0x100, true); // mapping 1: RIDs 0x100–0x1ff → SIDs 0x1000–0x10ff
    const { k, dev, core } = boot(decodeIort(bytes, 'IORT'));
    expect(core.fwspec(dev('0000:01:00.0'))?.ids).toEqual([0x1000]);
    expect(core.fwspec(dev('0000:00:02.0'))?.ids).toEqual([0x10]);
    expect(core.groupOf(dev('0000:10:00.0'))).toBeNull(); // no longer mapped
    const log = k.dmesg();
    expect(log).toContain('ACPI: IORT: [Firmware Bug]: [map 00000000000000ac] conflicting mapping for input ID 0x100');
    expect(log).toContain('ACPI: IORT: [Firmware Bug]: applying workaround.');
  });

  it('a root complex mapped through a PMCG (not an IOMMU) whose single mapping is not allowed there: FW_BUG, endpoints untranslated; the PMCG gets its own platform device', () => {
    const { k, dev, core } = boot(rcViaPmcgIort());
    expect(dev('arm-smmu-v3.0.auto').driver?.name).toBe('arm-smmu-v3');
    expect(dev('arm-smmu-v3-pmcg.1.auto').fwnode).toBeInstanceOf(IortFwnode);
    expect(dev('0000:00:02.0').deferCount).toBe(0);
    expect(core.groupOf(dev('0000:00:02.0'))).toBeNull();
    expect(k.dmesg()).toContain('ACPI: IORT: [Firmware Bug]: [map 000000000000009c] SINGLE MAPPING flag not allowed for node type 5, skipping ID map');
  });
});

// SMMUv3 @0x30, PMCG @0x74 (single mapping → SMMU), RC @0xb0 (all RIDs → PMCG).
function rcViaPmcgIort(): Iort {
  const PMCG = 0x74, RC = 0xb0;
  const { b, v, header, mapping, decode } = iortWriter(RC + 56);
  header(PMCG, 5, 60, 1, 1, 40);
  v.setBigUint64(PMCG + 16, 0x9060000n, true);
  v.setUint32(PMCG + 24, 0x70, true); // overflow GSIV: no MSI DeviceID mapping to skip
  v.setUint32(PMCG + 28, SMMU, true);
  mapping(PMCG + 40, 0, 0, 0x77, SMMU, 1);
  header(RC, 2, 56, 3, 1, 36);
  v.setUint32(RC + 16, 1, true);
  b[RC + 23] = 3;
  b[RC + 32] = 64;
  mapping(RC + 36, 0, 0xffff, 0, PMCG, 0);
  return decode('pmcg-IORT');
}

describe('an SMMU whose driver never registers (arm_smmu_v3 is a module nobody loads)', () => {
  const iort = decodeIort(fixture('qemu-virt-IORT-smmuv3-its_off.bin'), 'IORT');

  it('from v6.15 endpoints wait for the deferred-probe timeout, then bind without an IOMMU', () => {
    const { k, dev, core } = boot(iort, { smmuDriver: false, profile: 'linux-6.15' });
    expect(dev('0000:00:02.0').bound).toBe(true);
    expect(core.groupOf(dev('0000:00:02.0'))).toBeNull();
    expect(k.dmesg()).toContain('virtio-pci 0000:00:02.0: deferred probe timeout, ignoring dependency');
  });

  // As VIOT does on a real 6.12.117 (test/calibration/x86-q35-viommu-missing).
  for (const profile of ['linux-6.6', 'linux-6.12']) {
    it(`${profile}: IORT returns a plain -EPROBE_DEFER for a built driver: the endpoints wait forever`, () => {
      const { k, dev } = boot(iort, { smmuDriver: false, profile });
      expect(dev('0000:00:02.0').bound).toBe(false);
      expect(k.devicesDeferred()).toContain('0000:00:02.0');
      expect(k.dmesg()).not.toContain('ignoring dependency');
    });
  }
});
