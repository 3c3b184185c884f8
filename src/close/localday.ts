/**
 * Local days and instants in a request's zone: what "today", "tomorrow" and "before"
 * mean for a Close date (decisions D16-D18, reference §8.3-§8.4). Pure functions of
 * (value, zone, now); no HTTP, no SQL. Every layer that compares task dates with
 * instants (the task list and its views, the event log, opportunities, SMS days)
 * reads them from here.
 *
 * Rules:
 * - A date-only value `D` counts as the instant `D 00:00` in the request's zone (the
 *   first instant of that local day where midnight falls in a DST gap, and the later
 *   of two midnights where midnight occurs twice, as in America/Havana; D36).
 * - At the same instant, a date-only value sorts before a date-time value (D17).
 */
import { DateTime } from 'luxon';
import { MS_PER_DAY, type CloseDate } from './dates.js';
import type { RequestZone } from './zone.js';

const midnightCache = new Map<string, number>();
/** Most (zone, day) midnights remembered; past it the memory starts over. */
const MIDNIGHT_CACHE_MAX = 200_000;

/**
 * The instant (ms, UTC) at which the local calendar day `dayMs` (UTC midnight of
 * that date) begins in `zone` (D17).
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

/** The instant a Close date stands for in `zone`: itself for a date-time, local midnight for a date (D17). */
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

/**
 * Ascending order of Close dates in `zone` (D17): by effective instant, then
 * date-only before date-time. Returns <0, 0 or >0 like `Array.prototype.sort`.
 */
export function compareTaskDates(a: CloseDate, b: CloseDate, zone: RequestZone): number {
  const d = effectiveMs(a, zone) - effectiveMs(b, zone);
  if (d !== 0) return d;
  const ra = a.kind === 'date' ? 0 : 1;
  const rb = b.kind === 'date' ? 0 : 1;
  return ra - rb;
}

/** The comparison operators of Close filters: `field=`, `field__lt`, `__lte`, `__gt`, `__gte` (reference §5). */
export type RangeOp = 'eq' | 'lt' | 'lte' | 'gt' | 'gte';

/**
 * Turns "effective instant of a date-only value `op` instant `x`" into a condition
 * on the value's day, so SQL can compare stored days without zone arithmetic.
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

/**
 * A comparison of a Close date with an instant, made zone-free: date-time values
 * compare their instant (`ms op instantMs`), date-only values their day (`day`, null
 * when no day can match). The same condition is evaluated in SQL (the task
 * repository) and in JS (`matchesDateCondition`), so both always agree.
 */
export interface DateCondition {
  op: RangeOp;
  instantMs: number;
  day: { op: RangeOp; dayMs: number } | null;
}

/** "A date `op` the instant `instantMs`" in `zone`, as a `DateCondition` (D13, D17). */
export function dateCondition(op: RangeOp, instantMs: number, zone: RequestZone): DateCondition {
  return { op, instantMs, day: dayConditionFor(op, instantMs, zone) };
}

function compare(a: number, op: RangeOp, b: number): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
  }
}

const COMPLEMENT: Record<Exclude<RangeOp, 'eq'>, RangeOp> = { lt: 'gte', lte: 'gt', gt: 'lte', gte: 'lt' };

/**
 * The condition every date fails that satisfies `c`, and the other way round:
 * `date < x` becomes `date >= x` (the future view is the complement of the inbox's
 * date condition).
 * @throws Error for an `eq` condition, whose complement is no single comparison.
 */
export function complementOf(c: DateCondition): DateCondition {
  if (c.op === 'eq' || (c.day && c.day.op === 'eq')) throw new Error('an equality date condition has no single-comparison complement');
  return {
    op: COMPLEMENT[c.op],
    instantMs: c.instantMs,
    day: c.day ? { op: COMPLEMENT[c.day.op as Exclude<RangeOp, 'eq'>], dayMs: c.day.dayMs } : null,
  };
}

/** True when the stored date `value` satisfies `c` (the JS twin of the repository's SQL). */
export function matchesDateCondition(value: CloseDate, c: DateCondition): boolean {
  if (value.kind === 'datetime') return compare(value.ms, c.op, c.instantMs);
  return c.day !== null && compare(value.ms, c.day.op, c.day.dayMs);
}
