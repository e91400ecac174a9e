import { describe, expect, it } from 'vitest';
import { Kernel, type Device } from '@kdsim/core';
import { PciTopology, type PciDeviceEntry } from '@kdsim/bus-pci';
import { debianBuiltins } from './catalogue.js';

// A root port with an x3130 switch below it, every port with AER (as QEMU 7.2 builds them).
const SWITCH: PciDeviceEntry[] = [
  { bdf: '00:04.0', id: '1b36:000c', class: '0x060400', pcie: 'root-port', bridge: { secondary: 1, subordinate: 3 }, caps: { aer: true } },
  { bdf: '01:00.0', id: '104c:8232', class: '0x060400', pcie: 'upstream-port', bridge: { secondary: 2, subordinate: 3 }, caps: { aer: true } },
  { bdf: '02:00.0', id: '104c:8233', class: '0x060400', pcie: 'downstream-port', bridge: { secondary: 3 }, caps: { aer: true } },
];

function aerServices(profile: string): string[] {
  const k = new Kernel({
    profile, config: { arch: 'x86_64' }, builtin: debianBuiltins('amd64'),
    configure: (c) => c.bind(PciTopology).toConstantValue(new PciTopology([{ devices: SWITCH }])),
  }).boot();
  const service = (d: Device): boolean => d.bus?.name === 'pci_express' && d.name.endsWith('02');
  return k.devices.filter(service).map((d) => `${d.name} ${d.bound ? d.driver!.name : '-'}`);
}

// Real Debian 6.1.176 and 6.12.117 on the same switch (test/calibration/*switch*).
describe('portdrv: the AER service', () => {
  it('goes to every port with AER before v6.2, where the aer driver binds only the root port\'s', () => {
    expect(aerServices('linux-6.1')).toEqual(['0000:00:04.0:pcie002 aer', '0000:01:00.0:pcie102 -', '0000:02:00.0:pcie202 -']);
  });

  it('goes to Root Ports and RCECs only from v6.2 ("PCI/portdrv: Allow AER service only for Root Ports & RCECs")', () => {
    expect(aerServices('linux-6.2')).toEqual(['0000:00:04.0:pcie002 aer']);
  });
});
