/**
 * The dialect-specific SQL of Tasklane, in one place (issue 4: SQLite, PostgreSQL
 * and PGlite run the same code; only what is written here differs).
 *
 * - The instant a date-only task stands for in an IANA zone (local midnight of its
 *   day, D17), used to order tasks by `date`. With a fixed offset it is plain
 *   arithmetic on both dialects; with an IANA zone the offset depends on the day
 *   (DST): SQLite calls a registered function backed by Luxon
 *   (`tasks/time.ts` `localMidnightMs`), PostgreSQL uses `AT TIME ZONE` on the day's
 *   midnight. Both give the same instants, DST gaps included (a day whose midnight
 *   does not exist starts at its first instant, as Luxon's `startOf('day')`); the
 *   test suite checks them against each other (`test/dialect.test.ts`).
 * - Row locks for read-modify-write paths: `SELECT ... FOR UPDATE` on PostgreSQL,
 *   where several nodes write at once; nothing on SQLite, which serializes writers
 *   (one process holds the write lock; better-sqlite3 runs one statement at a time).
 * - The advisory lock that lets exactly one of several starting nodes migrate.
 * - Which errors mean "a concurrent transaction won, run again" (deadlock,
 *   serialization failure) on PostgreSQL.
 */
import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import type { RequestZone } from '../close/zone.js';
import { ianaZone } from '../close/zone.js';
import { localMidnightMs } from '../tasks/time.js';

/** The SQL dialect a database speaks. PGlite is PostgreSQL. */
export type DialectName = 'sqlite' | 'postgres';

/** Registers `tl_local_midnight(day_ms, zone)`: the instant (ms) local midnight of that day begins in the IANA zone. */
export function registerSqliteFunctions(raw: BetterSqlite3.Database): void {
  raw.function('tl_local_midnight', { deterministic: true }, (dayMs: unknown, zoneName: unknown) =>
    localMidnightMs(Number(dayMs), ianaZone(String(zoneName))),
  );
}

/** First and last (exclusive) day, as UTC-midnight ms, of the window `zoneMidnightTable` covers. */
export const MIDNIGHT_TABLE_FROM = Date.UTC(2000, 0, 1);
export const MIDNIGHT_TABLE_TO = Date.UTC(2050, 0, 1);

/** Runs of days over which local midnight is the day's UTC midnight plus a constant `deltaMs`. */
export interface MidnightRun {
  /** First day of the run (UTC-midnight ms). */
  fromDay: number;
  /** `localMidnightMs(day) - day` for every day of the run. */
  deltaMs: number;
}

const midnightTables = new Map<string, MidnightRun[]>();

/**
 * The local midnights of an IANA zone over [MIDNIGHT_TABLE_FROM, MIDNIGHT_TABLE_TO),
 * as runs of constant offset, computed with the rule itself (`localMidnightMs`) on
 * every day near an offset change and from the zone's offset elsewhere, so every day
 * of the window gets exactly the rule's value. About 2 runs a year for a zone with
 * DST. Cached per zone for the life of the process.
 */
export function zoneMidnightTable(zone: RequestZone): MidnightRun[] {
  const name = zone.ianaName!;
  let runs = midnightTables.get(name);
  if (runs) return runs;
  const days = Math.round((MIDNIGHT_TABLE_TO - MIDNIGHT_TABLE_FROM) / 86_400_000);
  // Offsets (minutes) at UTC midnight of each day, with two days' margin each side.
  const off = new Array<number>(days + 4);
  for (let i = 0; i < days + 4; i++) off[i] = zone.zone.offset(MIDNIGHT_TABLE_FROM + (i - 2) * 86_400_000);
  runs = [];
  for (let i = 0; i < days; i++) {
    const day = MIDNIGHT_TABLE_FROM + i * 86_400_000;
    // Local midnight lies within 14 h of UTC midnight; when the offset is the same two
    // days either side, it is simply the day minus that offset.
    const steady = off[i] === off[i + 1] && off[i] === off[i + 2] && off[i] === off[i + 3] && off[i] === off[i + 4];
    const delta = steady ? -off[i + 2] * 60_000 : localMidnightMs(day, zone) - day;
    if (!runs.length || runs[runs.length - 1].deltaMs !== delta) runs.push({ fromDay: day, deltaMs: delta });
  }
  midnightTables.set(name, runs);
  return runs;
}

/** A balanced CASE over `runs[lo..hi]` giving `col + delta` (a binary search, about log2(runs) comparisons a row). */
function runTreeSql(col: string, runs: MidnightRun[], lo: number, hi: number): string {
  if (lo === hi) {
    const d = runs[lo].deltaMs;
    return d === 0 ? col : d > 0 ? `${col} + ${d}` : `${col} - ${-d}`;
  }
  const mid = (lo + hi + 1) >> 1;
  return `case when ${col} < ${runs[mid].fromDay} then ${runTreeSql(col, runs, lo, mid - 1)} else ${runTreeSql(col, runs, mid, hi)} end`;
}

