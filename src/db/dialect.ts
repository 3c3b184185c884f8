/**
 * The dialect-specific SQL of Tasklane, in one place. Everything else goes through
 * Kysely's portable builders.
 *
 * Today Tasklane needs none: the zone arithmetic of date ordering (D17) is done in
 * `tasks.repo.ts` on two index-ordered streams, not in SQL, so it is the same on every
 * database.
 */
import { sql, type Kysely } from 'kysely';

/** The SQL dialects Tasklane runs on. */
export type DialectName = 'sqlite';

/**
 * Defers foreign-key checks to the end of the open transaction `trx` (SQLite
 * `PRAGMA defer_foreign_keys`; it resets at commit), so tables can be emptied in any
 * order (the emulator's reset).
 */
export async function deferForeignKeys(_dialect: DialectName, trx: Kysely<any>): Promise<void> {
  await sql`PRAGMA defer_foreign_keys = ON`.execute(trx);
}
