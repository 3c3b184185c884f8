/**
 * Migration 0005 (issue 12): `tasks_assignee_date`, the date-order index of one
 * assignee's tasks whatever their completeness (`GET /task/?assigned_to=...` without
 * `view`/`is_complete`). Without it the two date streams (`tasklist.repo.ts`) walk the
 * whole organization's `tasks_date` index, reading each row to test its assignee;
 * with it they read the assignee's ids in order from the index alone. Like the other
 * date indexes it has `date_is_day` before `date_ms, id` and ends with `type`.
 *
 * Written with Kysely's schema builder so it runs on SQLite and PostgreSQL; only adds.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('tasks_assignee_date').on('tasks').columns(['organization_id', 'assigned_to', 'date_is_day', 'date_ms', 'id', 'type']).execute();
}

/** Drops the index (lists stay correct, only slower). */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tasks_assignee_date').ifExists().execute();
}
