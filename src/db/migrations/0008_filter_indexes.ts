/**
 * Migration 0008 (issue 12, varied filters): two list indexes the planner was missing.
 * - `tasks_lead_date` on `(lead_id, date_is_day, date_ms, id)` replaces `tasks_lead`
 *   on `(lead_id)`: `GET /task/?lead_id=...&date__gte=...` in date order read the
 *   organization's whole `tasks_date` range from the date on, testing each row's lead
 *   (40-80 ms at 50,000 tasks an organization); now each date stream reads the
 *   lead's own rows in order. Its `lead_id` prefix still serves a lead's cascade.
 * - `tasks_assignee_created` on `(organization_id, assigned_to, date_created, id, type)`:
 *   `assigned_to=...` in `date_created` order walked the organization's
 *   `tasks_created` index testing each row's assignee (20-35 ms); now it reads the
 *   assignee's ids in order from the index alone.
 * Nodes of the previous version keep working while it applies (lists only get slower
 * or faster).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('tasks_lead_date').on('tasks').columns(['lead_id', 'date_is_day', 'date_ms', 'id']).execute();
  await db.schema.dropIndex('tasks_lead').ifExists().execute();
  await db.schema.createIndex('tasks_assignee_created').on('tasks').columns(['organization_id', 'assigned_to', 'date_created', 'id', 'type']).execute();
}

/** Restores `tasks_lead` and drops the two indexes (lists stay correct, only slower). */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('tasks_lead').ifNotExists().on('tasks').columns(['lead_id']).execute();
  await db.schema.dropIndex('tasks_lead_date').ifExists().execute();
  await db.schema.dropIndex('tasks_assignee_created').ifExists().execute();
}
