import { FirmwareError } from '../errors.js';

/** `0000:00:01.0` for a segment and requester ID (bus << 8 | dev << 3 | fn), as Linux names PCI devices. */
export function formatPciName(segment: number, rid: number): string {
  const bus = (rid >> 8) & 0xff;
  const dev = (rid >> 3) & 0x1f;
  const fn = rid & 7;
  return `${segment.toString(16).padStart(4, '0')}:${bus.toString(16).padStart(2, '0')}:${dev.toString(16).padStart(2, '0')}.${fn}`;
}

/** Parses `0000:00:01.0` or `00:01.0` (segment 0) into segment and requester ID. */
export function parsePciName(name: string): { segment: number; rid: number } {
  const m = /^(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/.exec(name.trim());
  if (m === null) throw new FirmwareError('syntax', { message: `'${name}' is not a PCI device name like 0000:00:01.0` });
  const dev = parseInt(m[3] ?? '0', 16);
  if (dev > 0x1f) throw new FirmwareError('syntax', { message: `PCI device number ${dev} in '${name}' is above 0x1f` });
  return { segment: parseInt(m[1] ?? '0', 16), rid: (parseInt(m[2] ?? '0', 16) << 8) | (dev << 3) | parseInt(m[4] ?? '0', 10) };
}

/** `0000:00:00.0–0000:00:1f.7`: a RID range of one segment, as the fixtures README writes it. */
export function formatPciRange(segment: number, first: number, last: number): string {
  return first === last ? formatPciName(segment, first) : `${formatPciName(segment, first)}–${formatPciName(segment, last)}`;
}
