import { Subject } from 'rxjs';
import { formatTimestamp, type VirtualClock } from '../time/clock.js';
import type { LogLevelValue } from './levels.js';

/** One printk record (kernel/printk/printk.c: struct printk_info + text). */
export interface KlogRecord {
  /** Sequence number, from 0. */
  readonly seq: number;
  /** Virtual time of the printk (ns). */
  readonly time: number;
  /** Log level. */
  readonly level: LogLevelValue;
  /** The whole line as dmesg shows it after the timestamp, device prefix included. */
  readonly text: string;
  /** Source file of the call site, for debug lines (`drivers/base/dd.c`). */
  readonly file?: string;
}

/** Options for rendering the log as `dmesg` does. */
export interface DmesgOptions {
  /** Only lines at this level or more severe (a lower number). */
  readonly level?: LogLevelValue;
  /** Include debug-level lines (default true). */
  readonly debug?: boolean;
}

/**
 * The kernel log: a fixed-size ring buffer of printk records (older records are
 * overwritten, as with log_buf_len), observable as `log$`.
 */
export class Klog {
  /** Every new record, as it is written. */
  get log$(): Subject<KlogRecord> {
    return this.#log$ ??= new Subject<KlogRecord>();
  }

  // Made when first asked for: most logs are never observed.
  #log$: Subject<KlogRecord> | null = null;
  // Grows up to `capacity` as records arrive, then wraps: a short boot does not pay for a full ring.
  readonly #ring: KlogRecord[] = [];
  #seq = 0;

  /** Creates a log keeping at most `capacity` records. */
  constructor(
    readonly clock: VirtualClock,
    readonly capacity = 16_384,
  ) {}

  /** Number of records ever written (the next sequence number). */
  get written(): number {
    return this.#seq;
  }

  /** Writes one record at the current virtual time. */
  printk(level: LogLevelValue, text: string, file?: string): void {
    const rec: KlogRecord = file === undefined
      ? { seq: this.#seq, time: this.clock.now, level, text }
      : { seq: this.#seq, time: this.clock.now, level, text, file };
    if (this.#ring.length < this.capacity) this.#ring.push(rec);
    else this.#ring[this.#seq % this.capacity] = rec;
    this.#seq++;
    if (this.#log$?.observed === true) this.#log$.next(rec);
  }

  /** The records still in the ring, oldest first. */
  records(): KlogRecord[] {
    const out: KlogRecord[] = [];
    const first = Math.max(0, this.#seq - this.capacity);
    for (let s = first; s < this.#seq; s++) out.push(this.#ring[s % this.capacity]!);
    return out;
  }

  /** The log as `dmesg` prints it: `[    1.466751] pcieport 0000:00:05.0: ...`. */
  dmesg(options: DmesgOptions = {}): string {
    const max = options.level ?? 7;
    const lines: string[] = [];
    for (const r of this.records()) {
      if (r.level > max) continue;
      if (options.debug === false && r.level === 7) continue;
      lines.push(`[${formatTimestamp(r.time)}] ${r.text}`);
    }
    return lines.length > 0 ? `${lines.join('\n')}\n` : '';
  }
}
