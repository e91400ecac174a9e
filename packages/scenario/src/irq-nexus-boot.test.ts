import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScenario, type Scenario } from './scenario.js';
import { runScenario, type RunResult } from './runner.js';

// Full boots of a DTS compiled by the real dtc (skipped without it): fw_devlink's
// `interrupts` binding links a device behind an interrupt nexus to the controller
// the nexus maps it to (of_irq_parse_one()), and from v6.10 a node's own
// `interrupt-map` links it to every parent the map names (parse_interrupt_map()).
const haveDtc = spawnSync('dtc', ['--version']).status === 0;
const skip = haveDtc ? '' : ' (SKIPPED: dtc not installed)';

// The final interrupt controller sits under a bus whose driver is a module loaded
// at 2 s and registers it: until then the consumers' fwnode links to it are
// pending, so they defer with "wait for supplier <controller>".
const DTS = `/dts-v1/;
/ {
  #address-cells = <1>; #size-cells = <1>;
  bus@1000 {
    compatible = "test,intc-bus"; reg = <0x1000 0x1000>;
    #address-cells = <1>; #size-cells = <1>;
    intc: interrupt-controller@1100 {
      compatible = "test,intc"; reg = <0x1100 0x100>;
      interrupt-controller; #interrupt-cells = <2>; #address-cells = <0>;
    };
  };
  nexus: connector@2000 {
    compatible = "test,nexus"; reg = <0x2000 0x10>;
    #interrupt-cells = <1>; #address-cells = <0>;
    interrupt-map = <0 &intc 5 4>, <1 &intc 6 4>;
  };
  uart@3000 {
    compatible = "test,uart"; reg = <0x3000 0x100>;
    interrupt-parent = <&nexus>; interrupts = <1>;
  };
  i2c@7000 {
    compatible = "test,i2c"; reg = <0x7000 0x100>;
    interrupts-extended = <&nexus 0>;
  };
  pcie@4000 {
    compatible = "test,pcie-host"; device_type = "pci"; reg = <0x4000 0x1000>;
    #address-cells = <3>; #size-cells = <2>; #interrupt-cells = <1>;
    interrupt-map-mask = <0 0 0 7>;
    interrupt-map = <0 0 0 1 &intc 7 4>, <0 0 0 2 &intc 8 4>;
  };
  combo: interrupt-controller@5000 {
    compatible = "test,combo"; reg = <0x5000 0x100>;
    interrupt-controller; #interrupt-cells = <1>; #address-cells = <0>;
    interrupt-parent = <&intc>; interrupts = <9 4>;
    interrupt-map = <0 &intc 10 4>;
  };
  timer@6000 {
    compatible = "test,timer"; reg = <0x6000 0x100>;
    interrupts-extended = <&combo 3>;
  };
};
`;
const INTC = '/bus@1000/interrupt-controller@1100';
const WAIT_INTC = `wait for supplier ${INTC}`;

const dir = haveDtc ? mkdtempSync(join(tmpdir(), 'kdsim-irq-nexus-')) : '';
if (haveDtc) {
  const r = spawnSync('dtc', ['-I', 'dts', '-O', 'dtb', '-o', join(dir, 'guest.dtb'), '-'], { input: DTS });
  if (r.status !== 0) throw new Error(`dtc failed: ${r.stderr.toString()}`);
}
afterAll(() => {
  if (haveDtc) rmSync(dir, { recursive: true, force: true });
});

// Every driver is built in but the controller bus's, a module loaded at 2 s.
function boot(profile: string): RunResult {
  return runScenario(scenarioFor(profile));
}

function scenarioFor(profile: string): Scenario {
  const yaml = `
name: devices behind an interrupt nexus wait for the final controller
machine: { dtb: guest.dtb }
kernel:
  profile: ${profile}
  cmdline: 'deferred_probe_timeout=30 dyndbg="file drivers/base/core.c +p"'
  drivers:
    - { name: test-intc-bus, compatible: ["test,intc-bus"], children: [{ name: 1100.interrupt-controller, node: "${INTC}" }] }
    - { name: test-intc, compatible: ["test,intc"] }
    - { name: test-nexus, compatible: ["test,nexus"] }
    - { name: test-uart, compatible: ["test,uart"] }
    - { name: test-pcie, compatible: ["test,pcie-host"] }
    - { name: test-combo, compatible: ["test,combo"] }
    - { name: test-timer, compatible: ["test,timer"] }
    - { name: test-i2c, compatible: ["test,i2c"] }
  builtin: [test-intc, test-nexus, test-uart, test-i2c, test-pcie, test-combo, test-timer]
  modules: "sleep2,test_intc_bus"
`;
  const file = join(dir, `${profile}.yaml`);
  writeFileSync(file, yaml);
  return parseScenario(yaml, file);
}

