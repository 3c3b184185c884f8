/**
 * The views Inbox, Future and Archive (decisions D15, D17; reference §8.4), as one
 * rule: a viewer's bounds, computed once from the clock and the zone, give each view
 * its conditions, which the task repository applies in SQL (`view=` filters) and
 * `taskViewOf` applies in JS (the `view` field of every task). Pure.
 *
 * - inbox: incomplete, and dated before the start of the viewer's tomorrow (a
 *   date-only task: up to today);
 * - future: incomplete, and dated at or after it;
 * - archive: complete.
 */
import type { CloseDate } from '../close/dates.js';
import type { RequestZone } from '../close/zone.js';
import { complementOf, dateCondition, matchesDateCondition, todayDayMs, tomorrowStartMs, type DateCondition } from '../close/localday.js';

export type TaskView = 'inbox' | 'future' | 'archive';

/** Where "today" ends for a viewer: computed once, then used for many tasks. */
export interface ViewBounds {
  /** The viewer's local date, as UTC-midnight ms. */
  todayDayMs: number;
  /** The instant the viewer's tomorrow begins (ms). */
  tomorrowStartMs: number;
  /** `date < tomorrowStartMs` in the viewer's zone: what separates inbox from future. */
  beforeTomorrow: DateCondition;
}

/**
 * The last bounds computed per zone object, with the instant they were computed at:
 * they depend only on the viewer's local date, so they hold from that instant until the
 * viewer's tomorrow begins (issue 12: Luxon's offset arithmetic once a day and zone, not
 * once a request).
 */
const lastBounds = new WeakMap<RequestZone, { fromMs: number; bounds: ViewBounds }>();

/** The view bounds of a viewer in `zone` at `nowMs` (treat as read-only: the same object may be returned again). */
export function viewBounds(nowMs: number, zone: RequestZone): ViewBounds {
  const last = lastBounds.get(zone);
  if (last && last.fromMs <= nowMs && nowMs < last.bounds.tomorrowStartMs) return last.bounds;
  const tomorrow = tomorrowStartMs(nowMs, zone);
  const bounds = { todayDayMs: todayDayMs(nowMs, zone), tomorrowStartMs: tomorrow, beforeTomorrow: dateCondition('lt', tomorrow, zone) };
  lastBounds.set(zone, { fromMs: nowMs, bounds });
  return bounds;
}

/** What a view asks of a task: its completeness, and for inbox/future a date condition. */
export interface ViewConditions {
  isComplete: boolean;
  date: DateCondition | null;
}

/**
 * The conditions of `view` for a viewer with `bounds` (D15): the repository ANDs them
 * with every other filter.
 */
export function viewConditions(view: TaskView, bounds: ViewBounds): ViewConditions {
  if (view === 'archive') return { isComplete: true, date: null };
  if (view === 'inbox') return { isComplete: false, date: bounds.beforeTomorrow };
  return { isComplete: false, date: complementOf(bounds.beforeTomorrow) };
}

/** The view a task belongs to for a viewer with `bounds` (D15, D17). */
export function taskViewOf(isComplete: boolean, value: CloseDate, bounds: ViewBounds): TaskView {
  if (isComplete) return 'archive';
  return matchesDateCondition(value, bounds.beforeTomorrow) ? 'inbox' : 'future';
}

/** The view a task belongs to for a viewer in `zone` at `nowMs`. */
export function taskView(isComplete: boolean, value: CloseDate, nowMs: number, zone: RequestZone): TaskView {
  return taskViewOf(isComplete, value, viewBounds(nowMs, zone));
}
