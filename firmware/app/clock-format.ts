// Date and time for the idle screen. QuickJS has Date but no Intl, so format by hand (UTC:
// the emulator and lab run on UTC; a time-zone setting is a later feature).

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function two(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** "14:05" */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return two(d.getUTCHours()) + ':' + two(d.getUTCMinutes());
}

/** "Thu 26 Nov" */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

/** Milliseconds until the next minute starts, so the clock on screen flips on time. */
export function msToNextMinute(ms: number): number {
  return 60000 - (ms % 60000);
}
