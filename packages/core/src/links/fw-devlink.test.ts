import type { Container } from 'inversify';
import { describe, expect, it } from 'vitest';
import { Errno } from '../errno.js';
import { SoftwareNode } from '../fwnode/swnode.js';
import type { Fwnode } from '../fwnode/fwnode.js';
import type { Kernel } from '../kernel.js';
import { LogLevel } from '../klog/levels.js';
import { KernelCmdline } from '../profile/cmdline.js';
import { KernelProfile } from '../profile/profile.js';
import { dtName, lines, node, ref, World } from '../testing/world.js';
import { DL_FLAG, FWNODE_FLAG } from './flags.js';
import { DefaultFwDevlinkPolicy, FwDevlinkPolicy } from './policy.js';
import { deviceLinksEntry, devlinkClass } from './views.js';

const DYNDBG = 'dyndbg="file drivers/base/core.c +p; file drivers/base/dd.c +p; file drivers/of/property.c +p"';

// software_node_add_links(): the kernel's own swnode parser (every reference property).
const swnodeRefs = (c: Container): void => {
  c.rebind(FwDevlinkPolicy).toResolvedValue(
    (p: KernelProfile, cl: KernelCmdline) => new DefaultFwDevlinkPolicy(p, cl, { swnodeLinks: 'swnode-references' }),
    [KernelProfile, KernelCmdline],
  );
};

/** The fwnode suppliers of `fw` as fw_devlink sees them right now, oldest first (the order they were parsed). */
function fwSuppliers(k: Kernel, fw: Fwnode): Fwnode[] {
  return (k.links.fwnodes.peek(fw)?.supplierLinks() ?? []).map((l) => l.supplier).reverse();
}
function fwConsumers(k: Kernel, fw: Fwnode): Fwnode[] {
  return (k.links.fwnodes.peek(fw)?.consumerLinks() ?? []).map((l) => l.consumer).reverse();
}

describe('software-node links (the shapes of drivers/base/test/swnode-devlink-test.c)', () => {
  function parse(consumer: SoftwareNode): Kernel {
    const k = new World().kernel({ configure: swnodeRefs });
    k.links.fw.parseFwtree(consumer);
    return k;
  }

  it('one reference gives exactly one supplier link, visible from both ends', () => {
    const supplier = new SoftwareNode('swnode-devlink-test-supplier');
    const consumer = new SoftwareNode('consumer', null, { supplier: [{ node: supplier }] });
    const k = parse(consumer);
    expect(fwSuppliers(k, consumer)).toEqual([supplier]);
    expect(fwConsumers(k, supplier)).toEqual([consumer]);
  });

  it('multiple distinct references give multiple supplier links', () => {
    const s1 = new SoftwareNode('supplier-1');
    const s2 = new SoftwareNode('supplier-2');
    const consumer = new SoftwareNode('consumer', null, { foo: [{ node: s1 }], bar: [{ node: s2 }] });
    const k = parse(consumer);
    expect(fwSuppliers(k, consumer)).toEqual([s1, s2]);
  });

  it('a reference array gives one link per registered element', () => {
    const s1 = new SoftwareNode('supplier-1');
    const s2 = new SoftwareNode('supplier-2');
    const consumer = new SoftwareNode('consumer', null, { suppliers: [{ node: s1 }, { node: s2, args: [4, 2] }] });
    expect(fwSuppliers(parse(consumer), consumer)).toEqual([s1, s2]);
  });

  it('a reference to an unregistered node gives no link', () => {
    const supplier = new SoftwareNode('supplier', null, {}, { registered: false });
    const consumer = new SoftwareNode('consumer', null, { supplier: [{ node: supplier }] });
    expect(fwSuppliers(parse(consumer), consumer)).toEqual([]);
  });

  it('a graph remote-endpoint reference is not a supplier', () => {
    const ep = new SoftwareNode('end-point');
    const consumer = new SoftwareNode('consumer', null, { 'remote-endpoint': [{ node: ep }] });
    expect(fwSuppliers(parse(consumer), consumer)).toEqual([]);
  });

  it('a consumer added before its supplier binds only after it', () => {
    const w = new World();
    const supplierNode = new SoftwareNode('swnode-link-supplier');
    const consumerNode = new SoftwareNode('swnode-link-consumer', null, { 'supplier-ref': [{ node: supplierNode }] });
    w.at('device', 'drivers', (k) => {
      k.driverRegister(w.driver('swnode-link-supplier'));
      k.driverRegister(w.driver('swnode-link-consumer'));
    });
    w.at('late_sync', 'add', (k) => w.fwDevices(k, consumerNode, supplierNode));
    const k = w.kernel({ configure: swnodeRefs });
    k.boot();
    expect(w.probes).toEqual(['swnode-link-supplier', 'swnode-link-consumer']);
    // Tear down the consumer (and its device link) before the supplier.
    k.deviceDel(k.device('swnode-link-consumer')!);
    k.deviceDel(k.device('swnode-link-supplier')!);
    expect(k.links.all()).toEqual([]);
  });
});

