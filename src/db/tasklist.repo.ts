/**
 * The task list's statements (`GET /task/`): which tasks make a page, in the D14/D17
 * order, and the page's rows with the current names of what they point to, read in
 * one joined statement. WHERE clauses come from a `TaskSelection` only
 * (`tasks.repo.ts` `applySelection`).
 *
 * Date order (D17) is a merge of two index-ordered streams: date-only rows (by day,
 * then id) and date-time rows (by instant, then id). A date-only row of day `d`
 * stands for `b(d)`, local midnight of `d` in the viewer's zone, and sorts before
 * date-time rows at the same instant. In ascending order the whole list is therefore
 *   T(< b1), D1, T[b1, b2), D2, ..., Dn, T(>= bn)
 * where `Dj` are the date-only rows of the j-th distinct day and `T(...)` date-time
 * rows in that range; descending order is its exact reverse. A deep `_skip` is found
 * from the day groups' sizes and a few range counts of date-time rows (a binary search
 * over the days), then both streams are read from their offsets: no query returns, and
 * no loop compares, the `skip` rows before the page (issue 12).
 */
import type { Executor } from './executor.js';
import { sql } from 'kysely';
import { applySelection, findTasksBy, rowKeyColumn, rowKeyOf, type TaskSelection, type TaskWithNames } from './tasks.repo.js';
import { localMidnightMs } from '../close/localday.js';
import type { RequestZone } from '../close/zone.js';

/** A task picked for a page: its row key (`RowKey`) and stored date, the row itself fetched after. */
type Picked = { key: string | number; date_ms: number };

/** Below this `_skip`, both streams are simply read from their start (cheaper than counting). */
const SHALLOW_SKIP = 500;

/**
 * Where merged position `skip` begins in each stream: skip `days` date-only rows
 * after those of stored day `dayFrom` and before it (in stream order; null: from the
 * start), and `times` date-time rows from instant `timeFrom` on. Small offsets: the
 * bounds come from the day group the position falls in.
 */
interface StreamOffsets {
  days: number;
  dayFrom: number | null;
  times: number;
  timeFrom: number | null;
}

/**
 * Where merged position `skip` falls in each stream, in `q.orderBy` date order in
 * `zone` (see the module comment): the first `skip` merged rows are the date-only
 * rows before the offset `days` from `dayFrom`, and the date-time rows before `times` from `timeFrom`.
 */
async function splitSkip(ex: Executor, organizationId: string, q: TaskSelection, zone: RequestZone, skip: number, desc: boolean): Promise<StreamOffsets> {
  const dir = desc ? 'desc' : 'asc';
  const groups: DayGroup[] = [];
  const before: number[] = []; // date-only rows before group j
  let sum = 0;
  // Date-time rows between the boundaries of groups `from` (exclusive side, -1: the
  // start) and `to`, in stream order: ascending `[b_from, b_to)`, descending `[b_to, b_from)`.
  const timesBetween = async (from: number, to: number): Promise<number> => {
    let qb = applySelection(ex.selectFrom('tasks').select((eb) => eb.fn.countAll<number>().as('n')), organizationId, q, 0);
    const bTo = groups[to].bound;
    if (desc) {
      qb = qb.where('tasks.date_ms', '>=', bTo);
      if (from >= 0) qb = qb.where('tasks.date_ms', '<', groups[from].bound);
    } else {
      qb = qb.where('tasks.date_ms', '<', bTo);
      if (from >= 0) qb = qb.where('tasks.date_ms', '>=', groups[from].bound);
    }
    return Number((await qb.executeTakeFirstOrThrow()).n);
  };
  // `lo`: the last group known to begin at or before `skip` (-1: none), `tLo` the
  // date-time rows before it; `hi`: the first group known to begin after it. Day groups
  // are read in growing chunks until one begins after `skip` (a shallow skip reads
  // few), then a binary search narrows `(lo, hi)`.
  let lo = -1;
  let tLo = 0;
  let hi: number;
  for (let chunk = 16; ; chunk *= 4) {
    let qb = applySelection(ex.selectFrom('tasks').select((eb) => ['tasks.date_ms', eb.fn.countAll<number>().as('n')]), organizationId, q, 1);
    if (groups.length) qb = qb.where('tasks.date_ms', desc ? '<' : '>', groups[groups.length - 1].day);
    const got = await qb.groupBy('tasks.date_ms').orderBy('tasks.date_ms', dir).limit(chunk).execute();
    for (const g of got) {
      groups.push({ day: Number(g.date_ms), bound: localMidnightMs(Number(g.date_ms), zone), n: Number(g.n) });
      before.push(sum);
      sum += Number(g.n);
    }
    const last = groups.length - 1;
    if (!got.length || last === lo) {
      hi = groups.length;
      break;
    }
    const tLast = tLo + (await timesBetween(lo, last));
    if (before[last] + tLast > skip) {
      hi = last;
      break;
    }
    lo = last;
    tLo = tLast;
    if (got.length < chunk) {
      hi = groups.length;
      break;
    }
  }
  return narrowToGroup(groups, before, skip, lo, tLo, hi, async (mid, lo, tLo) => tLo + (await timesBetween(lo, mid)));
}

