/**
 * The dialect-specific SQL of Tasklane, in one place. Everything else goes through
 * Kysely's portable builders.
 *
 * Today Tasklane needs none: the zone arithmetic of date ordering (D17) is done in
 * `tasks.repo.ts` on two index-ordered streams, not in SQL, so it is the same on every
 * database.
 */

/** The SQL dialects Tasklane runs on. */
export type DialectName = 'sqlite';
