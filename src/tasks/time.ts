/**
 * What "today", "tomorrow" and "before" mean for a task date in a request's zone.
 * Pure functions of (value, zone, now); no HTTP, no SQL.
 *
 * Rules (decisions D16-D18, reference §8.3-§8.4):
 * - A date-only task `D` counts as the instant `D 00:00` in the request's zone
 *   (the first instant of that local day where midnight falls in a DST gap).
 * - At the same instant, a date-only task sorts before a date-time task.
 * - inbox: incomplete and effective instant before the start of the zone's tomorrow;
 *   future: incomplete and at or after it; archive: complete.
 */
import { DateTime } from 'luxon';
import { MS_PER_DAY, type CloseDate } from '../close/dates.js';
import type { RequestZone } from '../close/zone.js';

export type TaskView = 'inbox' | 'future' | 'archive';

const midnightCache = new Map<string, number>();
const MIDNIGHT_CACHE_MAX = 200_000;

/**
 * The instant (ms, UTC) at which the local calendar day `dayMs` (UTC midnight of
 * that date) begins in `zone`.
 */
export function localMidnightMs(dayMs: number, zone: RequestZone): number {
  if (zone.fixedOffsetMinutes !== null) return dayMs - zone.fixedOffsetMinutes * 60_000;
  const key = zone.ianaName + '|' + dayMs;
  let v = midnightCache.get(key);
  if (v === undefined) {
    const d = new Date(dayMs);
    v = DateTime.fromObject(
      { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() },
      { zone: zone.zone },
    )
      .startOf('day')
      .toMillis();
    if (midnightCache.size >= MIDNIGHT_CACHE_MAX) midnightCache.clear();
    midnightCache.set(key, v);
  }
  return v;
}

/** UTC midnight (ms) of the local calendar date, in `zone`, of the instant `ms`. */
export function localDayMs(ms: number, zone: RequestZone): number {
  if (zone.fixedOffsetMinutes !== null) {
    return Math.floor((ms + zone.fixedOffsetMinutes * 60_000) / MS_PER_DAY) * MS_PER_DAY;
  }
  const local = DateTime.fromMillis(ms, { zone: zone.zone });
  return Date.UTC(local.year, local.month - 1, local.day);
}

/** The instant a task date stands for in `zone`: itself for a date-time, local midnight for a date (D17). */
export function effectiveMs(value: CloseDate, zone: RequestZone): number {
  return value.kind === 'date' ? localMidnightMs(value.ms, zone) : value.ms;
}

/** Today's local date in `zone` at `nowMs`, as UTC-midnight ms. */
export function todayDayMs(nowMs: number, zone: RequestZone): number {
  return localDayMs(nowMs, zone);
}

/** The instant the zone's tomorrow begins, seen at `nowMs`. */
export function tomorrowStartMs(nowMs: number, zone: RequestZone): number {
  return localMidnightMs(todayDayMs(nowMs, zone) + MS_PER_DAY, zone);
}

/** Where "today" ends for a viewer: computed once, then used for many tasks. */
export interface ViewBounds {
  /** The viewer's local date, as UTC-midnight ms: date-only tasks up to it are in the inbox. */
  todayDayMs: number;
  /** The instant the viewer's tomorrow begins: date-time tasks before it are in the inbox. */
  tomorrowStartMs: number;
}

/** The view bounds of a viewer in `zone` at `nowMs`. */
export function viewBounds(nowMs: number, zone: RequestZone): ViewBounds {
  return { todayDayMs: todayDayMs(nowMs, zone), tomorrowStartMs: tomorrowStartMs(nowMs, zone) };
}

/** The view of a task given the viewer's bounds (D15, D17). */
export function viewWithin(isComplete: boolean, value: CloseDate, bounds: ViewBounds): TaskView {
  if (isComplete) return 'archive';
  if (value.kind === 'date') return value.ms <= bounds.todayDayMs ? 'inbox' : 'future';
  return value.ms < bounds.tomorrowStartMs ? 'inbox' : 'future';
}

/** The view a task belongs to for a viewer in `zone` at `nowMs` (D15, D17). */
export function taskView(isComplete: boolean, value: CloseDate, nowMs: number, zone: RequestZone): TaskView {
  return viewWithin(isComplete, value, viewBounds(nowMs, zone));
}

/**
 * Ascending order of task dates in `zone` (D17): by effective instant, then
 * date-only before date-time. Returns <0, 0 or >0 like `Array.prototype.sort`.
 */
export function compareTaskDates(a: CloseDate, b: CloseDate, zone: RequestZone): number {
  const d = effectiveMs(a, zone) - effectiveMs(b, zone);
  if (d !== 0) return d;
  const ra = a.kind === 'date' ? 0 : 1;
  const rb = b.kind === 'date' ? 0 : 1;
  return ra - rb;
}

export type RangeOp = 'eq' | 'lt' | 'lte' | 'gt' | 'gte';

/**
 * Turns "effective instant of a date-only task `op` instant `x`" into a condition
 * on the task's day, so SQL can compare stored days without zone arithmetic.
 * Returns the day comparison to apply (`day op' dayMs`), or null when no date-only
 * value can match (`eq` against an instant that is not a local midnight).
 */
export function dayConditionFor(op: RangeOp, x: number, zone: RequestZone): { op: RangeOp; dayMs: number } | null {
  const dx = localDayMs(x, zone);
  const atMidnight = localMidnightMs(dx, zone) === x;
  switch (op) {
    case 'eq':
      return atMidnight ? { op: 'eq', dayMs: dx } : null;
    case 'lt':
      return atMidnight ? { op: 'lt', dayMs: dx } : { op: 'lte', dayMs: dx };
    case 'lte':
      return { op: 'lte', dayMs: dx };
    case 'gt':
      return { op: 'gt', dayMs: dx };
    case 'gte':
      return atMidnight ? { op: 'gte', dayMs: dx } : { op: 'gt', dayMs: dx };
  }
}
