import type { FuzzTarget } from '../fuzz.js';
import { parseAcpidump, renderAcpidump } from './acpidump.js';
import { decodeIort } from './iort.js';
import { iortIommuConfigure } from './iort-configure.js';
import { acpiIortInit } from './iort-init.js';
import { iortRmrRegions } from './iort-rmr.js';
import { AcpiDeviceFwnode } from './fwnodes.js';
import { looksLikeAcpidump } from './load.js';
import { printIort } from './print-iort.js';
import { printViot } from './print-viot.js';
import { splitAcpiTables } from './table.js';
import { decodeViot } from './viot.js';
import { viotIommuConfigure } from './viot-configure.js';
import { acpiViotInit } from './viot-init.js';

const IORT_SEEDS = [
  'acpi/qemu-virt-IORT-its.bin', 'acpi/qemu-virt-IORT-rc-only.bin', 'acpi/qemu-virt-IORT-smmuv3-its_off.bin',
  'acpi/qemu-virt-IORT-smmuv3-legacy.bin', 'acpi/qemu72-virt-IORT-smmuv3-bypass.bin',
];
const VIOT_SEEDS = ['acpi/qemu-virt-VIOT.bin', 'acpi/qemu72-virt-VIOT-bypass.bin'];
const DSDT_SEEDS = ['acpi/qemu-virt-DSDT-smmuv3.bin', 'acpi/qemu-virt-DSDT-viot.bin', 'acpi/qemu72-virt-DSDT.bin'];

// Interesting IDs: 0, 0xffff, and around the first mapping's ends.
function probeIds(first: number, last: number): number[] {
  return [0, 0xffff, first, (last + 1) >>> 0, last];
}

// Printing and JSON are exercised on one input in 8 (picked by a cheap hash) to keep the rate up.
function sampled(bytes: Uint8Array): boolean {
  return ((bytes.length * 31 + (bytes[bytes.length >> 1] ?? 0)) & 7) === 0;
}

/** Decode, init, translate a few IDs through every RC and NC, RMR lookup, print. */
function fuzzIort(bytes: Uint8Array, file: string): unknown {
  const iort = decodeIort(bytes, file);
  const init = acpiIortInit(iort);
  const env = { fwnodeFor: init.fwnodeFor, driverBuilt: () => true, fwspecInit: () => 0 };
  let n = 0;
  for (const node of iort.nodes) {
    if (node.kind === 'rootComplex') {
      const m0 = node.mappings[0];
      for (const rid of probeIds(m0?.inputBase ?? 0, ((m0?.inputBase ?? 0) + (m0?.idCount ?? 0)) >>> 0)) {
        n += iortIommuConfigure(iort, { kind: 'pci', segment: node.pciSegment, rid: rid & 0xffff }, env).ids.length;
      }
    } else if (node.kind === 'namedComponent') {
      n += iortIommuConfigure(iort, { kind: 'platform', acpiPath: node.deviceName }, env).ids.length;
      n += iortIommuConfigure(iort, { kind: 'platform', acpiPath: node.deviceName, inputId: node.mappings[0]?.inputBase ?? 0 }, env).ids.length;
    } else if (node.kind === 'smmu' || node.kind === 'smmuV3') {
      n += iortRmrRegions(iort, node, null).regions.length;
    }
  }
  return sampled(bytes) ? { n, text: printIort(iort).length, json: JSON.stringify(iort).length } : n;
}

/** Decode, init (every PCI function present, every address claimed), configure a few endpoints, print. */
function fuzzViot(bytes: Uint8Array, file: string): unknown {
  const viot = decodeViot(bytes, file);
  const init = acpiViotInit(viot, {
    pciFunction: () => ({ fwnode: null }),
    acpiResourceConsumer: (a) => new AcpiDeviceFwnode(`\\_SB_.M${(Number(a & 0xffffn) % 10000).toString().padStart(4, '0')}`),
  });
  const env = { virtioIommuBuilt: () => true, fwspecInit: () => 0 };
  let n = 0;
  for (const e of init.pciRanges.slice(0, 8)) {
    for (const rid of probeIds(e.node.bdfStart, e.node.bdfEnd)) {
      n += viotIommuConfigure(init, { kind: 'pci', segment: e.node.segmentStart, rid: rid & 0xffff }, env).ids.length;
    }
  }
  for (const e of init.mmioEndpoints.slice(0, 8)) n += viotIommuConfigure(init, { kind: 'platform', acpiPath: null, memStart: e.node.baseAddress }, env).ids.length;
  return sampled(bytes) ? { n, text: printViot(viot).length, json: JSON.stringify(viot).length } : n;
}

const LATIN1 = new TextDecoder('latin1');

// A cheap deterministic hash of the input picks a text-level mutation.
function mutateText(text: string, bytes: Uint8Array): string {
  let h = 2166136261;
  for (let i = 0; i < bytes.length; i += 7) h = Math.imul(h ^ (bytes[i] ?? 0), 16777619) >>> 0;
  const lines = text.split('\n');
  const at = h % Math.max(lines.length, 1);
  switch ((h >>> 8) % 8) {
    case 0: return text.replace(/\n/g, '\r\n');
    case 1: return 'Intel ACPI dump\n\n' + text.toLowerCase();
    case 2: lines.splice(at, 1); return lines.join('\n');
    case 3: lines[at] = (lines[at] ?? '').replace(/[0-9A-F]/, 'G'); return lines.join('\n');
    case 4: return text.slice(0, (h >>> 4) % (text.length + 1));
    case 5: lines.splice(at, 0, ''); return lines.join('\n');
    case 6: lines[at] = (lines[at] ?? '').replace(': ', ':'); return lines.join('\n');
    default: return text;
  }
}

/**
 * The ACPI fuzz targets: `acpi-table` (header walk of binary tables),
 * `iort`, `viot`, and `acpidump` (text; binary seeds are rendered to
 * acpidump text, then mutated at the text level).
 */
export const acpiFuzzTargets: readonly FuzzTarget[] = [
  { name: 'acpi-table', seedFiles: [...IORT_SEEDS, ...VIOT_SEEDS, ...DSDT_SEEDS], parse: (b, f) => splitAcpiTables(b, f).length },
  { name: 'iort', seedFiles: IORT_SEEDS, parse: fuzzIort },
  { name: 'viot', seedFiles: VIOT_SEEDS, parse: fuzzViot },
  {
    name: 'acpidump',
    seedFiles: [...IORT_SEEDS, ...VIOT_SEEDS],
    parse: (bytes, file) => {
      if (looksLikeAcpidump(bytes)) return parseAcpidump(LATIN1.decode(bytes), file).length;
      const sig = LATIN1.decode(bytes.subarray(0, 4)).replace(/[^\x21-\x7e]/g, 'X').padEnd(4, 'X');
      const text = mutateText(renderAcpidump([{ signature: sig, bytes }]), bytes);
      return parseAcpidump(text, file).length;
    },
  },
];
