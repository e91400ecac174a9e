/** printk log levels (include/linux/kern_levels.h). */
export const LogLevel = {
  EMERG: 0, ALERT: 1, CRIT: 2, ERR: 3, WARNING: 4, NOTICE: 5, INFO: 6, DEBUG: 7,
} as const;

/** A printk level, 0 (emerg) to 7 (debug). */
export type LogLevelValue = (typeof LogLevel)[keyof typeof LogLevel];

const names = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'] as const;

/** The short name `dmesg --level` uses for a level. */
export function levelName(level: LogLevelValue): string {
  return names[level];
}

/** Parses a level given as a number or a `dmesg` name (`err`, `warn`, ...). */
export function parseLevel(s: string): LogLevelValue | undefined {
  if (/^[0-7]$/.test(s)) return Number(s) as LogLevelValue;
  const i = names.indexOf(s.toLowerCase() as (typeof names)[number]);
  if (i >= 0) return i as LogLevelValue;
  if (s.toLowerCase() === 'warning') return LogLevel.WARNING;
  return undefined;
}
