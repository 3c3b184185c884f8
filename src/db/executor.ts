/**
 * How Tasklane reads and writes its database, the same on every dialect:
 *
 * - `Executor`: what every repository function takes first, the database or an open
 *   transaction, so the caller chooses the transaction (architecture note 3).
 * - `writeTransaction`: the one way to open a write transaction. All or nothing; run
 *   again from the start when a concurrent writer won a conflict (PostgreSQL deadlock
 *   or serialization failure; SQLite's busy file from another process).
 * - `lockRows`: the one way to lock rows before a read-modify-write, in a fixed order
 *   (see `LOCK_ORDER`), so two nodes changing the same call, thread, opportunity or
 *   task never both act on the same old state (issue 4: no lost update, never two
 *   generated tasks for one activity).
 */
import { SqliteAdapter, sql, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool, type Transaction } from 'kysely';
import type { Db } from './connect.js';
import type { Database } from './schema.js';
import { isRetryableConflict } from './dialect.js';

/** The database or an open transaction: what repositories take first. */
export type Executor = Kysely<Database> | Transaction<Database>;

/**
 * How many times a write runs when the database aborts it for a conflict. Without
 * retries such a client would see a 500 for a conflict that running again resolves;
 * row locks taken in a fixed order make a second conflict rare, so three attempts
 * are plenty.
 */
export const WRITE_ATTEMPTS = 3;

/** Options of `writeTransaction`. */
export interface WriteOptions {
  /**
   * False for work that cannot run twice (an import reading a stream): a conflict
   * then fails the write instead of running it again. Default true.
   */
  retry?: boolean;
}

/**
 * Runs `fn` in one transaction (all or nothing), and runs it again from the start
 * when the database rolled it back because a concurrent transaction won a conflict
 * (`dialect.ts` `isRetryableConflict`). Any other error, `CloseError` included,
 * propagates at once. `fn` must have no effect outside the database, since it may run
 * more than once.
 */
export async function writeTransaction<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>, opts: WriteOptions = {}): Promise<T> {
  const attempts = opts.retry === false ? 1 : WRITE_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.kysely.transaction().execute(fn);
    } catch (e) {
      if (attempt < attempts && isRetryableConflict(db.dialect, e)) {
        // A short, growing pause lets the winner commit before this runs again.
        await new Promise((r) => setTimeout(r, 5 * attempt));
        continue;
      }
      throw e;
    }
  }
}

/**
 * The tables a write may lock, in the order a transaction must lock them: the object
 * a request changes (a lead, contact, opportunity or activity: a call, an email or its
 * thread, an SMS) before the tasks it makes or completes, and those before webhook
 * subscriptions. Rows of one table are locked in id order. Two transactions that lock
 * in this order cannot deadlock on these locks.
 */
export const LOCK_ORDER = ['leads', 'contacts', 'opportunities', 'activities', 'tasks', 'webhook_subscriptions'] as const;
export type LockTable = (typeof LOCK_ORDER)[number];

/** The highest `LOCK_ORDER` rank each open transaction has locked. */
const lockedRank = new WeakMap<object, number>();

/** True when `ex` runs on SQLite, whose writers take the database's one write lock. */
export function isSqlite(ex: Executor): boolean {
  return ex.getExecutor().adapter instanceof SqliteAdapter;
}

/**
 * Locks the rows of `table` with the given ids (of `organizationId`, when given)
 * until the transaction `trx` ends, in id order: `SELECT ... FOR UPDATE` on
 * PostgreSQL; on SQLite nothing more is needed, the write transaction serializes
 * writers. Call it before reading what the write depends on.
 * @returns the ids that exist (in id order).
 * @throws Error outside a transaction, or when `table` comes before a table this
 *   transaction already locked (`LOCK_ORDER`): both are programming errors.
 */
export async function lockRows(trx: Executor, table: LockTable, ids: readonly string[], organizationId?: string): Promise<string[]> {
  const sorted = [...new Set(ids)].sort();
  if (!sorted.length) return [];
  let qb = (trx as Kysely<any>).selectFrom(table).select('id').where('id', 'in', sorted);
  if (organizationId !== undefined) qb = qb.where(sameOrganization('organization_id', organizationId));
  return (await forUpdate(trx, table, qb.orderBy('id')).execute()).map((r: { id: string }) => r.id);
}

/**
 * `qb` (a select on `table` inside the transaction `trx`, ordered by id) made to lock
 * the rows it returns, as `lockRows` does: for reads that pick their rows by a filter
 * (a bulk update's matches). Checks and records the lock order like `lockRows`.
 * @throws Error outside a transaction or out of `LOCK_ORDER`.
 */
export function forUpdate<QB extends SelectQueryBuilder<any, any, any>>(trx: Executor, table: LockTable, qb: QB): QB {
  if (!trx.isTransaction) throw new Error(`a lock on ${table} outside a transaction`);
  const rank = LOCK_ORDER.indexOf(table);
  const held = lockedRank.get(trx) ?? -1;
  if (rank < held) throw new Error(`lock order: ${table} locked after ${LOCK_ORDER[held]} (see LOCK_ORDER)`);
  lockedRank.set(trx, rank);
  return (isSqlite(trx) ? qb : qb.forUpdate(table)) as QB;
}

/**
 * `column = organizationId` written so that no index can serve it (`column || ''`), for
 * statements that find their rows by primary key (an id list) and only check the
 * organization: without table statistics SQLite otherwise prefers the organization's
 * index and reads every task of the organization (17 ms instead of 2 for 1,000 ids of
 * 50,000; issue 12). The same SQL on PostgreSQL, whose planner looks the ids up anyway.
 */
export function sameOrganization(column: string, organizationId: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref(column)} || '' = ${organizationId}`;
}

/** True when the database answers a trivial query (health checks). */
export async function ping(ex: Executor): Promise<void> {
  await sql`select 1`.execute(ex);
}
