import { describe, expect, it } from 'vitest';
import { AmbaDevice, PlatformDevice } from './device.js';
import { dtKernel, ofTreeFromDts, texts, truthOfTree } from './testing/boot.js';
import { truthDmesg, truthJson } from '@kdsim/testing';

const OF_LINE = /^OF: (of_platform_populate\(\)|create platform device: |Creating amba device |of_platform_bus_create\(\) - skipping )/;

describe('of_platform_populate() on the ARM truth machine\'s DTB', () => {
  const k = dtKernel(truthOfTree()).boot();

  it('creates the devices the real kernel created, with its names, buses and order', () => {
    const truth = truthJson('arm64-virt-smmuv3-dt').device_creation_order;
    const from = truth.findIndex((d) => d.device === 'psci');
    const to = truth.findIndex((d) => d.device === 'timer');
    const expected = truth.slice(from, to + 1).filter((d) => d.bus === 'platform' || d.bus === 'amba').map((d) => `${d.bus}:${d.device}`);
    const ours = k.devices.filter((d) => d instanceof PlatformDevice || d instanceof AmbaDevice).map((d) => d.busName);
    expect(ours).toEqual(expected);
  });

  it('prints the drivers/of/platform.c debug lines the real kernel printed (early-declared GIC and clock get no device)', () => {
    const truthLines = truthDmesg('arm64-virt-smmuv3-dt').filter((l) => OF_LINE.test(l));
    expect(texts(k).filter((l) => OF_LINE.test(l))).toEqual(truthLines);
  });

  it('every device sits under /sys/devices/platform as in truth.json', () => {
    const paths = new Map(truthJson('arm64-virt-smmuv3-dt').devices.map((d) => [`${d.bus}:${d.name}`, d.sysfs_path]));
    for (const d of k.devices.filter((x) => x instanceof PlatformDevice || x instanceof AmbaDevice)) {
      const want = paths.get(d.busName);
      if (want === undefined) continue; // not in the final listing (e.g. unbound devices are still listed; none missing here)
      expect(`/sys/devices/${d.parent!.name}/${d.name}`).toBe(want);
    }
  });

  it('PrimeCells get their peripheral IDs (pl061 → 0x00041061)', () => {
    expect((k.device('9030000.pl061') as AmbaDevice).periphid).toBe(0x00041061);
  });
});

describe('of_platform_populate() rules', () => {
  const dts = `/dts-v1/;
/ {
  #address-cells = <2>; #size-cells = <2>;
  reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;
    ramoops@50000000 { compatible = "ramoops"; reg = <0 0x50000000 0 0x10000>; };
    other@51000000 { compatible = "shared-dma-pool"; reg = <0 0x51000000 0 0x10000>; };
  };
  soc { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges = <0 0 0x10000000 0x1000000>;
    uart@1000 { compatible = "ns16550a"; reg = <0x1000 0x100>; };
    gpio@2000 { compatible = "gpio-x"; reg = <0x2000 0x100>; status = "disabled"; };
    regs@3000 { compatible = "syscon"; reg = <0x3000 0x10>; mask = <0x30>; };
    nested { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <0>;
      leaf { compatible = "leaf-dev"; };
    };
    opp { compatible = "operating-points-v2"; };
    nocompat@4000 { reg = <0x4000 0x10>; };
  };
  plain-parent { compatible = "vendor,mfd";
    child { compatible = "vendor,child"; };
  };
  firmware { scm { compatible = "qcom,scm"; }; };
};`;
  const k = dtKernel(ofTreeFromDts(dts)).boot();
  const names = k.devices.filter((d) => d instanceof PlatformDevice).map((d) => d.name);

  it('names: translated unit address + node name, mask bit, untranslatable parents joined by colons', () => {
    expect(names).toContain('10001000.uart');
    expect(names).toContain('10003000.4.regs');
    expect(names).toContain('soc:nested:leaf');
    expect(names).toContain('soc');
  });

  it('disabled nodes, nodes without compatible, operating-points-v2 and children of non-bus nodes get no device', () => {
    expect(names.some((n) => n.includes('gpio'))).toBe(false);
    expect(names.some((n) => n.includes('nocompat'))).toBe(false);
    expect(names.some((n) => n.includes('opp'))).toBe(false);
    expect(names).toContain('plain-parent');
    expect(names.some((n) => n.includes('child'))).toBe(false);
  });

  it('reserved-memory: only the compatibles Linux handles; /firmware populated first', () => {
    expect(names.slice(0, 2)).toEqual(['50000000.ramoops', 'firmware:scm']);
    expect(names.some((n) => n.includes('other'))).toBe(false);
  });

  it('a node already populated is not populated again (OF_POPULATED)', () => {
    expect(names.filter((n) => n === 'firmware:scm')).toHaveLength(1);
  });
});
