// node acpi-tables.js serial.log[.gz] DIR [SIG...]: writes the ACPI tables init.sh dumped
// (default IORT, VIOT, DSDT, MCFG and APIC (the MADT), those present) to DIR/<SIG>.bin, for a scenario's `machine.acpi`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const [file, dir, ...sigs] = process.argv.slice(2);
if (file === undefined || dir === undefined) throw new Error('usage: node acpi-tables.js serial.log[.gz] DIR [SIG...]');
const raw = readFileSync(file);
const log = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
const wanted = new Set(sigs.length > 0 ? sigs : ['IORT', 'VIOT', 'DSDT', 'MCFG', 'APIC']);
mkdirSync(dir, { recursive: true });
for (const m of log.matchAll(/^TABLE (\w+) ([0-9a-f]+)\r?$/gm)) {
  if (!wanted.has(m[1])) continue;
  writeFileSync(join(dir, `${m[1]}.bin`), Buffer.from(m[2], 'hex'));
  console.log(join(dir, `${m[1]}.bin`));
}
