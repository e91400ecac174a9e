import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Driver, Errno, Kernel, KernelModule, driverModule, type DriverSpec } from '@kdsim/core';
import { AcpiPlatformDevices } from './acpi.js';
import { AcpiCompanion } from './acpi-companion.js';
import { AmbaBus, PlatformBus } from './bus.js';
import { AmbaDevice, PLATFORM_DEVID_AUTO, PlatformDevice } from './device.js';
import { platformDeviceRegister } from './register.js';
import { ambaDriver, ofMatchDevice, platformDriver, type PlatformOfId } from './driver.js';
import { PlatformError } from './errors.js';
import { acpiPlatformModule, platformBusModule, platformDriverProbe } from './module.js';
import { DYNDBG, dtKernel, ofTreeFromDts, truthOfTree } from './testing/boot.js';

const dts = `/dts-v1/;
/ { #address-cells = <1>; #size-cells = <1>;
  dev@1000 { compatible = "vendor,soc-uart", "ns16550a"; reg = <0x1000 0x10>; device_type = "serial"; };
  dev2 { compatible = "vendor,thing"; };
};`;

// Drivers registered at device_initcall, in this order.
function boot(drivers: (bus: PlatformBus) => DriverSpec[], before?: (k: Kernel) => void): Kernel {
  return dtKernel(ofTreeFromDts(dts), [
    new KernelModule('setup', { initcalls: [{ level: 'subsys', name: 'setup', fn: (k) => void before?.(k) }] }),
    driverModule('drivers', (k) => drivers(k.container.get(PlatformBus))),
  ]).boot();
}

describe('platform_match()', () => {
  it('OF best match: the entry matching an earlier compatible wins, whatever the table order', () => {
    const k = dtKernel(ofTreeFromDts(dts)).boot();
    const table: PlatformOfId[] = [{ compatible: 'ns16550a', data: 'generic' }, { compatible: 'vendor,soc-uart', data: 'specific' }];
    expect(ofMatchDevice(table, k.device('1000.dev')!)?.data).toBe('specific');
    // device_type adds to the score: with the same compatible, the entry also naming the type wins.
    expect(ofMatchDevice([{ compatible: 'ns16550a', data: 'a' }, { compatible: 'ns16550a', type: 'serial', data: 'b' }], k.device('1000.dev')!)?.data).toBe('b');
  });

  it('the first registered matching driver binds; driver_override beats an OF match', () => {
    const k = boot((bus) => [
      platformDriver(bus, { name: 'serial8250', ofMatchTable: [{ compatible: 'ns16550a' }] }),
      platformDriver(bus, { name: 'soc-uart', ofMatchTable: [{ compatible: 'vendor,soc-uart' }] }),
      platformDriver(bus, { name: 'vfio-platform' }),
    ]);
    expect(k.device('1000.dev')!.driver?.name).toBe('serial8250');
    const k2 = boot((bus) => [
      platformDriver(bus, { name: 'serial8250', ofMatchTable: [{ compatible: 'ns16550a' }] }),
      platformDriver(bus, { name: 'vfio-platform' }),
    ], (kk) => void (kk.device('1000.dev')!.driverOverride = 'vfio-platform'));
    expect(k2.device('1000.dev')!.driver?.name).toBe('vfio-platform');
  });

  it('an id table decides alone (no name fallback); without one the pdev name matches the driver name', () => {
    const k = boot((bus) => [
      platformDriver(bus, { name: 'serial8250', idTable: [{ name: 'serial8250-x' }] }),
      platformDriver(bus, { name: 'byid', idTable: [{ name: 'gadget', data: 7 }] }),
      platformDriver(bus, { name: 'gadget' }),
      platformDriver(bus, { name: 'psci-cpuidle' }),
    ], (kk) => {
      const bus = kk.container.get(PlatformBus);
      for (const name of ['serial8250', 'gadget', 'psci-cpuidle']) kk.deviceAdd(new PlatformDevice({ bus, name, pdevName: name, parent: bus.root, fwnode: null }));
    });
    expect(k.device('serial8250')!.driver).toBeNull();
    const gadget = k.device('gadget') as PlatformDevice;
    expect(gadget.driver?.name).toBe('byid');
    expect(gadget.idEntry?.data).toBe(7);
    expect(k.device('psci-cpuidle')!.driver?.name).toBe('psci-cpuidle');
  });
});

