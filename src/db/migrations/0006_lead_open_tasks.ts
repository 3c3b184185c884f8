/**
 * Migration 0005 (issue 13, defect 5): the index `tasks_lead_open` on `(lead_id,
 * is_complete, date_ms, id)`, so the open tasks a lead embeds (at most 50 each, the
 * earliest) are read from the front of one index range per lead, without reading or
 * sorting the lead's other open tasks. Only adds, so nodes of the previous version
 * keep working while it applies.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('tasks_lead_open').on('tasks').columns(['lead_id', 'is_complete', 'date_ms', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tasks_lead_open').execute();
}
