import { describe, expect, it } from 'vitest';
import { Kernel } from '../kernel.js';
import type { PrintkReport } from './printk-report.js';

const REPORTS: readonly PrintkReport[] = [
  { kind: 'debug', file: 'drivers/of/irq.c', text: 'OF:  -> got it !' },
  { kind: 'warn', file: 'drivers/of/irq.c', fn: 'of_irq_parse_raw', text: '/soc/intc interrupt-map failed, using interrupt-controller' },
  { kind: 'warn-on', file: 'drivers/of/irq.c', fn: 'of_irq_parse_imap_parent' },
];
const text = (k: Kernel): string[] => k.klog.records().map((r) => `<${r.level}>${r.text}`);

describe('printing the reports of code without a kernel', () => {
  it('WARN() prints its message between the cut-here banner and the WARNING line, WARN_ON() none; pr_debug() only under dynamic debug', () => {
    const k = new Kernel();
    const before = text(k).length;
    k.printkSink.emit(REPORTS);
    expect(text(k).slice(before)).toEqual([
      '<4>------------[ cut here ]------------',
      '<4>/soc/intc interrupt-map failed, using interrupt-controller',
      '<4>WARNING: CPU: 0 PID: 1 at drivers/of/irq.c of_irq_parse_raw',
      '<4>---[ end trace 0000000000000000 ]---',
      '<4>------------[ cut here ]------------',
      '<4>WARNING: CPU: 0 PID: 1 at drivers/of/irq.c of_irq_parse_imap_parent',
      '<4>---[ end trace 0000000000000000 ]---',
    ]);
    expect(k.printkSink.debugEnabled('drivers/of/irq.c')).toBe(false);
  });

  it('with dyndbg="file drivers/of/irq.c +p" the debug line prints first, at KERN_DEBUG', () => {
    const k = new Kernel({ cmdline: 'dyndbg="file drivers/of/irq.c +p"' });
    const before = text(k).length;
    expect(k.printkSink.debugEnabled('drivers/of/irq.c')).toBe(true);
    k.printkSink.emit(REPORTS.slice(0, 1));
    expect(text(k).slice(before)).toEqual(['<7>OF:  -> got it !']);
  });
});