describe('ACPI platform devices', () => {
  const kernel = (drivers: (bus: PlatformBus) => DriverSpec[]): Kernel => new Kernel({
    cmdline: DYNDBG,
    config: { arch: 'x86_64' },
    builtin: [platformBusModule, acpiPlatformModule, driverModule('drivers', (k) => drivers(k.container.get(PlatformBus)))],
    configure: (c) => void c.bind(AcpiPlatformDevices).toConstantValue(new AcpiPlatformDevices([
      { path: '\\_SB_.COM0', hid: 'ARMH0011', mmio: ['0x9000000'], cca: 1 },
      { path: '\\_SB_.PCI0.FWCF', hid: 'QEMU0002', cca: 1 },
      { path: '\\_SB_.COM1', hid: 'ARMH0011', cids: ['PNP0501'] },
    ])),
  }).boot();

  it('are named <HID>:<instance> per HID and carry their companion', () => {
    const k = kernel(() => []);
    expect(k.devices.filter((d) => d instanceof PlatformDevice).map((d) => d.name)).toEqual(['ARMH0011:00', 'QEMU0002:00', 'ARMH0011:01']);
    expect((k.device('ARMH0011:00') as PlatformDevice).mmio).toEqual([0x9000000n]);
  });

  it('match the HID or a CID of the acpi_match_table', () => {
    const k = kernel((bus) => [
      platformDriver(bus, { name: 'serial8250', acpiMatchTable: [{ id: 'PNP0501' }] }),
      platformDriver(bus, { name: 'sbsa-uart', acpiMatchTable: [{ id: 'ARMH0011' }] }),
    ]);
    expect(k.device('ARMH0011:00')!.driver?.name).toBe('sbsa-uart');
    expect(k.device('ARMH0011:01')!.driver?.name).toBe('serial8250');
    expect(k.device('QEMU0002:00')!.driver).toBeNull();
  });

  it('bad entries are typed errors naming the entry and field', () => {
    const err = (() => {
      try {
        new AcpiPlatformDevices([{ path: '\\_SB_.X', hid: 'lowercase' }]);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(PlatformError);
    expect((err as PlatformError).details).toMatchObject({ entry: 'acpi[0] (\\_SB_.X)', field: 'hid' });
  });
});

describe('AMBA', () => {
  it('binds a PrimeCell by peripheral ID under the mask; an unread ID defers the match', () => {
    const k = dtKernel(truthOfTree(), [driverModule('amba_drivers', (kk) => {
      const bus = kk.container.get(AmbaBus);
      return [
        ambaDriver(bus, { name: 'pl061_gpio', idTable: [{ id: 0x00041061, mask: 0x000fffff }] }),
        ambaDriver(bus, { name: 'rtc-pl031', idTable: [{ id: 0x00041031, mask: 0x000fffff }] }),
      ];
    })]).boot();
    expect(k.device('9030000.pl061')!.driver?.name).toBe('pl061_gpio');
    expect(k.device('9010000.pl031')!.driver?.name).toBe('rtc-pl031');
    expect(k.device('9000000.pl011')!.driver).toBeNull();
    const bus = k.container.get(AmbaBus);
    const unread = new AmbaDevice({ bus, name: 'x', parent: null, fwnode: null, periphid: 0, mmio: null });
    expect(bus.match(unread, bus.drivers[0]!)).toBe(-Errno.EPROBE_DEFER);
  });
});

describe('platform_driver_probe()', () => {
  it('binds present devices once, turns a deferral into -ENXIO with a warning, and unregisters a driver that bound nothing', () => {
    const results: number[] = [];
    const k = dtKernel(ofTreeFromDts(dts), [new KernelModule('probe_once', { initcalls: [{
      level: 'device', name: 'init', fn: (kk) => {
        results.push(platformDriverProbe(kk, { name: 'thing', ofMatchTable: [{ compatible: 'vendor,thing' }] }));
        results.push(platformDriverProbe(kk, { name: 'uart', ofMatchTable: [{ compatible: 'ns16550a' }], probe: () => -Errno.EPROBE_DEFER }));
        return 0;
      },
    }] })]).boot();
    expect(results).toEqual([0, -Errno.ENODEV]);
    expect(k.device('dev2')!.driver?.name).toBe('thing');
    expect(k.klog.records().some((r) => r.text === 'uart 1000.dev: probe deferral not supported')).toBe(true);
    expect(k.container.get(PlatformBus).drivers.map((d) => d.name)).toEqual(['thing']);
  });
});

describe('platform_device_register()', () => {
  it('names: plain, .N, .N.auto from an ida; id tables and names match pdev->name', () => {
    const k = boot((bus) => [platformDriver(bus, { name: 'alarmtimer' })], (kk) => {
      const bus = kk.container.get(PlatformBus);
      platformDeviceRegister(kk, bus, { name: 'serial8250' });
      platformDeviceRegister(kk, bus, { name: 'serial8250', id: 1 });
      platformDeviceRegister(kk, bus, { name: 'alarmtimer', id: PLATFORM_DEVID_AUTO });
      platformDeviceRegister(kk, bus, { name: 'alarmtimer', id: PLATFORM_DEVID_AUTO });
    });
    expect(k.devices.filter((d) => d instanceof PlatformDevice && d.fwnode === null).map((d) => d.name))
      .toEqual(['serial8250', 'serial8250.1', 'alarmtimer.0.auto', 'alarmtimer.1.auto']);
    expect(k.device('alarmtimer.1.auto')!.driver?.name).toBe('alarmtimer');
  });
});

describe('platform_match() keys', () => {
  // Few, similar ids in both cases (OF compares `compatible` case-blind), so that pairs match.
  const name = fc.constantFrom('uart', 'Uart', 'serial', 'gadget', 'QEMU0002');
  const compat = fc.constantFrom('vendor,uart', 'Vendor,UART', 'ns16550a', 'gadget');
  const nodes = fc.array(fc.record({ compatible: fc.array(compat, { maxLength: 2 }), type: fc.option(name, { nil: undefined }) }), { minLength: 1, maxLength: 3 });
  const ofId = fc.record({ compatible: compat, type: name, name: fc.constantFrom('dev', 'other') }, { requiredKeys: [] });
  const driver = fc.record({
    name,
    ofMatchTable: fc.array(ofId, { maxLength: 2 }),
    acpiMatchTable: fc.array(fc.record({ id: name }), { maxLength: 2 }),
    idTable: fc.array(fc.record({ name }), { maxLength: 2 }),
  }, { requiredKeys: ['name'] });

  it('files every device and driver that can match under a shared key (OF, ACPI, id table, name)', () => {
    fc.assert(fc.property(nodes, name, fc.array(name, { maxLength: 2 }), fc.array(driver, { minLength: 1, maxLength: 3 }), (ns, pdevName, acpiIds, drivers) => {
      const quote = (xs: readonly string[]): string => xs.map((x) => `"${x}"`).join(', ');
      const tree = ofTreeFromDts(`/dts-v1/;\n/ {\n${ns.map((n, i) => `dev@${i} { ${n.compatible.length > 0 ? `compatible = ${quote(n.compatible)};` : ''} ${n.type !== undefined ? `device_type = "${n.type}";` : ''} };`).join('\n')}\n};`);
      const bus = new PlatformBus({} as Kernel);
      const fwnodes = [null, ...tree.root.children, new AcpiCompanion('\\_SB.DEV0', acpiIds[0] ?? 'NONE0000', acpiIds.slice(1))];
      const devices = fwnodes.map((fwnode) => new PlatformDevice({ bus, name: `${pdevName}.0`, pdevName, parent: null, fwnode }));
      for (const dev of devices) for (const spec of drivers) {
        const drv = new Driver(platformDriver(bus, spec));
        const drvKeys = bus.driverMatchKeys(drv);
        if (bus.match(dev, drv) !== 0 && drvKeys !== null) expect(bus.deviceMatchKeys(dev).some((key) => drvKeys.includes(key))).toBe(true);
      }
    }), { numRuns: 300 });
  });
});
