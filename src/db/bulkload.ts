/**
 * Loading many rows into `tasks` in one transaction (the importer, issue 12): on SQLite
 * the table's secondary indexes are dropped for the load and built again, sorted,
 * before the transaction commits. Keeping ten indexes up to date row by row made a
 * 1,000,000-task import take minutes (each row lands at a random place in most of
 * them, and the changed pages overflow the page cache into the WAL many times over);
 * a sorted build of each index takes seconds.
 *
 * All or nothing still holds: the drops and the builds are part of the transaction, so
 * a failed import rolls back to the indexes it found. Only SQLite does this: one process
 * owns a SQLite file (`db/ownerlock.ts`), so no reader waits on the missing indexes. On
 * PostgreSQL, `DROP INDEX` would lock the table against every other node's reads until
 * the import commits, so rows are loaded with their indexes in place.
 *
 * The same load on a SQLite file also writes through a rollback journal instead of the
 * WAL (`withBulkJournal`): a transaction of a million tasks would otherwise write every
 * new page twice, into the WAL and then, checkpointed, into the file.
 */
import { sql } from 'kysely';
import type { Db } from './connect.js';
import { isSqlite, type Executor } from './executor.js';

/** Imports smaller than this keep their indexes: the rebuild would cost more than it saves. */
export const BULK_LOAD_MIN_ROWS = 20_000;

/**
 * Makes ready to load about `expectedRows` tasks in transaction `trx`, and returns what
 * to call before committing. On SQLite, when `expectedRows` is at least
 * `BULK_LOAD_MIN_ROWS` and at least a quarter of the tasks already stored (rebuilding
 * reads every stored task), drops the secondary indexes of `tasks`; the returned
 * function builds each again from its stored definition (`sqlite_master.sql`) and
 * refreshes the planner's statistics. Otherwise it does nothing.
 * @throws whatever the database raises (the caller's transaction then rolls back).
 */
export async function prepareTaskBulkLoad(trx: Executor, expectedRows: number): Promise<() => Promise<void>> {
  const nothing = async () => {};
  if (!isSqlite(trx) || expectedRows < BULK_LOAD_MIN_ROWS) return nothing;
  const stored = await sql<{ n: number }>`SELECT count(*) AS n FROM tasks`.execute(trx);
  if (expectedRows * 4 < Number(stored.rows[0].n)) return nothing;
  const indexes = (await sql<{ name: string; sql: string }>`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks' AND sql IS NOT NULL ORDER BY name`.execute(trx)).rows;
  for (const index of indexes) await sql`DROP INDEX ${sql.id(index.name)}`.execute(trx);
  return async () => {
    for (const index of indexes) await sql.raw(index.sql).execute(trx);
    await sql`ANALYZE tasks`.execute(trx);
  };
}

/**
 * Runs `fn` (one large write transaction) with a SQLite file in rollback-journal mode
 * (`journal_mode = DELETE`), and puts WAL mode back afterwards, failed or not. New pages
 * then go to the file once; the journal keeps only the old content of pages that
 * existed, so a crash still rolls back (the next open finds the hot journal, then sets
 * WAL as every open does). When the mode cannot change (another connection has the file
 * open), `fn` runs in WAL mode as usual. Elsewhere (PostgreSQL, `:memory:`) it just runs `fn`.
 */
export async function withBulkJournal<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  if (db.dialect !== 'sqlite' || db.location === ':memory:') return fn();
  const mode = async (m: 'DELETE' | 'WAL') => {
    try {
      await sql.raw(`PRAGMA journal_mode = ${m}`).execute(db.kysely);
    } catch {
      // Busy: another connection has the file; the mode stays as it was.
    }
  };
  await mode('DELETE');
  try {
    return await fn();
  } finally {
    await mode('WAL');
  }
}
