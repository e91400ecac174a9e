/**
 * @packageDocumentation
 * Test support shared by the kdsim packages (a dev dependency only): where the
 * shared data folder is, its firmware fixtures, the real-kernel truth of the
 * calibration machines, and whether an oracle tool (iasl, dtc) is installed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

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
    if (existsSync(join(dir, 'package-lock.json'))) return resolve(dir, '../shared');
    const up = dirname(dir);
    if (up === dir) throw new Error(`sharedDir(): no package-lock.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The path of a fixture, relative to `shared/fixtures/` (`dt/qemu72-virt-smmuv3.dtb`). */
export function fixturePath(rel: string): string {
  return join(sharedDir(), 'fixtures', rel);
}

/** The bytes of a fixture, relative to `shared/fixtures/` (`acpi/qemu-virt-VIOT.bin`). */
export function fixture(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(rel)));
}

/** The calibration machines of `shared/truth/`. */
export type TruthMachine = 'x86-q35-noiommu' | 'x86-q35-viommu-last' | 'arm64-virt-smmuv3-dt';

/** The calibration machines, in the truth README's order. */
export const TRUTH_MACHINES: readonly TruthMachine[] = ['x86-q35-noiommu', 'x86-q35-viommu-last', 'arm64-virt-smmuv3-dt'];

/** One device of a truth.json. */
export interface TruthDevice {
  /** Bus name (`pci`, `platform`, `virtio`). */
  readonly bus: string;
  /** dev_name(). */
  readonly name: string;
  /** The bound driver, or null. */
  readonly driver: string | null;
  /** IOMMU group number, or null. */
  readonly iommu_group: number | null;
  /** The IOMMU instance translating it, or null. */
  readonly iommu: string | null;
  /** Its /sys/devices path. */
  readonly sysfs_path: string;
}

/** The distilled outcome of one real boot (`truth.json`, described in the truth README). */
export interface TruthJson {
  /** Every device with its driver, group and IOMMU. */
  readonly devices: readonly TruthDevice[];
  /** Group number → member devices. */
  readonly iommu_groups: Readonly<Record<string, readonly string[]>>;
  /** IOMMU instances and the devices each serves. */
  readonly iommus: readonly { readonly name: string; readonly devices: readonly string[] }[];
  /** /sys/class/devlink. */
  readonly devlinks: readonly {
    readonly supplier: string; readonly consumer: string; readonly status: string;
    readonly flags: { readonly sync_state_only: boolean; readonly auto_remove_on: string; readonly runtime_pm: boolean };
  }[];
  /** devices_deferred at the end. */
  readonly deferred: readonly string[];
  /** driver_bound order. */
  readonly probe_order: readonly string[];
  /** Every match, with its outcome (bound, deferred, rejected). */
  readonly probe_attempts: readonly { readonly device: string; readonly bus: string; readonly driver: string; readonly outcome: string }[];
  /** device_add order. */
  readonly device_creation_order: readonly { readonly bus: string; readonly device: string }[];
}

/** True when the shared folder holds the real-kernel truth (it is not part of a clone of the repository). */
export function haveTruth(): boolean {
  return existsSync(join(sharedDir(), 'truth', 'README.md'));
}

/** truth.json of a machine. */
export function truthJson(m: TruthMachine): TruthJson {
  return JSON.parse(readFileSync(join(sharedDir(), 'truth', m, 'truth.json'), 'utf8')) as TruthJson;
}

/** The dmesg lines of a machine's console, timestamps stripped. */
export function truthDmesg(m: TruthMachine): string[] {
  const text = gunzipSync(readFileSync(join(sharedDir(), 'truth', m, 'serial.log.gz'))).toString('latin1');
  return text.split('\n').filter((l) => /^\[\s*\d+\.\d+\] /.test(l)).map((l) => l.replace(/^\[\s*\d+\.\d+\] /, '').trimEnd());
}

/**
 * Runs `f` and returns the error of class `type` it throws (a typed error such
 * as FirmwareError or ScenarioError, to check its fields); fails the test if
 * `f` throws nothing or something else.
 */
export function catchError<E extends Error>(type: abstract new (...args: never[]) => E, f: () => unknown): E {
  try {
    f();
  } catch (e) {
    if (e instanceof type) return e;
    throw e;
  }
  throw new Error(`expected a ${type.name}`);
}

/** True when `command args` runs: a real tool the tests use as an oracle (iasl, dtc) is installed. */
export function commandWorks(command: string, args: readonly string[] = ['-v']): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
