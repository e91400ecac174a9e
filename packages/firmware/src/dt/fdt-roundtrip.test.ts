import { describe, expect, it } from 'vitest';
import { dtbCases } from '../testing/dt-fixtures.js';
import { dtcDecompile, dtcReencode, haveDtc, noDtcReason } from '../testing/dtc.js';
import { decodeFdt } from './fdt-decode.js';
import { encodeFdt } from './fdt-encode.js';
import { printDts } from './dts-print.js';

const cases = dtbCases();

describe('real blobs: decode, print, encode', () => {
  for (const c of cases) {
    describe(c.name, () => {
      it('decodes without warnings', () => {
        expect(decodeFdt(c.dtb, c.name).warnings).toEqual([]);
      });

      it('prints exactly the stored dtc 1.6.1 -O dts text', () => {
        expect(printDts(decodeFdt(c.dtb))).toBe(c.dts);
      });

      it.skipIf(!haveDtc)(`prints exactly what live dtc -I dtb -O dts prints${noDtcReason}`, () => {
        expect(printDts(decodeFdt(c.dtb))).toBe(dtcDecompile(c.dtb));
      });

      it.skipIf(!haveDtc)(`encodes to the bytes dtc -I dtb -O dtb writes${noDtcReason}`, () => {
        expect(Buffer.from(encodeFdt(decodeFdt(c.dtb))).equals(Buffer.from(dtcReencode(c.dtb)))).toBe(true);
      });

      it('decode(encode(decode(x))) is the same tree', () => {
        const a = decodeFdt(c.dtb);
        const b = decodeFdt(encodeFdt(a));
        expect(b.root).toEqual(a.root);
        expect(b.memreserve).toEqual(a.memreserve);
        expect(b.bootCpuidPhys).toBe(a.bootCpuidPhys);
      });
    });
  }
});

describe('decode speed', () => {
  it('decodes the ~8 KB QEMU blob in well under a millisecond of CPU time', () => {
    const blob = cases.find((c) => c.name === 'qemu72-virt-smmuv3.dtb')!.dtb;
    for (let i = 0; i < 50; i++) decodeFdt(blob); // warm up
    const n = 200;
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) decodeFdt(blob);
    const t = process.cpuUsage(t0);
    const usPerDecode = (t.user + t.system) / n;
    expect(usPerDecode).toBeLessThan(1000);
  });
});
