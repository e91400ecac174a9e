import { describe, expect, it } from 'vitest';
import { NSEC_PER_USEC, VirtualClock, formatTimestamp } from '../time/clock.js';
import { DynamicDebug } from './dyndbg.js';
import { Klog } from './klog.js';
import { LogLevel } from './levels.js';

describe('klog', () => {
  it('renders records as dmesg does', () => {
    const clock = new VirtualClock();
    const log = new Klog(clock);
    clock.advance(1_466_751 * NSEC_PER_USEC);
    log.printk(LogLevel.DEBUG, 'pci 0000:00:05.0: Added to deferred list', 'drivers/base/dd.c');
    log.printk(LogLevel.WARNING, 'platform sfp1: deferred probe pending: (reason unknown)');
    expect(log.dmesg()).toBe('[    1.466751] pci 0000:00:05.0: Added to deferred list\n[    1.466751] platform sfp1: deferred probe pending: (reason unknown)\n');
    expect(log.dmesg({ level: LogLevel.WARNING })).toBe('[    1.466751] platform sfp1: deferred probe pending: (reason unknown)\n');
  });

  it('keeps only the newest records in its fixed ring', () => {
    const log = new Klog(new VirtualClock(), 3);
    for (let i = 0; i < 5; i++) log.printk(LogLevel.INFO, `line ${i}`);
    expect(log.records().map((r) => r.text)).toEqual(['line 2', 'line 3', 'line 4']);
    expect(log.written).toBe(5);
  });

  it('keeps every record until the ring is full, then wraps at the exact capacity', () => {
    const log = new Klog(new VirtualClock(), 3);
    const texts = (): string[] => log.records().map((r) => r.text);
    log.printk(LogLevel.INFO, 'a');
    log.printk(LogLevel.INFO, 'b');
    expect(texts()).toEqual(['a', 'b']);
    log.printk(LogLevel.INFO, 'c');
    expect(texts()).toEqual(['a', 'b', 'c']);
    log.printk(LogLevel.INFO, 'd');
    expect(texts()).toEqual(['b', 'c', 'd']);
    expect(log.records().map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  it('emits each record on log$', () => {
    const log = new Klog(new VirtualClock());
    const seen: string[] = [];
    log.log$.subscribe((r) => seen.push(r.text));
    log.printk(LogLevel.INFO, 'hello');
    expect(seen).toEqual(['hello']);
  });

  it('formats timestamps with five digits of seconds and microseconds', () => {
    expect(formatTimestamp(0)).toBe('    0.000000');
    expect(formatTimestamp(12_345_678_901_234)).toBe('12345.678901');
  });
});

describe('dynamic debug', () => {
  it('enables sites by file, by module and globally', () => {
    const d = new DynamicDebug();
    expect(d.apply('file drivers/base/dd.c +p; module virtio-iommu +p; bogus')).toEqual(['bogus']);
    expect(d.enabled('drivers/base/dd.c')).toBe(true);
    expect(d.enabled('drivers/base/core.c')).toBe(false);
    expect(d.enabled('drivers/iommu/virtio-iommu.c', 'virtio_iommu')).toBe(true);
    d.apply('file drivers/base/dd.c -p');
    expect(d.enabled('drivers/base/dd.c')).toBe(false);
    d.apply('+p');
    expect(d.enabled('anything.c')).toBe(true);
  });
});