/** A date-only day group in stream order: its stored day, its local midnight in the viewer's zone, its size. */
type DayGroup = { day: number; bound: number; n: number };

/**
 * The end of both ways of finding a deep page's offsets: a binary search narrows
 * `(lo, hi)` (the last group known to begin at or before `skip`, -1: none, with `tLo`
 * date-time rows before it; the first known to begin after it) to adjacent groups,
 * then both streams restart at group `lo`: its day for date-only rows, its midnight
 * for date-time rows (the `tLo` rows before it are behind).
 * @param before date-only rows before each group, in stream order
 * @param timesBefore date-time rows before group `mid` in stream order, knowing `tLo` are before `lo`
 */
async function narrowToGroup(
  groups: readonly DayGroup[],
  before: readonly number[],
  skip: number,
  lo: number,
  tLo: number,
  hi: number,
  timesBefore: (mid: number, lo: number, tLo: number) => Promise<number>,
): Promise<StreamOffsets> {
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const tMid = await timesBefore(mid, lo, tLo);
    if (before[mid] + tMid <= skip) {
      lo = mid;
      tLo = tMid;
    } else hi = mid;
  }
  if (lo < 0) return { days: 0, dayFrom: null, times: skip, timeFrom: null };
  const at = { dayFrom: groups[lo].day, timeFrom: groups[lo].bound };
  const start = before[lo] + tLo;
  if (skip < start + groups[lo].n) return { ...at, days: skip - start, times: 0 };
  return { ...at, days: groups[lo].n, times: skip - start - groups[lo].n };
}

/** A day in ms. */
const DAY_MS = 86_400_000;

/**
 * What a deep `_skip` in date order needs to know of a selection, whatever the
 * viewer's zone: its date-only day groups in stream order with their sizes, and how
 * many date-time rows fall on each UTC day. Made from two grouped statements; valid
 * while the organization's data is unchanged (`DeepPageMemo` keeps it under the
 * organization's change token).
 */
interface DayHistogram {
  /** Date-only day groups in stream order: stored day (ms) and size. */
  groups: { day: number; n: number }[];
  /** Date-only rows before group j, in stream order. */
  before: number[];
  /** UTC days (midnight ms, ascending) with date-time rows, and the date-time rows before each. */
  utcDays: number[];
  timesBeforeDay: number[];
  totalTimes: number;
}

/**
 * Day histograms of selections (`DayHistogram`), kept under the change token they were
 * made under, so deep pages of the same selection in any zone find their offsets
 * from memory plus a few counts of at most one day of rows each. A histogram is made
 * from the second deep page of a selection under one token on (the first finds its
 * offsets by range counts): under steady writes the token moves on before it would pay.
 */
export class DeepPageMemo {
  private readonly kept = new Map<string, { token: string; h: DayHistogram }>();
  private readonly asked = new Map<string, string>();