describe('fw_devlink with devicetree supplier bindings', () => {
  it('blocks a consumer added before its supplier device with "wait for supplier <path>"', () => {
    const w = new World();
    const soc = node('soc');
    const clk = node('clock-controller@1000', soc, { compatible: ['acme,clk'], '#clock-cells': [1] });
    const uart = node('serial@2000', soc, { compatible: ['acme,uart'], clocks: [ref(clk, 3)] });
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, uart));
    w.at('device', 'drivers', (k) => {
      k.driverRegister(w.driver('uart', () => 0, { matchTable: ['acme,uart'] }));
      k.driverRegister(w.driver('clk', () => 0, { matchTable: ['acme,clk'] }));
    });
    const k = w.kernel({ cmdline: 'deferred_probe_timeout=-1' });
    k.boot();
    // The link check happens before the driver: probe() was never called.
    expect(w.probes).toEqual([]);
    expect(k.devicesDeferred()).toBe('2000.serial\tsim: wait for supplier /soc/clock-controller@1000\n');
    expect(deviceLinksEntry(k, k.device('2000.serial')!).waitingForSupplier).toBe(1);
  });

  it('prints the node name, not the path, in "wait for supplier" before v6.3', () => {
    const w = new World();
    const soc = node('soc');
    // Before v6.3 a supplier is the nearest node with `compatible`.
    const clk = node('clock-controller@1000', soc, { compatible: ['acme,clk'], '#clock-cells': [0] });
    const uart = node('serial@2000', soc, { compatible: ['acme,uart'], clocks: [ref(clk)] });
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, uart));
    w.at('device', 'drivers', (k) => k.driverRegister(w.driver('uart', () => 0, { matchTable: ['acme,uart'] })));
    const k = w.kernel({ profile: 'linux-6.1', cmdline: 'deferred_probe_timeout=-1' });
    k.boot();
    expect(k.devicesDeferred()).toBe('2000.serial\tsim: wait for supplier clock-controller@1000\n');
  });

  it('records no reason at all before v5.16: only a debug line', () => {
    const w = new World();
    const clk = node('clk', null, { compatible: ['acme,clk'], '#clock-cells': [0] });
    const uart = node('uart', null, { clocks: [ref(clk)] });
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, uart));
    w.at('device', 'drivers', (k) => k.driverRegister(w.driver('uart')));
    const k = w.kernel({ profile: 'linux-5.15', cmdline: `deferred_probe_timeout=-1 ${DYNDBG}` });
    k.boot();
    expect(k.devicesDeferred()).toBe('uart\t\n');
    expect(lines(k, 'probe deferral - wait for supplier clk')).toContain('sim uart: probe deferral - wait for supplier clk');
  });

  it('converts the fwnode link once both devices exist and logs it as the kernel does', () => {
    const w = new World();
    const clk = node('clk@1', null, { '#clock-cells': [0] });
    const uart = node('uart@2', null, { clocks: [ref(clk)] });
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, uart, clk));
    const k = w.kernel({ cmdline: `deferred_probe_timeout=-1 ${DYNDBG}` });
    k.boot();
    const log = k.dmesg();
    expect(log).toContain('/uart@2 Linked as a fwnode consumer to /clk@1');
    expect(log).toContain("device: 'sim:1.clk--sim:2.uart': device_add");
    expect(log).toContain('sim 2.uart: Linked as a consumer to 1.clk');
    expect(log).toContain('/uart@2 Dropping the fwnode link to /clk@1');
    expect(devlinkClass(k)).toMatchObject([
      { name: 'sim:1.clk--sim:2.uart', status: 'dormant', autoRemoveOn: 'never', runtimePm: 1, syncStateOnly: 0 },
    ]);
  });

  it('uses the mode\'s flags: rpm links have runtime_pm, on links do not, permissive links are sync-state-only', () => {
    const flagsFor = (cmdline: string, profile = 'linux-6.12'): number => {
      const w = new World();
      const clk = node('clk', null, { compatible: ['acme,clk'], '#clock-cells': [0] });
      const uart = node('uart', null, { clocks: [ref(clk)] });
      w.at('arch_sync', 'populate', (k) => w.fwDevices(k, clk, uart));
      // No timeout: fw_devlink_drivers_done() would relax links to these driverless suppliers.
      const k = w.kernel({ cmdline: `deferred_probe_timeout=-1 ${cmdline}`, profile });
      k.boot();
      return k.links.all()[0]?.flags ?? -1;
    };
    expect(flagsFor('')).toBe(DL_FLAG.MANAGED | DL_FLAG.INFERRED | DL_FLAG.AUTOPROBE_CONSUMER | DL_FLAG.PM_RUNTIME);
    expect(flagsFor('', 'linux-6.6')).toBe(DL_FLAG.MANAGED | DL_FLAG.INFERRED | DL_FLAG.AUTOPROBE_CONSUMER);
    expect(flagsFor('fw_devlink=permissive')).toBe(DL_FLAG.MANAGED | DL_FLAG.INFERRED | DL_FLAG.SYNC_STATE_ONLY);
    expect(flagsFor('fw_devlink=off')).toBe(-1);
    // linux-5.10 defaults to permissive.
    expect(flagsFor('', 'linux-5.10')).toBe(DL_FLAG.MANAGED | DL_FLAG.INFERRED | DL_FLAG.SYNC_STATE_ONLY);
  });

  it('makes no dependency on a disabled supplier, but blocks on an enabled one that never gets a driver', () => {
    const boot = (status: string) => {
      const w = new World();
      const dma = node('dma@1', null, { status: [status], '#dma-cells': [1], compatible: ['acme,dma'] });
      const iommu = node('iommu@2', null, { status: [status], '#iommu-cells': [1] });
      const uart = node('uart@3', null, { compatible: ['acme,uart'], dmas: [ref(dma, 1)], iommus: [ref(iommu, 4)], clocks: [] });
      const pwr = node('power@4', null, { status: [status], '#power-domain-cells': [0] });
      uart.setProperty('power-domains', [ref(pwr)]);
      w.at('arch_sync', 'populate', (k) => w.fwDevices(k, uart));
      w.at('device', 'drivers', (k) => k.driverRegister(w.driver('uart', () => 0, { matchTable: ['acme,uart'] })));
      const k = w.kernel({ cmdline: 'deferred_probe_timeout=-1' });
      k.boot();
      return k;
    };
    expect(boot('disabled').device('3.uart')?.bound).toBe(true);
    const k = boot('okay');
    expect(k.device('3.uart')?.bound).toBe(false);
    // Only power-domains is mandatory: dmas and iommus are optional without fw_devlink.strict.
    expect(k.devicesDeferred()).toBe('3.uart\tsim: wait for supplier /power@4\n');
  });

  it('parses iommus, iommu-map and dmas only with fw_devlink.strict=1 (v5.12+); they are mandatory before', () => {
    const suppliers = (cmdline: string, profile = 'linux-6.12'): string[] => {
      const w = new World();
      const smmu = node('iommu@5000000', null, { compatible: ['arm,smmu-v3'], '#iommu-cells': [1] });
      const dma = node('dma@6000', null, { compatible: ['acme,dma'], '#dma-cells': [1] });
      const pcie = node('pcie@3600000', null, { 'iommu-map': [ref(smmu, 0, 0, 0x10000)], dmas: [ref(dma, 2)], iommus: [ref(smmu, 7)] });
      const k = w.kernel({ cmdline, profile });
      k.links.fw.parseFwtree(pcie);
      return fwSuppliers(k, pcie).map((f) => f.name).sort();
    };
    expect(suppliers('')).toEqual([]);
    expect(suppliers('fw_devlink.strict=1')).toEqual(['dma@6000', 'iommu@5000000']);
    expect(suppliers('fw_devlink.strict=1 fw_devlink=permissive')).toEqual([]);
    expect(suppliers('', 'linux-5.11')).toEqual(['dma@6000', 'iommu@5000000']);
  });

  it('finds the interrupt controller through interrupt-parent, as the calibration boot does for virtio_mmio', () => {
    const w = new World();
    const root = node('', null);
    const intc = node('intc@8000000', root, { '#interrupt-cells': [3], 'interrupt-controller': true });
    root.setProperty('interrupt-parent', [ref(intc)]);
    const virtio = node('virtio_mmio@a000000', root, { interrupts: [0, 16, 1] });
    w.at('early', 'gic', (k) => k.fwnodeDevInitialized(intc));
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, virtio));
    w.at('device', 'drivers', (k) => k.driverRegister(w.driver('virtio-mmio', () => 0, { matchTable: ['a000000.virtio_mmio'] })));
    const k = w.kernel({ cmdline: DYNDBG });
    k.boot();
    expect(k.device('a000000.virtio_mmio')?.bound).toBe(true);
    const log = k.dmesg();
    expect(log).toContain('//virtio_mmio@a000000 Linked as a fwnode consumer to //intc@8000000');
    expect(log).toContain('sim a000000.virtio_mmio: Not linking //intc@8000000 - might never become dev');
    expect(log).toContain('//virtio_mmio@a000000 Dropping the fwnode link to //intc@8000000');
  });

  it('links a remote-endpoint to the remote port\'s device, consumed by the local port\'s device (v5.13+)', () => {
    const build = () => {
      const panel = node('panel', null);
      const pport = node('port', panel);
      const pep = node('endpoint', pport);
      const dsi = node('dsi@7e700000', null);
      const ports = node('ports', dsi);
      const dport = node('port@1', ports);
      const dep = node('endpoint', dport, { 'remote-endpoint': [ref(pep)] });
      pep.setProperty('remote-endpoint', [ref(dep)]);
      return { panel, dsi, dep };
    };
    const a = build();
    const k = new World().kernel();
    k.links.fw.parseFwtree(a.dsi);
    expect(fwSuppliers(k, a.dsi)).toEqual([a.panel]);
    expect(fwSuppliers(k, a.dep)).toEqual([]);
    const b = build();
    const old = new World().kernel({ profile: 'linux-5.10', cmdline: 'fw_devlink=on' });
    old.links.fw.parseFwtree(b.dsi);
    expect(fwSuppliers(old, b.dsi)).toEqual([]);
  });

  it('does not parse ACPI, IORT or VIOT nodes', () => {
    const clk = node('clk', null, { '#clock-cells': [0] });
    const acpi: Fwnode = Object.assign(Object.create(SoftwareNode.prototype) as SoftwareNode, node('dev', null, { clocks: [ref(clk)] }));
    Object.defineProperty(acpi, 'type', { value: 'acpi' });
    const k = new World().kernel();
    expect(k.links.policy.addLinksMode(acpi)).toBe('none');
  });

  it('keeps its fwnode state per kernel: one firmware tree, two kernels', () => {
    const clk = node('clk', null, { '#clock-cells': [0] });
    const uart = node('uart', null, { clocks: [ref(clk)] });
    const boot = (cmdline: string) => {
      const w = new World();
      w.at('arch_sync', 'populate', (k) => w.fwDevices(k, uart));
      w.at('device', 'drv', (k) => k.driverRegister(w.driver('uart')));
      const k = w.kernel({ cmdline: `deferred_probe_timeout=-1 ${cmdline}` });
      k.boot();
      return k;
    };
    const on = boot('');
    const off = boot('fw_devlink=off');
    expect(on.device('uart')?.bound).toBe(false);
    expect(off.device('uart')?.bound).toBe(true);
    expect(on.links.fwnodes.test(uart, FWNODE_FLAG.LINKS_ADDED)).toBe(true);
    expect(off.links.fwnodes.test(uart, FWNODE_FLAG.LINKS_ADDED)).toBe(false);
  });

  it('two kernels booting one tree in turns each keep their own links', () => {
    const clk = node('clk', null, { '#clock-cells': [0] });
    const uart = node('uart', null, { clocks: [ref(clk)] });
    const kernel = () => {
      const w = new World();
      w.at('arch_sync', 'populate', (k) => w.fwDevices(k, clk, uart));
      w.at('device', 'uart_drv', (k) => k.driverRegister(w.driver('uart')));
      w.at('late', 'clk_drv', (k) => k.driverRegister(w.driver('clk')));
      return w.kernel({ cmdline: 'deferred_probe_timeout=-1' });
    };
    const a = kernel();
    const b = kernel();
    // Each runs its initcalls up to the uart's deferral, in turns, then both finish.
    a.boot(1);
    b.boot(1);
    for (let t = 1; t < 2_000_000_000; t *= 4) {
      a.runUntil(t);
      b.runUntil(t);
    }
    a.runUntil();
    b.runUntil();
    for (const k of [a, b]) {
      expect(k.device('uart')?.bound).toBe(true);
      expect(k.links.fwnodes.test(uart, FWNODE_FLAG.LINKS_ADDED)).toBe(true);
      expect(k.device('uart')?.links.suppliers.map((l) => l.supplier)).toEqual([k.device('clk')]);
    }
  });
});

