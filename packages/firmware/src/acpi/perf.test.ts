import { describe, expect, it } from 'vitest';
import { fixture } from '../testing/shared.js';
import { decodeIort } from './iort.js';
import { decodeViot } from './viot.js';

describe('decoding speed', () => {
  it('decodes a fixture table well under 0.1 ms', () => {
    const tables = ['qemu-virt-IORT-smmuv3-legacy', 'qemu72-virt-IORT-smmuv3-bypass', 'qemu-virt-IORT-its'].map((f) => fixture(`acpi/${f}.bin`));
    const viot = fixture('acpi/qemu-virt-VIOT.bin');
    const run = (n: number): number => {
      let k = 0;
      for (let i = 0; i < n; i++) k += decodeIort(tables[i % 3]!, 'x').nodes.length + decodeViot(viot, 'v').nodes.length;
      return k;
    };
    run(3000); // warm up the JIT
    const t0 = performance.now();
    run(3000);
    const perTableMs = (performance.now() - t0) / 6000;
    // Typically ~0.005 ms; the bound leaves room for a loaded CI machine.
    expect(perTableMs).toBeLessThan(0.05);
  });
});