  /** The histogram of `key` under `token`, or null; `wanted` tells whether to make one now. */
  find(token: string, key: string): { h: DayHistogram | null; wanted: boolean } {
    const k = this.kept.get(key);
    if (k && k.token === token) return { h: k.h, wanted: false };
    const wanted = this.asked.get(key) === token;
    if (!wanted) {
      if (this.asked.size >= 1024) this.asked.clear();
      this.asked.set(key, token);
    }
    return { h: null, wanted };
  }

  keep(token: string, key: string, h: DayHistogram): void {
    if (this.kept.size >= 64) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(key, { token, h });
  }
}

/** `a` floored to its UTC day, in SQL (the same on SQLite and PostgreSQL, negative instants included). */
const utcDayOf = sql<number>`tasks.date_ms - (((tasks.date_ms % ${DAY_MS}) + ${DAY_MS}) % ${DAY_MS})`;

async function makeHistogram(ex: Executor, organizationId: string, q: TaskSelection, desc: boolean): Promise<DayHistogram> {
  const dir = desc ? 'desc' : 'asc';
  const groupRows = await applySelection(ex.selectFrom('tasks').select((eb) => ['tasks.date_ms', eb.fn.countAll<number>().as('n')]), organizationId, q, 1)
    .groupBy('tasks.date_ms')
    .orderBy('tasks.date_ms', dir)
    .execute();
  const dayRows = await applySelection(ex.selectFrom('tasks').select((eb) => [utcDayOf.as('d'), eb.fn.countAll<number>().as('n')]), organizationId, q, 0)
    .groupBy(utcDayOf)
    .orderBy(utcDayOf)
    .execute();
  const groups = groupRows.map((g) => ({ day: Number(g.date_ms), n: Number(g.n) }));
  const before: number[] = [];
  let sum = 0;
  for (const g of groups) {
    before.push(sum);
    sum += g.n;
  }
  const utcDays: number[] = [];
  const timesBeforeDay: number[] = [];
  let times = 0;
  for (const r of dayRows) {
    utcDays.push(Number(r.d));
    timesBeforeDay.push(times);
    times += Number(r.n);
  }
  return { groups, before, utcDays, timesBeforeDay, totalTimes: times };
}

/**
 * `splitSkip` from a histogram: the same offsets, found by a binary search over the
 * day groups where the date-time rows before a group's midnight are the histogram's
 * count before that UTC day plus one count of that day's rows before the midnight.
 */
async function splitSkipByHistogram(ex: Executor, organizationId: string, q: TaskSelection, zone: RequestZone, skip: number, desc: boolean, h: DayHistogram): Promise<StreamOffsets> {
  const groups = h.groups.map((g) => ({ ...g, bound: localMidnightMs(g.day, zone) }));
  // Date-time rows with date_ms < b.
  const timesBelow = async (b: number): Promise<number> => {
    const dayStart = b - (((b % DAY_MS) + DAY_MS) % DAY_MS);
    let lo = 0;
    let hi = h.utcDays.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (h.utcDays[mid] < dayStart) lo = mid + 1;
      else hi = mid;
    }
    const beforeDay = lo < h.utcDays.length ? h.timesBeforeDay[lo] : h.totalTimes;
    if (b === dayStart || h.utcDays[lo] !== dayStart) return beforeDay;
    const qb = applySelection(ex.selectFrom('tasks').select((eb) => eb.fn.countAll<number>().as('n')), organizationId, q, 0)
      .where('tasks.date_ms', '>=', dayStart)
      .where('tasks.date_ms', '<', b);
    return beforeDay + Number((await qb.executeTakeFirstOrThrow()).n);
  };
  // Date-time rows before group j in stream order: ascending `< b_j`, descending `>= b_j`.
  return narrowToGroup(groups, h.before, skip, -1, 0, groups.length, async (mid) => {
    const below = await timesBelow(groups[mid].bound);
    return desc ? h.totalTimes - below : below;
  });
}