describe('proxy links for device-less descendants', () => {
  // The calibration boot: /gpio-keys/poweroff has `gpios = <&pl061 ...>`; gpio-keys has no driver loaded.
  function gpioKeys(bindGpio: boolean) {
    const w = new World();
    const pl061 = node('pl061@9030000', null, { compatible: ['arm,pl061'], '#gpio-cells': [2] });
    const keys = node('gpio-keys', null, { compatible: ['gpio-keys'] });
    node('poweroff', keys, { gpios: [ref(pl061, 3, 0)] });
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, keys, pl061));
    if (bindGpio) w.at('device', 'pl061', (k) => k.driverRegister(w.driver('pl061_gpio', () => 0, { matchTable: ['arm,pl061'] })));
    const k = w.kernel({ cmdline: DYNDBG });
    k.boot();
    return k;
  }

  it('links the nearest ancestor device as a sync-state-only consumer and keeps the fwnode link', () => {
    const k = gpioKeys(true);
    expect(k.dmesg()).toContain('/gpio-keys/poweroff Linked as a fwnode consumer to /pl061@9030000');
    expect(k.dmesg()).toContain('sim gpio-keys: Linked as a sync state only consumer to 9030000.pl061');
    expect(devlinkClass(k)).toEqual([expect.objectContaining({
      name: 'sim:9030000.pl061--sim:gpio-keys', status: 'available', syncStateOnly: 1, autoRemoveOn: 'never', runtimePm: 0,
    })]);
    expect(deviceLinksEntry(k, k.device('gpio-keys')!)).toEqual({
      device: 'gpio-keys', suppliers: ['supplier:sim:9030000.pl061'], consumers: [], waitingForSupplier: 0,
    });
  });

  it('leaves the proxy link dormant while the supplier has no driver', () => {
    expect(devlinkClass(gpioKeys(false))[0]?.status).toBe('dormant');
  });
});

