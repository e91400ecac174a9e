import { describe, expect, it } from 'vitest';
import type { Kernel } from '@kdsim/core';
import { pciAcsEnabled, pciAcsPathEnabled } from './acs.js';
import { PciBus } from './bus.js';
import { pciGroupingView } from './view.js';
import type { PciDevice } from './device.js';
import type { PciDeviceEntry } from './input.js';
import { pciRequestAcs } from './module.js';
import { PCI_DEVFN, REQ_ACS_FLAGS } from './regs.js';
import { pciAddDmaAlias, pciDevsAreDmaAliases, pciDmaAliases, pciForEachDmaAlias, pciUpstreamBridge } from './search.js';
import { pciKernel } from './testing/boot.js';
import { qemuPciDevices } from './qemu.js';

const fn = (k: Kernel, name: string): PciDevice => k.device(`0000:${name}`) as PciDevice;
const rids = (d: PciDevice): string[] => pciDmaAliases(d).map((a) => `${a.dev.name.slice(5)}=${a.alias.toString(16).padStart(4, '0')}`);

// 00:1c.0 root port → 01:00.0 switch upstream → 02:01.0 downstream → 03:00.0 PCIe-to-PCI bridge
// → 04:02.0 conventional PCI bridge → 05:00.0 device; 04:03.0 a device with a quirk alias.
const deep: PciDeviceEntry[] = [
  { bdf: '00:1c.0', id: '8086:0001', class: '0x060400', pcie: 'root-port', bridge: { secondary: 1, subordinate: 5 }, acs: ['SV', 'RR', 'CR', 'UF'] },
  { bdf: '01:00.0', id: '8086:0002', class: '0x060400', pcie: 'upstream-port', bridge: { secondary: 2, subordinate: 5 } },
  { bdf: '02:01.0', id: '8086:0003', class: '0x060400', pcie: 'downstream-port', bridge: { secondary: 3, subordinate: 5 }, acs: ['SV', 'RR', 'CR', 'UF'] },
  { bdf: '03:00.0', id: '8086:0004', class: '0x060400', pcie: 'pcie-to-pci-bridge', bridge: { secondary: 4, subordinate: 5 } },
  { bdf: '04:02.0', id: '8086:0005', class: '0x060400', bridge: { secondary: 5 } },
  { bdf: '04:03.0', id: '1234:0001', class: '0x020000', aliases: ['03.1', 0x00] },
  { bdf: '05:00.0', id: '1234:0002', class: '0x020000' },
];

describe('pci_for_each_dma_alias()', () => {
  const k = pciKernel([{ devices: deep }]).boot();

  it('root and switch ports are transparent: a PCIe endpoint has only its own RID', () => {
    expect(rids(fn(k, '02:01.0'))).toEqual(['02:01.0=0208']);
    expect(rids(fn(k, '03:00.0'))).toEqual(['03:00.0=0300']);
  });

  it('quirk aliases follow the own RID in devfn order, then the PCIe-to-PCI bridge takes (secondary bus, 00.0)', () => {
    expect(rids(fn(k, '04:03.0'))).toEqual(['04:03.0=0418', '04:03.0=0400', '04:03.0=0419', '03:00.0=0400']);
  });

  it('behind a conventional bridge: the bridge\'s own RID, then the PCIe-to-PCI bridge alias', () => {
    expect(rids(fn(k, '05:00.0'))).toEqual(['05:00.0=0500', '04:02.0=0410', '03:00.0=0400']);
  });

  it('stops at the first non-zero callback result and returns it', () => {
    const seen: number[] = [];
    const r = pciForEachDmaAlias(fn(k, '05:00.0'), (_d, alias) => (seen.push(alias), alias === 0x0410 ? -22 : 0));
    expect(r).toBe(-22);
    expect(seen).toEqual([0x0500, 0x0410]);
  });

  it('a BRIDGE_XLATE_ROOT bridge ends the walk; PCIE_BRIDGE_ALIAS makes a conventional bridge alias with its bus', () => {
    const quirked = deep.map((d) => d.bdf === '03:00.0' ? { ...d, quirks: { bridgeXlateRoot: true } }
      : d.bdf === '04:02.0' ? { ...d, quirks: { pcieBridgeAlias: true } } : d);
    const k2 = pciKernel([{ devices: quirked }]).boot();
    expect(rids(fn(k2, '05:00.0'))).toEqual(['05:00.0=0500', '04:02.0=0500']);
  });

  it('pci_add_dma_alias() adds quirk aliases at run time, logged as Linux logs them', () => {
    const k2 = pciKernel([{ devices: deep }]).boot();
    const d = fn(k2, '05:00.0');
    pciAddDmaAlias(k2, d, PCI_DEVFN(0, 1));
    pciAddDmaAlias(k2, d, PCI_DEVFN(1, 0), 2);
    expect(rids(d).slice(0, 4)).toEqual(['05:00.0=0500', '05:00.0=0501', '05:00.0=0508', '05:00.0=0509']);
    const log = k2.klog.records().map((r) => r.text);
    expect(log).toContain('pci 0000:05:00.0: Enabling fixed DMA alias to 00.1');
    expect(log).toContain('pci 0000:05:00.0: Enabling fixed DMA alias for devfn range from 01.0 to 01.1');
  });

  it('pci_upstream_bridge() and pci_devs_are_dma_aliases()', () => {
    expect(pciUpstreamBridge(fn(k, '00:1c.0'))).toBeNull();
    expect(pciUpstreamBridge(fn(k, '05:00.0'))?.name).toBe('0000:04:02.0');
    expect(pciDevsAreDmaAliases(fn(k, '04:02.0'), fn(k, '04:03.0'))).toBe(false);
    const k2 = pciKernel([{ devices: [...deep, { bdf: '04:00.0', id: '1234:0003', class: '0x020000' }] }]).boot();
    expect(pciDevsAreDmaAliases(fn(k2, '04:00.0'), fn(k2, '04:03.0'))).toBe(true);
  });
});

