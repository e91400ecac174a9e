import { KernelModule, LogLevel, driverModule } from '@kdsim/core';
import { ambaBusOf, ambaDriver, platformBusOf, platformDriver } from '@kdsim/bus-platform';

/** `amba-pl011` (built in, arch_initcall pl011_init()): the `uart-pl011` AMBA driver. */
export const ambaPl011Module = new KernelModule('amba_pl011', {
  initcalls: [{
    level: 'arch',
    name: 'pl011_init',
    fn: (k) => {
      const amba = ambaBusOf(k);
      return amba === null ? 0 : k.driverRegister(ambaDriver(amba, { name: 'uart-pl011', idTable: [{ id: 0x00041011, mask: 0x000fffff }] }));
    },
  }],
});

/** `gpio-pl061` (built in): the `pl061_gpio` AMBA driver, which registers a gpiochip. */
export const gpioPl061Module = driverModule('gpio_pl061', (k) => {
  const amba = ambaBusOf(k);
  return amba === null ? [] : [ambaDriver(amba, {
    name: 'pl061_gpio',
    idTable: [{ id: 0x00041061, mask: 0x000fffff }],
    probe: (dev) => (k.devPrintk(dev, LogLevel.INFO, 'PL061 GPIO chip registered'), 0),
  })];
});

/** `rtc-pl031` (built in): the `rtc-pl031` AMBA driver. */
export const rtcPl031Module = driverModule('rtc_pl031', (k) => {
  const amba = ambaBusOf(k);
  return amba === null ? [] : [ambaDriver(amba, { name: 'rtc-pl031', idTable: [{ id: 0x00041031, mask: 0x000fffff }, { id: 0x00180031, mask: 0x00ffffff }, { id: 0x00280031, mask: 0x00ffffff }] })];
});

/** `gpio_keys` (a module on Debian arm64): the `gpio-keys` platform driver. */
export const gpioKeysModule = driverModule('gpio_keys', (k) => [platformDriver(platformBusOf(k), {
  name: 'gpio-keys', ofMatchTable: [{ compatible: 'gpio-keys' }],
})]);

/** `qemu_fw_cfg` (a module): the `fw_cfg` platform driver for QEMU's firmware configuration device (DT or ACPI QEMU0002). */
export const qemuFwCfgModule = driverModule('qemu_fw_cfg', (k) => [platformDriver(platformBusOf(k), {
  name: 'fw_cfg', ofMatchTable: [{ compatible: 'qemu,fw-cfg-mmio' }], acpiMatchTable: [{ id: 'QEMU0002' }],
})]);