describe('fwnode flags', () => {
  it('NOT_DEVICE (v6.3+): a bound parent picks up the consumers of its device-less child', () => {
    const w = new World();
    const pinctrl = node('pinctrl@1000', null, { compatible: ['acme,pinctrl'] });
    const state = node('uart-pins', pinctrl);
    const uart = node('serial@2000', null, { compatible: ['acme,uart'], 'pinctrl-0': [ref(state)] });
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, pinctrl, uart));
    w.at('device', 'drivers', (k) => {
      k.driverRegister(w.driver('uart', () => 0, { matchTable: ['acme,uart'] }));
      k.driverRegister(w.driver('pinctrl', () => 0, { matchTable: ['acme,pinctrl'] }));
    });
    const k = w.kernel({ cmdline: DYNDBG });
    k.boot();
    expect(w.probes).toEqual(['1000.pinctrl', '2000.serial']);
    expect(k.links.fwnodes.test(state, FWNODE_FLAG.NOT_DEVICE)).toBe(true);
    expect(k.dmesg()).toContain('/serial@2000 Linked as a fwnode consumer to /pinctrl@1000');
    expect(devlinkClass(k).map((e) => [e.name, e.status])).toEqual([['sim:1000.pinctrl--sim:2000.serial', 'active']]);
  });

  it('a bound parent retires its device-less children: v5.12–v6.2 drops their consumer links, v6.3+ takes them over', () => {
    const boot = (profile: string) => {
      const w = new World();
      const pmic = node('pmic@30', null, { compatible: ['acme,pmic'] });
      const ldo = node('ldo1', pmic, { compatible: ['acme,ldo'] });
      const mmc = node('mmc@1000', null, { compatible: ['acme,mmc'], 'vmmc-supply': [ref(ldo)] });
      w.at('arch_sync', 'populate', (k) => w.fwDevices(k, pmic, mmc));
      w.at('device', 'drivers', (k) => {
        k.driverRegister(w.driver('mmc', () => 0, { matchTable: ['acme,mmc'] }));
        k.driverRegister(w.driver('pmic', () => 0, { matchTable: ['acme,pmic'] }));
      });
      const k = w.kernel({ profile, cmdline: 'deferred_probe_timeout=-1' });
      k.boot();
      return { k, w, ldo };
    };
    const old = boot('linux-6.1');
    expect(old.w.probes).toEqual(['30.pmic', '1000.mmc']);
    expect(old.k.links.fwnodes.test(old.ldo, FWNODE_FLAG.NOT_DEVICE)).toBe(true);
    expect(devlinkClass(old.k)).toEqual([]);
    const now = boot('linux-6.12');
    expect(now.w.probes).toEqual(['30.pmic', '1000.mmc']);
    expect(devlinkClass(now.k).map((e) => [e.name, e.status])).toEqual([['sim:30.pmic--sim:1000.mmc', 'active']]);
  });

  it('before v6.3 the link goes to the nearest compatible ancestor right away', () => {
    const k = new World().kernel({ profile: 'linux-6.1' });
    const pinctrl = node('pinctrl@1000', null, { compatible: ['acme,pinctrl'] });
    const state = node('uart-pins', pinctrl);
    const uart = node('serial@2000', null, { 'pinctrl-0': [ref(state)] });
    k.links.fw.parseFwtree(uart);
    expect(fwSuppliers(k, uart)).toEqual([pinctrl]);
  });

  it('INITIALIZED: a provider with no device does not hold consumers (v5.12+)', () => {
    const w = new World();
    const sysc = node('system-controller@e6180000', null, { '#power-domain-cells': [1] });
    const dev = node('ethernet@e6800000', null, { 'power-domains': [ref(sysc, 3)] });
    w.at('early', 'rcar_sysc_pd_init', (k) => k.fwnodeDevInitialized(sysc));
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, dev));
    w.at('device', 'drv', (k) => k.driverRegister(w.driver('ravb', () => 0, { matchTable: ['e6800000.ethernet'] })));
    const k = w.kernel({ cmdline: DYNDBG });
    k.boot();
    expect(k.device('e6800000.ethernet')?.bound).toBe(true);
    expect(k.dmesg()).toContain('Not linking /system-controller@e6180000 - might never become dev');
  });

  it('NEEDS_CHILD_BOUND_ON_ADD (v5.15+): an ancestor supplier is not enforced', () => {
    const w = new World();
    const mdio = node('mdio', null, { compatible: ['acme,mdio'], '#reset-cells': [0] });
    const phy = node('phy@1', mdio, { compatible: ['acme,phy'], resets: [ref(mdio)] });
    const k0 = w.kernel();
    k0.links.fwnodes.set(mdio, FWNODE_FLAG.NEEDS_CHILD_BOUND_ON_ADD);
    w.fwDevices(k0, mdio, phy);
    expect(k0.links.all()).toEqual([]);
  });
});

