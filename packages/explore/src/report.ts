import { formatTimestamp, type Decision } from '@kdsim/core';
import type { Schedule } from './schedule.js';

/**
 * Describes the non-default choices of a schedule as a boot met them: one
 * line per choice, `[time] kind: chosen (default: option 0)`.
 */
export function describeSchedule(schedule: Schedule, verdict: { readonly decisions: readonly Decision[] }): string[] {
  const lines: string[] = [];
  for (const [pos, opt] of schedule.choices) {
    const d = verdict.decisions[pos];
    if (d === undefined) {
      lines.push(`#${pos}: not reached (the boot made ${verdict.decisions.length} choices)`);
      continue;
    }
    lines.push(`#${pos} [${formatTimestamp(d.time)}] ${d.kind}: ${d.options[d.chosen] ?? `option ${opt}`} (default: ${d.options[0] ?? '?'})`);
  }
  return lines;
}
