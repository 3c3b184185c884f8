/**
 * Migration 0004 (issue 9; decisions D34, D35).
 *
 * - `memberships.date_deactivated`: when the member was made inactive (ms UTC), null
 *   while active (D35). An inactive member keeps their tasks and is listed under the
 *   organization's `inactive_memberships`; their API keys answer 401.
 * - `tasks.wire_overrides` is cleared: imported tasks no longer keep the names and key
 *   sets of their dump (D34: a task's keys depend on its type alone, names are current).
 *   The column stays, unread and unwritten, so nodes of the previous version keep
 *   working while this applies (migrations only add, README "Several nodes"); clearing
 *   it makes those nodes serve imported tasks as this version does, too.
 *
 * Written with Kysely's schema builder so it runs on SQLite and PostgreSQL.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('memberships').addColumn('date_deactivated', 'bigint').execute();
  await db.updateTable('tasks').set({ wire_overrides: null }).where('wire_overrides', 'is not', null).execute();
}

/** Drops `date_deactivated` (every member becomes active again); cleared overrides are not restored. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('memberships').dropColumn('date_deactivated').execute();
}
