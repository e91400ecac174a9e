import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shared data folder (`spec/`, `fixtures/`, `truth/`): `$KDSIM_SHARED` if
 * set, else `../shared` next to the repository root (the nearest ancestor of
 * this file that holds a `package-lock.json`).
 */
export function sharedDir(): string {
  const env = process.env['KDSIM_SHARED'];
  if (env !== undefined && env !== '') return resolve(env);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(resolve(dir, 'package-lock.json'))) return resolve(dir, '../shared');
    const up = dirname(dir);
    if (up === dir) throw new Error('sharedDir(): no package-lock.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The bytes of a fixture, by path relative to `shared/fixtures/` (e.g. `acpi/qemu-virt-VIOT.bin`). */
export function fixture(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(resolve(sharedDir(), 'fixtures', rel)));
}