describe('waiting_for_supplier', () => {
  it('exists only with fw_devlink on/rpm, reads 1 while a fwnode link blocks, and disappears on bind', () => {
    const w = new World();
    const clk = node('clk', null, { '#clock-cells': [0] });
    const uart = node('uart', null, { clocks: [ref(clk)] });
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, uart));
    w.at('device', 'drv', (k) => k.driverRegister(w.driver('uart')));
    w.module('clk_mod', [w.driver('clk')]);
    let before: number | null = -1;
    w.at('late_sync', 'add_clk', (k) => {
      before = deviceLinksEntry(k, k.device('uart')!).waitingForSupplier;
      w.fwDevices(k, clk);
    });
    const k = w.kernel({ userspace: [{ kind: 'insmod', module: 'clk_mod' }] });
    k.boot();
    expect(before).toBe(1);
    expect(k.device('uart')?.bound).toBe(true);
    expect(deviceLinksEntry(k, k.device('uart')!).waitingForSupplier).toBeNull();
    const p = new World();
    p.at('arch_sync', 'populate', (kk) => p.fwDevices(kk, node('x', null, {})));
    const kp = p.kernel({ cmdline: 'fw_devlink=permissive' });
    kp.boot();
    expect(deviceLinksEntry(kp, kp.device('x')!).waitingForSupplier).toBeNull();
  });
});

