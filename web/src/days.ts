/**
 * Days as a salesperson reads them, in the signed-in user's IANA zone: which day a
 * task falls on, how the list is grouped (Overdue, Today, then each date), and the
 * dates a snooze sends. Pure functions of (value, zone, now); no DOM, so the table
 * tests in `test/web-days.test.ts` run them under Node.
 *
 * A day is a `YYYY-MM-DD` string. A task's `date` is either a date (it stays that day
 * in every zone, D18) or a UTC instant, whose day is its local date in the zone.
 */

export type Day = string;

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The local day of the instant `ms` in `zone`. */
export function dayOf(ms: number, zone: string): Day {
  let f = dayFormats.get(zone);
  if (!f) {
    // en-CA formats dates as YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(zone, f);
  }
  return f.format(ms);
}

/** True for a date-only task date (`2026-03-10`), false for an instant. */
export function isDateOnly(date: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(date);
}

/** The day a task's `date` falls on in `zone`. */
export function taskDay(date: string, zone: string): Day {
  return isDateOnly(date) ? date : dayOf(Date.parse(date), zone);
}

/** `day` moved by `n` days (calendar arithmetic, no zone involved). */
export function addDays(day: Day, n: number): Day {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** 0 for Sunday .. 6 for Saturday. */
export function weekday(day: Day): number {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/** A group of the list: its key (`overdue`, `today` or a day), its heading, its tasks in server order. */
export interface DayGroup<T> {
  key: string;
  label: string;
  tasks: T[];
}

/**
 * Groups tasks by day in `zone`, keeping the server's order inside each group and the
 * order in which groups first appear. In the Inbox every day before `today` is one
 * "Overdue" group; elsewhere each day is its own group ("Today", "Tomorrow",
 * "Yesterday", or the date).
 */
export function groupByDay<T extends { date: string }>(tasks: T[], view: string, today: Day, zone: string): DayGroup<T>[] {
  const groups = new Map<string, DayGroup<T>>();
  for (const t of tasks) {
    const day = taskDay(t.date, zone);
    const key = view === 'inbox' && day < today ? 'overdue' : day === today ? 'today' : day;
    let g = groups.get(key);
    if (!g) {
      g = { key, label: key === 'overdue' ? 'Overdue' : dayLabel(day, today), tasks: [] };
      groups.set(key, g);
    }
    g.tasks.push(t);
  }
  return [...groups.values()];
}

/** "Today", "Tomorrow", "Yesterday", else "Wed, Mar 11" (with the year when it is not this year's). */
export function dayLabel(day: Day, today: Day): string {
  if (day === today) return 'Today';
  if (day === addDays(today, 1)) return 'Tomorrow';
  if (day === addDays(today, -1)) return 'Yesterday';
  return shortDate(day, day.slice(0, 4) !== today.slice(0, 4));
}

/** "Wed, Mar 11", or "Wed, Mar 11, 2026" with `withYear`. */
export function shortDate(day: Day, withYear = false): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Intl.DateTimeFormat('en-US', {
    timeZone: 'UTC',
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    ...(withYear ? { year: 'numeric' } : {}),
  }).format(Date.UTC(y, m - 1, d));
}

/** The local time of an instant task date ("9:45 AM"), or null for a date-only one. */
export function timeLabel(date: string, zone: string): string | null {
  if (isDateOnly(date)) return null;
  return new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', minute: '2-digit' }).format(Date.parse(date));
}

/**
 * What the row says about when a task is: the time for a task of the group's own day,
 * the date (and time) for one in the Overdue group, nothing for a date-only task of
 * its own day.
 */
export function whenLabel(date: string, groupKey: string, today: Day, zone: string): string | null {
  const time = timeLabel(date, zone);
  if (groupKey !== 'overdue') return time;
  const day = taskDay(date, zone);
  const d = shortDate(day, day.slice(0, 4) !== today.slice(0, 4));
  return time ? `${d}, ${time}` : d;
}

/** A snooze choice: its label, the `date` it sends (null when it cannot apply now), and a hint. */
export interface SnoozeChoice {
  id: 'later' | 'tomorrow' | 'next-week';
  label: string;
  date: string | null;
  hint: string;
}

/** "Later today" moves a task this far ahead, rounded up to the quarter hour. */
export const LATER_TODAY_MS = 3 * 3600_000;
const QUARTER_HOUR_MS = 15 * 60_000;

/**
 * The snooze choices at `nowMs` for a user in `zone`, each a `date` for `PUT /task/`:
 * - Later today: the instant three hours on, rounded up to the quarter hour (null
 *   when that is no longer today in the zone);
 * - Tomorrow: tomorrow's date (a date-only task: local midnight in every reader's zone);
 * - Next week: the date of next Monday.
 */
export function snoozeChoices(nowMs: number, zone: string): SnoozeChoice[] {
  const today = dayOf(nowMs, zone);
  const laterMs = Math.ceil((nowMs + LATER_TODAY_MS) / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
  const laterIso = new Date(laterMs).toISOString();
  const later = dayOf(laterMs, zone) === today ? laterIso : null;
  const tomorrow = addDays(today, 1);
  const toMonday = ((8 - weekday(today)) % 7) || 7;
  const monday = addDays(today, toMonday);
  return [
    { id: 'later', label: 'Later today', date: later, hint: later ? (timeLabel(laterIso, zone) ?? '') : 'too late today' },
    { id: 'tomorrow', label: 'Tomorrow', date: tomorrow, hint: shortDate(tomorrow) },
    { id: 'next-week', label: 'Next week', date: monday, hint: shortDate(monday) },
  ];
}

/** "0:21", "12:05" for a duration in whole seconds. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