/**
 * SQL for the instant (ms) a task's `date` stands for in `zone` (D17), over the
 * `tasks` columns `date_ms` and `date_is_day` of the table aliased `alias`.
 *
 * PostgreSQL, IANA zone: within 2000-2049 a binary search over the zone's runs of
 * constant offset (`zoneMidnightTable`), written into the SQL as number literals, so
 * ordering thousands of rows costs a few comparisons each. (`AT TIME ZONE` with a
 * zone name costs tens of microseconds a row: ordering an organization's inbox took
 * 300 ms with it, 30 ms without.) Outside that window: `timestamp 'epoch' + date_ms ms`
 * is the wall-clock midnight of the day, and `AT TIME ZONE zone` turns it into the
 * instant it names in the zone; a midnight in a DST gap is read with the offset
 * before the gap, which is the first instant of the day, as Luxon's `startOf('day')`
 * gives. `test/dialect.test.ts` checks both paths against the rule.
 */
export function effectiveDateSql(dialect: DialectName, zone: RequestZone, alias = 'tasks'): RawBuilder<number> {
  const dateMs = sql.ref(`${alias}.date_ms`);
  const isDay = sql.ref(`${alias}.date_is_day`);
  if (zone.fixedOffsetMinutes !== null) {
    if (zone.fixedOffsetMinutes === 0) return sql<number>`${dateMs}`;
    return sql<number>`(case when ${isDay} = 1 then ${dateMs} - ${zone.fixedOffsetMinutes * 60_000} else ${dateMs} end)`;
  }
  if (dialect === 'postgres') {
    if (!/^[a-z_][a-z0-9_]*$/.test(alias)) throw new Error(`unsafe table alias ${alias}`);
    const runs = zoneMidnightTable(zone);
    const col = `"${alias}"."date_ms"`;
    const tree = sql.raw(`case when ${col} >= ${MIDNIGHT_TABLE_FROM} and ${col} < ${MIDNIGHT_TABLE_TO} then ${runTreeSql(col, runs, 0, runs.length - 1)}`);
    return sql<number>`(case when ${isDay} = 1 then (${tree} else (extract(epoch from ((timestamp '1970-01-01' + ${dateMs} * interval '1 millisecond') at time zone ${zone.ianaName}::text)) * 1000)::bigint end) else ${dateMs} end)`;
  }
  return sql<number>`(case when ${isDay} = 1 then tl_local_midnight(${dateMs}, ${zone.ianaName}) else ${dateMs} end)`;
}

/**
 * Locks the rows a select on `table` returns until the transaction ends, on
 * PostgreSQL (`FOR UPDATE OF table`, so joined tables stay unlocked); unchanged on
 * SQLite. Use it inside a transaction, on the read of a read-modify-write path, so
 * two nodes never both act on the same old state (issue 4: no lost update, no
 * duplicate TaskCompleted activity). Rows are locked in the select's output order:
 * order by the primary key so two transactions locking sets of rows cannot deadlock.
 */
export function lockForUpdate<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  dialect: DialectName,
  table: TB & string,
): SelectQueryBuilder<DB, TB, O> {
  return dialect === 'postgres' ? qb.forUpdate(table as any) : qb;
}

/** Key of the advisory lock migrations run under ("tasklane" in ASCII, as a bigint). */
export const MIGRATION_LOCK_KEY = 0x7461736b6c616e65n;

/**
 * Runs `fn` holding the migration lock. On PostgreSQL that is a session-level
 * `pg_advisory_lock` on one dedicated connection, which `fn` receives: a second node
 * that starts at the same moment blocks in `pg_advisory_lock` until the first has
 * finished, then finds nothing to do. The lock is released when `fn` ends, or by the
 * server if the process dies (the session ends). On SQLite `fn` gets `kysely` itself.
 */
export async function withMigrationLock<T>(kysely: Kysely<any>, dialect: DialectName, fn: (db: Kysely<any>) => Promise<T>): Promise<T> {
  if (dialect !== 'postgres') return fn(kysely);
  return kysely.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${sql.lit(MIGRATION_LOCK_KEY.toString())}::bigint)`.execute(conn);
    try {
      return await fn(conn);
    } finally {
      await sql`select pg_advisory_unlock(${sql.lit(MIGRATION_LOCK_KEY.toString())}::bigint)`.execute(conn);
    }
  });
}

/** PostgreSQL SQLSTATEs after which the whole transaction may simply run again. */
const RETRYABLE_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected: the server aborted one of two transactions waiting on each other
]);

/**
 * True when `error` means a concurrent transaction won a conflict and this one was
 * rolled back by the server; running it again from the start is safe.
 */
export function isRetryableConflict(dialect: DialectName, error: unknown): boolean {
  if (dialect !== 'postgres' || !error || typeof error !== 'object') return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && RETRYABLE_SQLSTATES.has(code);
}