/** Where a deep page begins: from a kept (or newly made) histogram when `memo` allows, else by range counts. */
async function deepOffsets(ex: Executor, organizationId: string, q: TaskSelection, zone: RequestZone, skip: number, desc: boolean, memo?: MemoUse): Promise<StreamOffsets> {
  const key = memo ? `${organizationId}\u0000${JSON.stringify(q)}` : '';
  // Selections with long id lists are not remembered (their keys would be large).
  if (memo && key.length <= MAX_MEMO_KEY) {
    let { h, wanted } = memo.memo.find(memo.token, key);
    if (!h && wanted) {
      h = await makeHistogram(ex, organizationId, q, desc);
      if (memo.tokenNow() === memo.token) memo.memo.keep(memo.token, key, h);
    }
    if (h) return splitSkipByHistogram(ex, organizationId, q, zone, skip, desc, h);
  }
  return splitSkip(ex, organizationId, q, zone, skip, desc);
}

/** Longest selection key (characters) a `DeepPageMemo` remembers. */
const MAX_MEMO_KEY = 4096;

/** A `DeepPageMemo` to use, with the organization's change token now and how to read it again. */
export interface MemoUse {
  memo: DeepPageMemo;
  token: string;
  tokenNow: () => string | undefined;
}

/** A stream of `pickByDate`: row keys and dates in stored order. */
const streamShape = (ex: Executor) => ex.selectFrom('tasks').select([rowKeyColumn(ex), 'tasks.date_ms']);
type StreamQuery = ReturnType<typeof streamShape>;

/**
 * Reads both date streams: on SQLite as two statements (in process, no round trips);
 * elsewhere in one statement, `UNION ALL` of the two (issue 12: a round trip fewer per
 * page on PostgreSQL). SQL does not promise the order of a union's rows, so each row
 * carries its place in its stream (`row_number()` over the stream's own order, which
 * the database computes as it reads the index in that order) and is put back there.
 */
async function bothStreams(ex: Executor, days: StreamQuery, times: StreamQuery, desc: boolean): Promise<[Picked[], Picked[]]> {
  if (rowKeyOf(ex) === 'rowid') return [(await days.execute()) as Picked[], (await times.execute()) as Picked[]];
  const place = desc ? sql<number>`row_number() over (order by tasks.date_ms desc, tasks.id desc)` : sql<number>`row_number() over (order by tasks.date_ms, tasks.id)`;
  const rows = (await ex
    .selectFrom(days.select(place.as('n')).as('d'))
    .select(['d.key', 'd.date_ms', 'd.n', sql<number>`1`.as('kind')])
    .unionAll(ex.selectFrom(times.select(place.as('n')).as('t')).select(['t.key', 't.date_ms', 't.n', sql<number>`0`.as('kind')]))
    .execute()) as (Picked & { kind: number; n: number })[];
  const split = (kind: number) =>
    rows
      .filter((r) => Number(r.kind) === kind)
      .sort((a, b) => Number(a.n) - Number(b.n))
      .map((r) => ({ key: r.key, date_ms: r.date_ms }));
  return [split(1), split(0)];
}

/**
 * The tasks from `skip` to `skip + limit` (one more, to know `has_more`) in `date`
 * order (D14, D17): both streams read in stored order straight from a covering index
 * (from the offsets `splitSkip` finds for a deep page) and merged here: date-only
 * first at equal instants, then stored value, then id.
 */
