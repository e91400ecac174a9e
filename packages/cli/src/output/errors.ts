import { FirmwareError, type FirmwareErrorKind } from '@kdsim/firmware';
import { ExploreError } from '@kdsim/explore';
import { ScenarioError } from '@kdsim/scenario';
import type { Colors } from './colors.js';
import type { CliIo } from './io.js';

/** What kind of user mistake a {@link CliError} reports. */
export type CliErrorKind = 'usage' | 'io' | 'input' | 'notFound';

/**
 * The one error class of `@kdsim/cli`: a mistake in the command line or its
 * input, with a hint on how to fix it. Commands throw it; {@link reportError}
 * prints it as one line plus the hint.
 */
export class CliError extends Error {
  /** Creates an error of `kind`; `message` names the file or option and what was expected. */
  constructor(readonly kind: CliErrorKind, message: string, readonly hint: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit status for a bad command line (as commander uses). */
export const EXIT_USAGE = 2;
/** Exit status for bad input data, a bad scenario or a missing file (1 is kept for failed expectations). */
export const EXIT_INPUT = 2;
/** Exit status for a kdsim bug (sysexits EX_SOFTWARE). */
export const EXIT_INTERNAL = 70;

const FIRMWARE_HINTS: Readonly<Record<FirmwareErrorKind, string>> = {
  badMagic: 'kdsim decode reads .dtb blobs, .dts source, binary ACPI tables and acpidump text; is this one of them?',
  badVersion: 'only FDT versions 16 and 17 exist in practice; the blob is probably damaged',
  truncated: 'the data ends before its header says it does; was the file cut off while copying?',
  badAlignment: 'FDT blocks must be 4- or 8-byte aligned; the blob is probably damaged',
  badStructure: 'the structure is inconsistent at that offset; the file is damaged or not what its name says',
  badChecksum: 'the table checksum does not add up; re-extract the table (acpidump -b)',
  badSignature: 'the table signature is not printable ASCII; is this really an ACPI table?',
  badLength: 'a length field disagrees with the data; re-extract the table',
  badNode: 'a node header is invalid at that offset; the table is damaged',
  danglingReference: 'a label, path or phandle refers to nothing; check the spelling at that place',
  syntax: 'fix the DTS source at that line and column (dtc would refuse it too)',
  duplicate: 'a name, label or phandle is defined twice; dtc would refuse it too',
  unsupported: 'kdsim does not model this construct',
  io: 'check the path and permissions',
  preprocessor: 'the source uses #include/#define: install cpp (Debian package cpp) and check include paths',
  cycle: 'Linux would never finish this walk (it hangs the boot); break the loop in the interrupt-parent/interrupt-map chain',
};

const SCENARIO_HINTS: Readonly<Record<string, string>> = {
  io: 'check the path; scenario files are YAML (see docs/scenarios.md)',
  yaml: 'fix the YAML syntax at that line',
  schema: 'see docs/scenarios.md or packages/scenario/schema/scenario.schema.json for the allowed keys and values',
  unknownKey: 'check the spelling; docs/scenarios.md lists every key',
  unknownProfile: 'profiles are linux-X.Y (see docs/kernel-profiles.md)',
  unknownDriver: 'define the driver under kernel.drivers, or use a name the catalogue knows',
  unknownPolicy: 'docs/scenarios.md lists the policies and their variants',
  unknownStep: 'docs/scenarios.md lists the userspace step kinds',
  unknownNode: 'use the full path of a devicetree or software node (/soc/iommu@5000000), or an IORT node as kdsim decode names it (IORT@0x74)',
  unknownDevice: 'device names are as dev_name() gives them (6000000.ethernet, 0000:00:03.0)',
  missingFirmware: 'firmware paths are relative to the scenario file; a table the scenario edits (machine.iort) must be among machine.acpi / acpidump',
  firmware: 'the firmware file is malformed; `kdsim decode` shows what it contains',
  timeline: 'the timeline lists modules (from kernel.modules), sleepN and snap, comma-separated',
  unsupported: 'this part of the machine needs a package not in this build yet',
};

const EXPLORE_HINTS: Readonly<Record<ExploreError['kind'], string>> = {
  token: 'copy the whole k1.… token that kdsim explore printed',
  options: 'see kdsim explore --help',
  target: 'the scenario could not be loaded by the explorer; run it with kdsim run first',
};

/** A user error as text: `kdsim: <what>` then `hint: <how to fix>`, one line each. */
export function formatUserError(e: CliError | FirmwareError | ScenarioError | ExploreError, c?: Colors): string {
  const hint = e instanceof CliError ? e.hint
    : e instanceof FirmwareError ? FIRMWARE_HINTS[e.kind]
      : e instanceof ExploreError ? EXPLORE_HINTS[e.kind]
        : SCENARIO_HINTS[e.kind] ?? 'see docs/scenarios.md';
  const message = e.message;
  const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ');
  const red = c?.red ?? ((s: string) => s);
  const dim = c?.dim ?? ((s: string) => s);
  return `${red('kdsim:')} ${oneLine(message)}\n${dim('hint:')} ${oneLine(hint)}\n`;
}

/**
 * Prints `e` on stderr and returns the exit status: user errors as one line
 * and a hint, anything else (a kdsim bug) as one line naming it a bug. Never
 * a stack trace.
 */
export function reportError(io: CliIo, e: unknown, c?: Colors): number {
  if (e instanceof CliError || e instanceof FirmwareError || e instanceof ScenarioError || e instanceof ExploreError) {
    io.stderr.write(formatUserError(e, c));
    return e instanceof CliError && e.kind === 'usage' ? EXIT_USAGE : EXIT_INPUT;
  }
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  io.stderr.write(formatUserError(new CliError('input', `internal error: ${what}`, 'this is a kdsim bug; please report it with the command line that triggered it'), c));
  return EXIT_INTERNAL;
}
