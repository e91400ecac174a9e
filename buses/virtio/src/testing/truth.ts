// Test support (not exported): the shared truth folder and its dmesg.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** `$KDSIM_SHARED`, else `../shared` beside the repository root. */
export function sharedDir(): string {
  const env = process.env['KDSIM_SHARED'];
  if (env !== undefined && env !== '') return resolve(env);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(resolve(dir, 'package-lock.json'))) return resolve(dir, '../shared');
    const up = dirname(dir);
    if (up === dir) throw new Error('no package-lock.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The truth machine folders. */
export type TruthMachine = 'x86-q35-noiommu' | 'x86-q35-viommu-last' | 'arm64-virt-smmuv3-dt';

/** The dmesg lines of a truth machine's console, timestamps stripped. */
export function truthDmesg(m: TruthMachine): string[] {
  const text = gunzipSync(readFileSync(resolve(sharedDir(), 'truth', m, 'serial.log.gz'))).toString('latin1');
  return text.split('\n').filter((l) => /^\[\s*\d+\.\d+\] /.test(l)).map((l) => l.replace(/^\[\s*\d+\.\d+\] /, '').trimEnd());
}

/** truth.json of a machine. */
export function truthJson(m: TruthMachine): {
  devices: { bus: string; name: string; driver: string | null; sysfs_path: string }[];
  device_creation_order: { bus: string; device: string }[];
  probe_order: string[];
} {
  return JSON.parse(readFileSync(resolve(sharedDir(), 'truth', m, 'truth.json'), 'utf8')) as ReturnType<typeof truthJson>;
}
