// Test support (not exported): a DT or ACPI kernel with the platform and AMBA buses.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Kernel, type KernelModule, type KernelOptions } from '@kdsim/core';
import { MachineFirmware, OfTree, decodeFdt, parseDts } from '@kdsim/firmware';
import { ambaBusModule, ofPlatformModule, platformBusModule } from '../module.js';
import { sharedDir } from '@kdsim/testing';

export const DYNDBG = 'dyndbg="file drivers/base/dd.c +p; file drivers/base/core.c +p; file drivers/base/bus.c +p; file drivers/of/platform.c +p"';

/** The live tree of the ARM truth machine's guest DTB. */
export function truthOfTree(): OfTree {
  const file = resolve(sharedDir(), 'truth/arm64-virt-smmuv3-dt/firmware/guest.dtb.gz');
  return new OfTree(decodeFdt(new Uint8Array(gunzipSync(readFileSync(file))), file));
}

/** A live tree from DTS text. */
export function ofTreeFromDts(text: string): OfTree {
  return new OfTree(parseDts(text, { preprocess: false, readFile: () => { throw new Error('no includes'); } }));
}

/** A DT kernel booting `of` with the platform and AMBA buses plus `builtin`. */
export function dtKernel(of: OfTree, builtin: readonly KernelModule[] = [], options: KernelOptions = {}): Kernel {
  return new Kernel({
    cmdline: DYNDBG,
    ...options,
    builtin: [platformBusModule, ambaBusModule, ofPlatformModule(), ...builtin],
    configure: (c) => {
      c.bind(MachineFirmware).toConstantValue(new MachineFirmware({ of }));
      options.configure?.(c);
    },
  });
}

/** Klog texts of `k`. */
export function texts(k: Kernel): string[] {
  return k.klog.records().map((r) => r.text);
}
