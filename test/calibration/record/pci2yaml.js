// node pci2yaml.js serial.log[.gz]: the PCI functions init.sh dumped (config space included) as a
// scenario's `machine.pci` list. Bridges are `configured: false` with the bus number Linux gave them
// (nothing programs them on a direct kernel boot); ACS control is left out (Linux set it, not firmware).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

const ACS = ['SV', 'TB', 'RR', 'CR', 'UF', 'EC', 'DT'];
const PCIE_TYPES = { 0: 'endpoint', 1: 'legacy-endpoint', 4: 'root-port', 5: 'upstream-port', 6: 'downstream-port', 7: 'pcie-to-pci-bridge', 8: 'pci-to-pcie-bridge', 9: 'rc-integrated-endpoint', 10: 'rc-event-collector' };
const PCI_CAP_ID_EXP = 0x10;
const PCI_CAP_ID_SHPC = 0x0c;
const PCI_EXT_CAP_ID = { ERR: 0x01, ACS: 0x0d, DPC: 0x1d };

function entry(bdf, ids, cfg) {
  const e = [`bdf: "${bdf}"`, `id: "${ids.id}"`];
  if (ids.subsystem !== '0000:0000') e.push(`subsystem: "${ids.subsystem}"`);
  e.push(`class: "0x${ids.cls}"`);
  const hdr = cfg[0x0e];
  if (hdr & 0x80) e.push('multifunction: true');
  const caps = [];
  if (cfg.readUInt16LE(0x06) & 0x10) {
    for (let p = cfg[0x34] & ~3, n = 0; p !== 0 && n < 48; p = cfg[p + 1] & ~3, n++) {
      if (cfg[p] === PCI_CAP_ID_SHPC) caps.push('shpc: true');
      if (cfg[p] !== PCI_CAP_ID_EXP) continue;
      const flags = cfg.readUInt16LE(p + 2);
      e.push(`pcie: ${PCIE_TYPES[(flags >> 4) & 0xf]}`);
      if (flags & 0x100 && cfg.readUInt32LE(p + 0x14) & 0x40) caps.push('hotplug: true'); // slot implemented, SLTCAP.HPC
      if (cfg.readUInt32LE(p + 0x0c) & (1 << 21)) caps.push('linkBandwidthNotification: true'); // LNKCAP.LBNC
    }
  }
  for (let p = 0x100, n = 0; cfg.length > 0x100 && p !== 0 && n < 64; n++) {
    const h = cfg.readUInt32LE(p);
    if (h === 0 || h === 0xffffffff) break;
    if ((h & 0xffff) === PCI_EXT_CAP_ID.ERR) caps.push('aer: true');
    if ((h & 0xffff) === PCI_EXT_CAP_ID.DPC) caps.push('dpc: true');
    if ((h & 0xffff) === PCI_EXT_CAP_ID.ACS) {
      const cap = cfg.readUInt16LE(p + 4);
      e.push(`acs: [${ACS.filter((_, i) => cap & (1 << i)).join(', ')}]`);
    }
    p = h >>> 20;
  }
  if ((hdr & 0x7f) === 1) e.push(`bridge: { secondary: ${cfg[0x19]}, configured: false }`);
  if (caps.length > 0) e.push(`caps: { ${caps.join(', ')} }`);
  return `    - { ${e.join(', ')} }`;
}

/** The `machine.pci` list of a recorded console `log`, one YAML line per function. */
export function pciList(log) {
  const out = [];
  for (const line of log.split('\n')) {
    const m = /^PCI [0-9a-f]{4}:(\S+) 0x(\w+):0x(\w+) sub=0x(\w+):0x(\w+) class=0x(\w{6}) config=(\w+)/.exec(line);
    if (m === null) continue;
    const [, bdf, ven, dev, sv, sd, cls, hex] = m;
    out.push(entry(bdf, { id: `${ven}:${dev}`, subsystem: `${sv}:${sd}`, cls }, Buffer.from(hex, 'hex')));
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: node pci2yaml.js serial.log[.gz]');
  const raw = readFileSync(file);
  for (const line of pciList((file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'))) console.log(line);
}
