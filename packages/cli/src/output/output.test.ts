import { fileURLToPath } from 'node:url';
import { FirmwareError } from '@kdsim/firmware';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../testing/capture.js';
import { colorEnabled, colorsFor } from './colors.js';
import { CliError, EXIT_INPUT, EXIT_INTERNAL, EXIT_USAGE, formatUserError, reportError } from './errors.js';
import { JSON_SCHEMA_VERSION, renderJson } from './json.js';
import { progressBar } from './progress.js';

const ESC = '\u001b[';

describe('colour', () => {
  it('is on for a terminal without NO_COLOR, and the colour functions emit ANSI escapes', () => {
    const io = captureIo({ tty: true, env: { TERM: 'xterm-256color' } });
    expect(colorEnabled(io)).toBe(true);
    expect(colorsFor(io).red('x')).toBe(`${ESC}31mx${ESC}39m`);
  });

  it('is off for a pipe, even with CI or FORCE_COLOR set (which picocolors alone would honour)', () => {
    const io = captureIo({ tty: false, env: { CI: 'true', FORCE_COLOR: '1' } });
    expect(colorEnabled(io)).toBe(false);
    expect(colorsFor(io).red('x')).toBe('x');
  });

  it('is off on a terminal when NO_COLOR is set to anything non-empty; an empty NO_COLOR does not count', () => {
    expect(colorsFor(captureIo({ tty: true, env: { NO_COLOR: '1' } })).bold('x')).toBe('x');
    expect(colorEnabled(captureIo({ tty: true, env: { NO_COLOR: '' } }))).toBe(true);
  });

  it('is off for TERM=dumb', () => {
    expect(colorEnabled(captureIo({ tty: true, env: { TERM: 'dumb' } }))).toBe(false);
  });

  it('a failing command on a colour terminal colours its error prefix, and a NO_COLOR one does not', async () => {
    const { main } = await import('../main.js');
    const tty = captureIo({ tty: true });
    await main(['run', '--level', 'loud'], tty);
    expect(tty.err()).toContain(`${ESC}31mkdsim:${ESC}39m`);
    const plain = captureIo({ tty: true, env: { NO_COLOR: '1' } });
    await main(['run', '--level', 'loud'], plain);
    expect(plain.err()).not.toContain(ESC);
  });
});

describe('JSON envelope', () => {
  it('puts schemaVersion and command first, keeps the data, ends with one newline', () => {
    const text = renderJson('graph', { nodes: [1] });
    expect(text.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['schemaVersion', 'command', 'nodes']);
    expect(JSON.parse(text)).toEqual({ schemaVersion: JSON_SCHEMA_VERSION, command: 'graph', nodes: [1] });
  });
});

describe('user errors', () => {
  it('folds a multi-line message into one line and adds the hint', () => {
    expect(formatUserError(new CliError('input', 'a\n  b', 'do c'))).toBe('kdsim: a b\nhint: do c\n');
  });

  it('a FirmwareError prints its file and place and a hint for its kind; usage errors exit 2, input errors 1', () => {
    const io = captureIo();
    expect(reportError(io, new FirmwareError('truncated', { file: 'x.dtb', offset: 0x28, message: 'ends early' }))).toBe(EXIT_INPUT);
    expect(io.err()).toBe('kdsim: x.dtb: offset 0x28: ends early\nhint: the data ends before its header says it does; was the file cut off while copying?\n');
    expect(reportError(captureIo(), new CliError('usage', 'bad', 'h'))).toBe(EXIT_USAGE);
  });

  it('anything else is a kdsim bug: one line naming it, a hint to report, exit 70, no stack trace', () => {
    const io = captureIo();
    expect(reportError(io, new TypeError('x is undefined'))).toBe(EXIT_INTERNAL);
    expect(io.err()).toMatch(/^kdsim: internal error: TypeError: x is undefined\nhint: this is a kdsim bug[^\n]*\n$/);
  });
});

describe('progress bar', () => {
  it('writes nothing when stderr is not a terminal', () => {
    const io = captureIo({ tty: false });
    const bar = progressBar(io, 'work', 10);
    bar.tick(5);
    bar.stop();
    expect(io.err()).toBe('');
  });

  it('draws on stderr (never stdout) when stderr is a terminal, and clears itself at the end', () => {
    let err = '';
    let out = '';
    const io = {
      stdout: { isTTY: true, write: (s: string) => (out += s) },
      stderr: { isTTY: true, columns: 80, write: (s: string) => (err += s) },
      env: {},
    };
    const bar = progressBar(io, 'work', 4);
    bar.tick(2);
    bar.stop();
    expect(err).toContain('work [');
    expect(err).toMatch(/\d\/4/);
    expect(err).toContain(`${ESC}2K`); // clearOnComplete: the line is erased
    expect(out).toBe('');
  });

  it('stays off for a single unit of work', () => {
    let err = '';
    const io = { stdout: { write: () => true }, stderr: { isTTY: true, columns: 80, write: (s: string) => (err += s) }, env: {} };
    progressBar(io, 'work', 1).stop();
    expect(err).toBe('');
  });
});

describe('kdsim test progress', () => {
  it('draws a bar over the suite\'s scenarios on a terminal stderr and nothing through a pipe', async () => {
    const { main } = await import('../main.js');
    const suite = fileURLToPath(new URL('../../../../test/scenarios', import.meta.url));
    let err = '';
    const tty = { stdout: { isTTY: true, write: () => true }, stderr: { isTTY: true, columns: 80, write: (s: string) => (err += s) }, env: {} };
    expect(await main(['test', suite], tty)).toBe(0);
    expect(err).toMatch(/scenarios \[[^\]]*\] \d+\/\d+/);
    const piped = captureIo();
    expect(await main(['test', suite], piped)).toBe(0);
    expect(piped.err()).toBe('');
  }, 60_000);
});