describe('pitfalls (spec §13)', () => {
  it('3: a link-level deferral is silent: no probe() call, no bus notifier, nothing at the default log level', () => {
    const w = new World();
    const events: number[] = [];
    const clk = node('clk', null, { '#clock-cells': [0] });
    const uart = node('uart', null, { clocks: [ref(clk)] });
    w.at('core_sync', 'notifier', () => w.bus.registerNotifier((e) => events.push(e)));
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, uart));
    w.at('device', 'drv', (k) => k.driverRegister(w.driver('uart')));
    const k = w.kernel({ cmdline: 'deferred_probe_timeout=-1' });
    k.boot();
    expect(w.probes).toEqual([]);
    expect(events).toEqual([1]); // ADD_DEVICE only: no BIND_DRIVER, no DRIVER_NOT_BOUND
    expect(k.dmesg({ level: LogLevel.INFO })).not.toContain('uart');
    expect(k.devicesDeferred()).toBe('uart\tsim: wait for supplier /clk\n');
  });

  it('6: fwnode links are not released by the timeout: a supplier node that never gets a device blocks forever', () => {
    const w = new World();
    const clk = node('clk', null, { '#clock-cells': [0] });
    const uart = node('uart', null, { clocks: [ref(clk)] });
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, uart));
    w.at('device', 'drv', (k) => k.driverRegister(w.driver('uart')));
    const k = w.kernel();
    k.boot();
    expect(k.deferred.timedOut).toBe(true);
    expect(k.device('uart')?.bound).toBe(false);
    expect(lines(k, 'deferred probe pending')).toEqual(['sim uart: deferred probe pending: sim: wait for supplier /clk']);
  });

  it('5: the timeout relaxes only links to suppliers that never matched; a matched-but-deferring supplier blocks forever', () => {
    const w = new World();
    const nodrv = node('nodrv', null, { '#clock-cells': [0] });
    const deferring = node('deferring', null, { '#reset-cells': [0] });
    const a = node('a', null, { clocks: [ref(nodrv)] });
    const b = node('b', null, { resets: [ref(deferring)] });
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, nodrv, deferring, a, b));
    w.at('device', 'drv', (k) => {
      k.driverRegister(w.driver('a'));
      k.driverRegister(w.driver('b'));
      k.driverRegister(w.driver('deferring', () => -517));
    });
    const k = w.kernel({ cmdline: DYNDBG });
    k.boot();
    expect(k.device('a')?.bound).toBe(true);
    expect(k.device('b')?.bound).toBe(false);
    expect(k.dmesg()).toContain('sim a: Relaxing link with nodrv');
    expect(lines(k, 'deferred probe pending: ')).toContain('sim b: deferred probe pending: sim: supplier deferring not ready');
  });

  it('10: deferred_probe_timeout=0 with modules never runs drivers-done, so driverless suppliers block forever', () => {
    const boot = (cmdline: string, modules: boolean) => {
      const w = new World();
      const nodrv = node('nodrv', null, { '#clock-cells': [0] });
      const a = node('a', null, { clocks: [ref(nodrv)] });
      w.at('arch_sync', 'populate', (k) => w.fwDevices(k, nodrv, a));
      w.at('device', 'drv', (k) => k.driverRegister(w.driver('a')));
      const k = w.kernel({ cmdline, config: { modules } });
      k.boot();
      return k.device('a')?.bound;
    };
    expect(boot('deferred_probe_timeout=0', true)).toBe(false);
    expect(boot('', true)).toBe(true);
    // Without modules drivers-done runs at late_initcall.
    expect(boot('deferred_probe_timeout=0', false)).toBe(true);
  });

  it('7: an optional iommus supplier creates no dependency unless fw_devlink.strict=1', () => {
    const boot = (cmdline: string) => {
      const w = new World();
      const smmu = node('iommu@5000000', null, { '#iommu-cells': [1] });
      const dev = node('dev@1', null, { iommus: [ref(smmu, 1)] });
      w.at('arch_sync', 'populate', (k) => w.fwDevices(k, smmu, dev));
      w.at('device', 'drv', (k) => k.driverRegister(w.driver('dev', () => 0, { matchTable: ['1.dev'] })));
      const k = w.kernel({ cmdline: `deferred_probe_timeout=-1 ${cmdline}` });
      k.boot();
      return k;
    };
    expect(boot('').device('1.dev')?.bound).toBe(true);
    const strict = boot('fw_devlink.strict=1');
    expect(strict.device('1.dev')?.bound).toBe(false);
    expect(strict.devicesDeferred()).toBe('1.dev\tsim: supplier 5000000.iommu not ready\n');
  });

  it('8: a disabled ancestor hides the supplier; an ancestor with a device stops the availability walk', () => {
    const k = new World().kernel();
    const bus = node('bus', null, { status: ['disabled'] });
    const clk = node('clk', bus, { '#clock-cells': [0] });
    const uart = node('uart', null, { clocks: [ref(clk)] });
    k.links.fw.parseFwtree(uart);
    expect(fwSuppliers(k, uart)).toEqual([]);
  });
});

