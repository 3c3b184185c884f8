/**
 * The dialect-specific SQL of Tasklane, in one place (issue 4: SQLite, PostgreSQL
 * and PGlite run the same code; only what is written here differs).
 *
 * - Row locks for read-modify-write paths: `SELECT ... FOR UPDATE` on PostgreSQL,
 *   where several nodes write at once; nothing on SQLite, which serializes writers
 *   (one process holds the write lock; better-sqlite3 runs one statement at a time).
 * - The advisory lock that lets exactly one of several starting nodes migrate.
 * - Which errors mean "a concurrent transaction won, run again" (deadlock,
 *   serialization failure) on PostgreSQL.
 * - Emptying tables linked by foreign keys (the emulator's reset).
 *
 * Date order needs no SQL of its own: the instant a date-only task stands for in a
 * zone (D17) is applied in `tasks.repo.ts` to two index-ordered streams, the same on
 * every database.
 */
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';

/** The SQL dialect a database speaks. PGlite is PostgreSQL. */
export type DialectName = 'sqlite' | 'postgres';

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

/**
 * Deletes every row of `tables` inside the open transaction `trx`, whatever the
 * foreign keys between them (the emulator's reset): SQLite defers its key checks to
 * the commit (`PRAGMA defer_foreign_keys`) and deletes table by table; PostgreSQL
 * truncates them in one statement, which its (not deferrable) keys allow.
 */
export async function emptyTables(dialect: DialectName, trx: Kysely<any>, tables: string[]): Promise<void> {
  if (!tables.length) return;
  if (dialect === 'postgres') {
    await sql`truncate table ${sql.join(tables.map((t) => sql.table(t)))}`.execute(trx);
    return;
  }
  await sql`PRAGMA defer_foreign_keys = ON`.execute(trx);
  for (const t of tables) await trx.deleteFrom(t).execute();
}
