/**
 * Write transactions that survive concurrent writers (issue 4: several nodes on one
 * PostgreSQL database).
 */
import type { Transaction } from 'kysely';
import type { Db } from './connect.js';
import type { Database } from './schema.js';
import { isRetryableConflict } from './dialect.js';

/**
 * How many times a write runs when PostgreSQL aborts it for a deadlock or a
 * serialization failure. Without retries such a client would see a 500 for a
 * conflict that running again resolves; row locks taken in primary-key order make
 * a second conflict rare, so three attempts are plenty.
 */
export const WRITE_ATTEMPTS = 3;

/**
 * Runs `fn` in one transaction (all or nothing), and runs it again from the start
 * when the server rolled it back because a concurrent transaction won a conflict
 * (`dialect.ts` `isRetryableConflict`). Any other error, `CloseError` included,
 * propagates at once. `fn` must have no effect outside the database.
 */
export async function writeTransaction<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.kysely.transaction().execute(fn);
    } catch (e) {
      if (attempt < WRITE_ATTEMPTS && isRetryableConflict(db.dialect, e)) continue;
      throw e;
    }
  }
}
