/**
 * The dialect-specific SQL of Tasklane, in one place.
 *
 * Only one rule needs it: the instant a date-only task stands for in an IANA zone
 * (local midnight of its day, D17), used to order tasks by `date`. With a fixed
 * offset it is plain arithmetic; with an IANA zone the offset depends on the day
 * (DST), so SQLite calls a registered function backed by Luxon, and PostgreSQL (a
 * later backend) would use `AT TIME ZONE`.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import type { RequestZone } from '../close/zone.js';
import { ianaZone } from '../close/zone.js';
import { localMidnightMs } from '../tasks/time.js';

export type DialectName = 'sqlite';

/** Registers `tl_local_midnight(day_ms, zone)`: the instant (ms) local midnight of that day begins in the IANA zone. */
export function registerSqliteFunctions(raw: BetterSqlite3.Database): void {
  raw.function('tl_local_midnight', { deterministic: true }, (dayMs: unknown, zoneName: unknown) =>
    localMidnightMs(Number(dayMs), ianaZone(String(zoneName))),
  );
}

/**
 * SQL for the instant (ms) a task's `date` stands for in `zone` (D17), over the
 * `tasks` columns `date_ms` and `date_is_day` of the table aliased `alias`.
 */
export function effectiveDateSql(_dialect: DialectName, zone: RequestZone, alias = 'tasks'): RawBuilder<number> {
  const dateMs = sql.ref(`${alias}.date_ms`);
  const isDay = sql.ref(`${alias}.date_is_day`);
  if (zone.fixedOffsetMinutes !== null) {
    if (zone.fixedOffsetMinutes === 0) return sql<number>`${dateMs}`;
    return sql<number>`(case when ${isDay} = 1 then ${dateMs} - ${zone.fixedOffsetMinutes * 60_000} else ${dateMs} end)`;
  }
  return sql<number>`(case when ${isDay} = 1 then tl_local_midnight(${dateMs}, ${zone.ianaName}) else ${dateMs} end)`;
}

/**
 * Defers foreign-key checks to the end of the open transaction `trx` (SQLite
 * `PRAGMA defer_foreign_keys`; it resets at commit), so tables can be emptied in any
 * order (the emulator's reset).
 */
export async function deferForeignKeys(_dialect: DialectName, trx: Kysely<any>): Promise<void> {
  await sql`PRAGMA defer_foreign_keys = ON`.execute(trx);
}