const lines = (r: RunResult): string[] => r.kernel.klog.records().map((x) => x.text);
// Position in the bind order (the device must have bound).
const bindTime = (r: RunResult, dev: string): number => {
  const i = r.summary.bindOrder.indexOf(dev);
  if (i < 0) throw new Error(`${dev} did not bind: ${r.summary.bindOrder.join(' ')}`);
  return i;
};
// The fw_devlink deferral reasons dev_err_probe() recorded for `dev` (printed under core.c dynamic debug).
const waits = (r: RunResult, dev: string): string[] =>
  lines(r).filter((l) => l.includes(`${dev}: error -EPROBE_DEFER: wait for supplier`)).map((l) => l.slice(l.indexOf('wait for')));
const linked = (r: RunResult, sup: string, con: string): boolean =>
  r.summary.devlinks.some((l) => l.supplier === sup && l.consumer === con);

const IC = '1100.interrupt-controller';

describe('a full boot through interrupt-map nexus nodes (DTS compiled by dtc)', () => {
  it.skipIf(!haveDtc)(`a device behind the nexus waits for the final controller, not the nexus, and binds after it${skip}`, () => {
    for (const profile of ['linux-6.6', 'linux-6.12', 'linux-6.13']) {
      const r = boot(profile);
      // interrupts-extended through the nexus: of_irq_parse_one() gives the controller
      expect(new Set(waits(r, '7000.i2c')), profile).toEqual(new Set([WAIT_INTC]));
      expect(linked(r, IC, '7000.i2c'), profile).toBe(true);
      expect(linked(r, '2000.connector', '7000.i2c'), profile).toBe(false);
      expect(bindTime(r, IC), profile).toBeLessThan(bindTime(r, '7000.i2c'));
      // interrupts + interrupt-parent: the same controller link, binding after it
      expect(waits(r, '3000.uart'), profile).toContain(WAIT_INTC);
      expect(linked(r, IC, '3000.uart'), profile).toBe(true);
      expect(bindTime(r, IC), profile).toBeLessThan(bindTime(r, '3000.uart'));
    }
  });

  it.skipIf(!haveDtc)(`before v6.13 the interrupt-parent binding also links the device to the nexus itself${skip}`, () => {
    expect(linked(boot('linux-6.12'), '2000.connector', '3000.uart')).toBe(true);
    expect(linked(boot('linux-6.13'), '2000.connector', '3000.uart')).toBe(false);
  });

  it.skipIf(!haveDtc)(`a PCI host's interrupt-map makes it wait for the controllers the map names from v6.10, not before${skip}`, () => {
    const old = boot('linux-6.9');
    expect(waits(old, '4000.pcie')).toEqual([]);
    expect(linked(old, IC, '4000.pcie')).toBe(false);
    expect(bindTime(old, '4000.pcie')).toBeLessThan(bindTime(old, IC));
    // the nexus device too: before v6.10 nothing links it to the controller its map names
    expect(bindTime(old, '2000.connector')).toBeLessThan(bindTime(old, IC));

    const now = boot('linux-6.10');
    expect(new Set(waits(now, '4000.pcie'))).toEqual(new Set([WAIT_INTC]));
    expect(linked(now, IC, '4000.pcie')).toBe(true);
    expect(bindTime(now, IC)).toBeLessThan(bindTime(now, '4000.pcie'));
    expect(bindTime(now, IC)).toBeLessThan(bindTime(now, '2000.connector'));
  });

  it.skipIf(!haveDtc)(`a controller whose own map misses: v5.16–v6.9 WARN in the klog of the parsing kernel and link to it; v6.10+ link nothing${skip}`, () => {
    const warn = ['------------[ cut here ]------------', '/interrupt-controller@5000 interrupt-map failed, using interrupt-controller',
      'WARNING: CPU: 0 PID: 1 at drivers/of/irq.c of_irq_parse_raw', '---[ end trace 0000000000000000 ]---'];
    const old = boot('linux-6.6');
    const l = lines(old);
    const at = l.indexOf(warn[1]!);
    expect(l.slice(at - 1, at + 3)).toEqual(warn);
    expect(linked(old, '5000.interrupt-controller', '6000.timer')).toBe(true);
    const now = boot('linux-6.12');
    expect(lines(now).filter((x) => x.includes('interrupt-map failed'))).toEqual([]);
    expect(linked(now, '5000.interrupt-controller', '6000.timer')).toBe(false);
  });

  it.skipIf(!haveDtc)(`every boot of one scenario walks the shared tree alike, WARN included, as a fresh tree does${skip}`, () => {
    // The tree is unflattened once per scenario and its nodes keep their interrupt walks.
    const sc = scenarioFor('linux-6.6');
    const fresh = lines(boot('linux-6.6'));
    const first = runScenario(sc);
    const second = runScenario(sc);
    expect(lines(first)).toEqual(fresh);
    expect(lines(second)).toEqual(fresh);
    expect(lines(second).filter((x) => x.includes('interrupt-map failed'))).toHaveLength(1);
    expect(second.summary.devlinks).toEqual(first.summary.devlinks);
  });
});
