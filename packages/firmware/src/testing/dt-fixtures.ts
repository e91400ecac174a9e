import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { sharedDir } from '@kdsim/testing';

/** A device-tree blob used by the tests, with the dtc 1.6.1 text of it when the fixture set has one. */
export interface DtbCase {
  /** Short name for test titles. */
  readonly name: string;
  /** The blob. */
  readonly dtb: Uint8Array;
  /** `dtc -I dtb -O dts` output stored next to it, if any. */
  readonly dts?: string;
}

/** Every `fixtures/dt/*.dtb` plus the real guest DTB of `truth/arm64-virt-smmuv3-dt`. */
export function dtbCases(): DtbCase[] {
  const dir = resolve(sharedDir(), 'fixtures/dt');
  const out: DtbCase[] = readdirSync(dir).filter((f) => f.endsWith('.dtb')).sort().map((f) => ({
    name: f,
    dtb: new Uint8Array(readFileSync(resolve(dir, f))),
    dts: readFileSync(resolve(dir, f.replace(/\.dtb$/, '.dts')), 'latin1'),
  }));
  const truth = resolve(sharedDir(), 'truth/arm64-virt-smmuv3-dt/firmware');
  out.push({
    name: 'truth/arm64-virt-smmuv3-dt guest.dtb',
    dtb: new Uint8Array(gunzipSync(readFileSync(resolve(truth, 'guest.dtb.gz')))),
    dts: readFileSync(resolve(truth, 'guest.dts'), 'latin1'),
  });
  return out;
}