describe('dtName', () => {
  it('names devices like of_device_make_bus_id()', () => {
    expect(dtName(node('iommu@5000000'))).toBe('5000000.iommu');
  });
});

describe('relaxation and best effort', () => {
  it('fw_devlink_unblock_consumers(): a supplier added after drivers-done that matches no driver stops blocking', () => {
    const w = new World();
    const late = node('late-supplier', null, { '#clock-cells': [0] });
    const con = node('con', null, { clocks: [ref(late)] });
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, con));
    w.at('device', 'drv', (k) => k.driverRegister(w.driver('con')));
    // Relaxing does not retry anything: the next bind's trigger does.
    w.module('other', [w.driver('other')]);
    let boundBeforeTrigger: boolean | undefined;
    const k = w.kernel({
      cmdline: 'deferred_probe_timeout=1 dyndbg="file drivers/base/core.c +p"',
      userspace: [
        { kind: 'sleep', ns: 5e9 },
        { kind: 'run', name: 'add supplier', fn: (kk) => void w.fwDevices(kk, late) },
        { kind: 'run', name: 'check', fn: (kk) => { boundBeforeTrigger = kk.device('con')?.bound; } },
        { kind: 'run', name: 'add other', fn: (kk) => void w.addDevices(kk, 'other') },
        { kind: 'insmod', module: 'other' },
      ],
    });
    k.boot();
    expect(k.links.fw.driversDoneRan).toBe(true);
    expect(k.dmesg()).toContain('sim con: Relaxing link with late-supplier');
    expect(boundBeforeTrigger).toBe(false);
    expect(k.device('con')?.bound).toBe(true);
  });

  it('a best-effort device whose probe fails is deferred, not failed', () => {
    const w = new World();
    const nodrv = node('nodrv', null, { '#clock-cells': [0] });
    const uart = node('uart', null, { clocks: [ref(nodrv)] });
    w.at('early', 'of_alias_scan', (k) => k.fwnodeSetBestEffort(uart));
    w.at('arch_sync', 'populate', (k) => w.fwDevices(k, nodrv, uart));
    w.at('device', 'drv', (k) => k.driverRegister(w.driver('uart', () => -Errno.EIO)));
    const k = w.kernel({ cmdline: 'deferred_probe_timeout=-1' });
    k.boot();
    // call_driver_probe() logs the failure; really_probe() then treats it as a deferral.
    expect(lines(k, 'probe with driver uart failed')[0]).toBe('uart uart: probe with driver uart failed with error -5');
    expect(k.devicesDeferred()).toBe('uart\t\n');
  });

  it('reports a proxy link refused for a bound ancestor, in each era\'s words', () => {
    const boot = (profile: string) => {
      const w = new World();
      const parent = node('mfd@1', null, { compatible: ['acme,mfd'] });
      const sup = node('regulator@2', null, { compatible: ['acme,reg'], '#clock-cells': [0] });
      node('cell', parent, { clocks: [ref(sup)] });
      w.at('arch_sync', 'populate', (k) => w.fwDevices(k, parent));
      w.at('device', 'drv', (k) => k.driverRegister(w.driver('mfd', () => 0, { matchTable: ['acme,mfd'] })));
      w.at('late_sync', 'late', (k) => w.fwDevices(k, sup));
      const k = w.kernel({ profile, cmdline: 'deferred_probe_timeout=-1' });
      k.boot();
      return k.klog.records().filter((r) => r.level === LogLevel.ERR).map((r) => r.text);
    };
    expect(boot('linux-6.12')).toEqual(['mfd 1.mfd: Failed to create device link (0x180) with 2.regulator']);
    expect(boot('linux-6.13')).toEqual(['mfd 1.mfd: Failed to create device link (0x180) with supplier 2.regulator for /mfd@1/cell']);
  });
});
