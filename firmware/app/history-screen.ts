// The call history on the LCD: a scrolling list with the selected call inverted on boards
// with room, one call over two rows on a 2-line phone.

import type { HistoryEntry } from './call-history.ts';
import { formatTime } from './clock-format.ts';
import type { Layout, Screen } from './screen.ts';

const ARROW = { in: '<', out: '>' } as const;

/** "0:42", "missed", "busy", "cancelled", "fail 404" */
function label(e: HistoryEntry): string {
  if (e.outcome === 'answered') return `${Math.floor(e.duration / 60)}:${e.duration % 60 < 10 ? '0' : ''}${e.duration % 60}`;
  if (e.outcome === 'missed') return 'missed';
  if (e.outcome === 'rejected') return e.direction === 'in' ? 'rejected' : 'busy';
  if (e.outcome === 'cancelled') return 'cancelled';
  return `fail ${e.status}`;
}

export function historyLayout(screen: Screen, entries: readonly HistoryEntry[], index: number): Layout {
  const softkeys = ['Call', '', '', 'Back'];
  if (entries.length === 0) return { lines: ['Call history', 'No calls'], softkeys: ['', '', '', 'Back'] };
  const rows = screen.contentRows;
  if (rows < 3) {
    const e = entries[index]!;
    return { lines: [`${ARROW[e.direction]}${e.remote}`, screen.spread(`${index + 1}/${entries.length} ${label(e)}`, formatTime(e.start))] };
  }
  const visible = rows - 1;
  const first = Math.max(0, Math.min(index - visible + 1, entries.length - visible));
  const lines = [screen.spread('Call history', `${index + 1}/${entries.length}`)];
  for (let i = first; i < entries.length && lines.length < rows; i++) {
    const e = entries[i]!;
    lines.push(screen.spread(`${ARROW[e.direction]} ${e.remote}`, `${label(e)} ${formatTime(e.start)}`));
  }
  return { lines, inverse: [1 + index - first], softkeys };
}
