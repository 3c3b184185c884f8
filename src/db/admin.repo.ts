/**
 * Statements about the database as a whole, for the emulator's reset and the demo's
 * rebuild: which tables hold data. Emptying them is `dialect.ts` `emptyTables`.
 */
import type { Executor } from './executor.js';

/** Every table but Kysely's migration bookkeeping. */
export async function dataTables(ex: Executor): Promise<string[]> {
  return (await ex.introspection.getTables()).map((t) => t.name).filter((n) => !n.startsWith('kysely_migration'));
}
