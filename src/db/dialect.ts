/**
 * The dialect-specific SQL of Tasklane, in one place (issue 4: SQLite, PostgreSQL
 * and PGlite run the same code; only what is written here differs).
 *
 * - Row locks for read-modify-write paths (`executor.ts` `lockRows`): `SELECT ... FOR
 *   UPDATE` on PostgreSQL, where several nodes write at once; nothing on SQLite, which
 *   serializes writers (one process holds the write lock).
 * - The advisory lock that lets exactly one of several starting nodes migrate.
 * - Which errors mean "a concurrent transaction won, run again" (deadlock,
 *   serialization failure) on PostgreSQL.
 * - Emptying tables linked by foreign keys (the emulator's reset).
 *
 * Date order needs no SQL of its own: the instant a date-only task stands for in a
 * zone (D17) is applied in `tasks.repo.ts` to two index-ordered streams, the same on
 * every database.
 */
import { sql, type Kysely } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import type { RowChangeFeed } from './changes.js';

/** The SQL dialect a database speaks. PGlite is PostgreSQL. */
export type DialectName = 'sqlite' | 'postgres';

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
 * SQLite result codes after which the whole transaction may simply run again: another
 * process held the write lock past the busy timeout, or committed after this
 * transaction's snapshot was taken (a read transaction cannot then become a writer).
 */
const RETRYABLE_SQLITE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_LOCKED']);

/**
 * True when `error` means a concurrent transaction won a conflict and this one was
 * rolled back; running it again from the start is safe.
 */
export function isRetryableConflict(dialect: DialectName, error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return dialect === 'postgres' ? RETRYABLE_SQLSTATES.has(code) : RETRYABLE_SQLITE_CODES.has(code);
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

/** The tables whose changed rows `RowChangeFeed` reports, and the columns whose update counts (all: null). */
const FEED_TABLES: [string, string | null][] = [
  ['tasks', null],
  ['users', 'first_name, last_name'],
  ['leads', 'name'],
  ['contacts', 'name'],
];

/**
 * Creates, once per connection, the temporary triggers that report changed rows of
 * `FEED_TABLES` to `feed` (after insert: the new rowid; after update and delete: the
 * old one). Temporary triggers belong to this connection alone: other processes on the
 * same file neither run nor need them.
 */
export function installRowTriggers(raw: BetterSqlite3.Database, feed: RowChangeFeed): void {
  if (installedFeeds.has(raw)) return;
  raw.function('tasklane_row_changed', { deterministic: false, directOnly: true }, (table: unknown, rowid: unknown) => {
    feed.changed(String(table), Number(rowid));
    return null;
  });
  const statements: string[] = [];
  for (const [table, columns] of FEED_TABLES) {
    for (const [event, row] of [['insert', 'new'], ['update', 'old'], ['delete', 'old']] as const) {
      const on = event === 'update' && columns ? `update of ${columns}` : event;
      statements.push(
        `create temp trigger if not exists tasklane_${table}_${event} after ${on} on main.${table} begin select tasklane_row_changed('${table}', ${row}.rowid); end;`,
      );
    }
  }
  raw.exec(statements.join('\n'));
  installedFeeds.add(raw);
}
const installedFeeds = new WeakSet<BetterSqlite3.Database>();