async function pickByDate(ex: Executor, organizationId: string, q: TaskSelection, zone: RequestZone, page: { limit: number; skip: number }, memo?: MemoUse): Promise<Picked[]> {
  const desc = q.orderBy === '-date';
  const dir = desc ? 'desc' : 'asc';
  const shallow = page.skip <= SHALLOW_SKIP;
  const at: StreamOffsets = shallow ? { days: 0, dayFrom: null, times: 0, timeFrom: null } : await deepOffsets(ex, organizationId, q, zone, page.skip, desc, memo);
  const want = shallow ? page.skip + page.limit + 1 : page.limit + 1;
  const stream = (kind: 0 | 1, from: number | null, offset: number) => {
    let qb = applySelection(streamShape(ex), organizationId, q, kind);
    if (from !== null) qb = qb.where('tasks.date_ms', desc ? (kind ? '<=' : '<') : '>=', from);
    qb = qb.orderBy('tasks.date_ms', dir).orderBy('tasks.id', dir).limit(want);
    return offset ? qb.offset(offset) : qb;
  };
  const [days, times] = await bothStreams(ex, stream(1, at.dayFrom, at.days), stream(0, at.timeFrom, at.times), desc);
  // Local midnight of each distinct day, once (the days of a page are few).
  const midnights = new Map<number, number>();
  const midnight = (dayMs: number) => {
    let v = midnights.get(dayMs);
    if (v === undefined) midnights.set(dayMs, (v = localMidnightMs(dayMs, zone)));
    return v;
  };
  const out: Picked[] = [];
  let i = 0;
  let j = 0;
  while (out.length < want && (i < days.length || j < times.length)) {
    let takeDay: boolean;
    if (i >= days.length) takeDay = false;
    else if (j >= times.length) takeDay = true;
    else takeDay = (midnight(Number(days[i].date_ms)) <= Number(times[j].date_ms)) !== desc; // equal instants: date-only first (D17)
    out.push(takeDay ? days[i++] : times[j++]);
  }
  return shallow ? out.slice(page.skip) : out;
}

/**
 * Which tasks make one page of an organization's tasks matching `q`, ordered as
 * `q.orderBy` says (D14: every order ends with `id`; date order per D17, in `zone`):
 * their row keys (`RowKey` of `ex`) in page order, and `has_more`, exact (D8).
 */
export async function pickTaskKeys(
  ex: Executor,
  organizationId: string,
  q: TaskSelection,
  zone: RequestZone,
  page: { limit: number; skip: number },
  memo?: MemoUse,
): Promise<{ keys: (string | number)[]; hasMore: boolean }> {
  let keys: (string | number)[];
  if (q.orderBy === 'date' || q.orderBy === '-date') {
    keys = (await pickByDate(ex, organizationId, q, zone, page, memo)).map((p) => p.key);
  } else {
    const dir = q.orderBy === '-date_created' ? 'desc' : 'asc';
    const rows = await applySelection(ex.selectFrom('tasks').select(rowKeyColumn(ex)), organizationId, q)
      .orderBy('tasks.date_created', dir)
      .orderBy('tasks.id', dir)
      .limit(page.limit + 1)
      .offset(page.skip)
      .execute();
    keys = rows.map((r) => r.key);
  }
  const hasMore = keys.length > page.limit;
  if (hasMore) keys.pop();
  return { keys, hasMore };
}

/**
 * The organization's tasks named by row keys (`pickTaskKeys`), with names, in the
 * order of `keys`; a task deleted since it was picked is left out. With `fields`, only
 * what those wire fields need is read (`findTasksBy`).
 */
export async function tasksByKeys(ex: Executor, organizationId: string, keys: readonly (string | number)[], fields: ReadonlySet<string> | null = null): Promise<TaskWithNames[]> {
  if (!keys.length) return [];
  const fetched = await findTasksBy(ex, organizationId, rowKeyOf(ex), keys, fields);
  const rows: TaskWithNames[] = [];
  for (const k of keys) {
    const r = fetched.get(k);
    if (r) rows.push(r);
  }
  return rows;
}

/** One page of an organization's tasks matching `q` (`pickTaskKeys`), the rows with their names. */
export async function listTasks(
  ex: Executor,
  organizationId: string,
  q: TaskSelection,
  zone: RequestZone,
  page: { limit: number; skip: number },
): Promise<{ rows: TaskWithNames[]; hasMore: boolean }> {
  const { keys, hasMore } = await pickTaskKeys(ex, organizationId, q, zone, page);
  return { rows: await tasksByKeys(ex, organizationId, keys), hasMore };
}