describe('ACS', () => {
  it('without pci_request_acs() before enumeration nothing is enabled: the root port does not isolate (ARM truth: root port and e1000e share a group)', () => {
    const k = pciKernel([{ devices: qemuPciDevices('virt') }]).boot();
    pciRequestAcs(k); // of_iommu_configure() at the first probe: too late for enumerated functions
    const rp = fn(k, '00:05.0');
    expect(rp.acsCtrl).toBe(0);
    expect(pciAcsPathEnabled(rp, null, REQ_ACS_FLAGS)).toBe(false);
  });

  it('requested before enumeration (x86 VIOT/ACPI), the root port enables SV RR CR UF but not TB, and the path isolates', () => {
    const k = pciKernel([{ devices: qemuPciDevices('q35-viommu') }]);
    pciRequestAcs(k);
    k.boot();
    const rp = fn(k, '00:05.0');
    expect(rp.acsCtrl).toBe(REQ_ACS_FLAGS);
    expect(pciAcsPathEnabled(rp, null, REQ_ACS_FLAGS)).toBe(true);
    // A single-function PCIe endpoint counts as isolated; the path from it up includes the root port.
    expect(pciAcsPathEnabled(fn(k, '01:00.0'), null, REQ_ACS_FLAGS)).toBe(true);
    // Conventional PCI functions never provide ACS.
    expect(pciAcsEnabled(fn(k, '00:1f.2'), REQ_ACS_FLAGS)).toBe(false);
  });

  it('multifunction endpoints need their own ACS; capabilities they lack count as hard-wired', () => {
    const k = pciKernel([{ devices: [
      { bdf: '00:02.0', id: '8086:1000', class: '0x020000', pcie: 'endpoint', multifunction: true },
      { bdf: '00:02.1', id: '8086:1000', class: '0x020000', pcie: 'endpoint', acs: ['SV'] },
      { bdf: '00:03.0', id: '8086:1000', class: '0x020000', pcie: 'rc-integrated-endpoint' },
      { bdf: '00:04.0', id: '8086:1001', class: '0x080700', pcie: 'rc-event-collector', acs: ['SV', 'RR', 'CR', 'UF'] },
    ] }]);
    pciRequestAcs(k);
    k.boot();
    expect(pciAcsEnabled(fn(k, '00:02.0'), REQ_ACS_FLAGS)).toBe(false); // multifunction, no ACS capability
    expect(pciAcsEnabled(fn(k, '00:02.1'), REQ_ACS_FLAGS)).toBe(true); // only SV implemented, and enabled
    expect(pciAcsEnabled(fn(k, '00:03.0'), REQ_ACS_FLAGS)).toBe(true); // a single-function RCiEP counts as isolated
    expect(pciAcsEnabled(fn(k, '00:04.0'), REQ_ACS_FLAGS)).toBe(false); // ACS never applies to event collectors
  });

  it('pci_acs_path_enabled() stops at `end` and fails on a non-ACS bridge on the way', () => {
    const k = pciKernel([{ devices: deep }]);
    pciRequestAcs(k);
    k.boot();
    expect(pciAcsPathEnabled(fn(k, '02:01.0'), fn(k, '02:01.0'), REQ_ACS_FLAGS)).toBe(true);
    // The switch upstream port is single-function (isolated), the downstream port and root port have ACS.
    expect(pciAcsPathEnabled(fn(k, '02:01.0'), null, REQ_ACS_FLAGS)).toBe(true);
    // The PCIe-to-PCI bridge never provides ACS.
    expect(pciAcsPathEnabled(fn(k, '03:00.0'), null, REQ_ACS_FLAGS)).toBe(false);
  });
});

describe('the grouping view pci_device_group() reads', () => {
  it('answers from the same helpers: alias owners, upstream bridge, same-bus functions, slot inputs', () => {
    const k = pciKernel([{ devices: deep }]).boot();
    const view = pciGroupingView(k.container.get(PciBus));
    expect(view.dmaAliasOwners(fn(k, '05:00.0')).map((d) => d.name)).toEqual(['0000:05:00.0', '0000:04:02.0', '0000:03:00.0']);
    expect(view.upstreamBridge(fn(k, '05:00.0'))?.name).toBe('0000:04:02.0');
    expect(view.onRootBus(fn(k, '00:1c.0'))).toBe(true);
    expect(view.sameBus(fn(k, '04:02.0')).map((d) => d.name)).toEqual(['0000:04:03.0']);
    expect(view.devfn(fn(k, '04:03.0'))).toBe(0x18);
    expect(view.isPci(k.device('pci0000:00')!)).toBe(false);
  });
});
