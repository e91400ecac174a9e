import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { decodeInputs, renderDecodeText, type DecodeInput } from '../decode/decode.js';
import { CliError } from '../output/errors.js';
import { renderJson } from '../output/json.js';
import { progressBar } from '../output/progress.js';
import type { CommandContext } from './context.js';

function readInput(file: string): DecodeInput {
  try {
    const bytes = new Uint8Array(readFileSync(file));
    if (bytes.length === 0) throw new CliError('input', `${file}: the file is empty`, 'give a .dtb, .dts, binary ACPI table or acpidump text file');
    return { file, bytes };
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String(e);
    throw new CliError('io', `${file}: cannot read: ${why}`, 'give the path of a .dtb, .dts, binary ACPI table or acpidump text file');
  }
}

/** `kdsim decode <file>...`: firmware as dtc/iasl print it, then the IOMMU topology it describes. */
export function registerDecode(program: Command, ctx: CommandContext): void {
  program
    .command('decode')
    .description('print device trees as dtc and ACPI tables as iasl would, then the IOMMU topology they describe')
    .argument('<file...>', '.dtb, .dts, binary ACPI tables (one or several per file) or acpidump text')
    .option('-i, --include <dir>', 'include directory for DTS sources (repeatable)', (d: string, acc: string[]) => [...acc, d], [] as string[])
    .option('--no-topology', 'only the disassembly, exactly as dtc/iasl print it')
    .option('--topology-only', 'only the IOMMU topology tables')
    .option('--json', 'machine-readable output (see docs/output-formats.md)')
    .action((files: string[], opts: { include: string[]; topology: boolean; topologyOnly?: boolean; json?: boolean }) => {
      if (!opts.topology && opts.topologyOnly === true) throw new CliError('usage', '--no-topology and --topology-only exclude each other', 'give one of them');
      const inputs = files.map(readInput);
      const bar = progressBar(ctx.io, 'decode', inputs.length);
      try {
        const result = decodeInputs(inputs, { includeDirs: opts.include, onInput: () => bar.tick() });
        ctx.io.stdout.write(opts.json === true ? renderJson('decode', result) : renderDecodeText(result, { disassembly: opts.topologyOnly !== true, topology: opts.topology }));
      } finally {
        bar.stop();
      }
    });
}
