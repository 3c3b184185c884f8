/**
 * Migration 0009 (issue 12, varied filters): lists of one `_type` without an assignee
 * or a lead read that type's own index range.
 * - `tasks_type_date` on `(organization_id, type, date_is_day, date_ms, id)`: a type's
 *   date streams (`_type=voicemail&_order_by=date`) walked the organization's
 *   `tasks_date` range testing each entry's type, thirty entries for every one of a
 *   type with 3% of the tasks (0.5-0.7 ms a stream, 20 ms and more with `date__gte`
 *   near the end of the data); now they read the type's entries in order.
 * - `tasks_type_created` on `(organization_id, type, date_created, id, date_is_day,
 *   date_ms)`: the same in `date_created` order, with the date columns a `date__gte`
 *   tests (1.1-1.3 ms a page, up to 36 ms, before).
 * - `tasks_assignee_created` gains `date_is_day, date_ms` at its end, so an assignee's
 *   `date_created` order with a date filter reads the index alone; without them the
 *   planner preferred the new type index and read every row of the type.
 * Nodes of the previous version keep working while it applies (lists only get faster).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('tasks_type_date').ifNotExists().on('tasks').columns(['organization_id', 'type', 'date_is_day', 'date_ms', 'id']).execute();
  await db.schema.createIndex('tasks_type_created').ifNotExists().on('tasks').columns(['organization_id', 'type', 'date_created', 'id', 'date_is_day', 'date_ms']).execute();
  await db.schema.dropIndex('tasks_assignee_created').ifExists().execute();
  await db.schema.createIndex('tasks_assignee_created').on('tasks').columns(['organization_id', 'assigned_to', 'date_created', 'id', 'type', 'date_is_day', 'date_ms']).execute();
}

/** Drops the two type indexes and puts `tasks_assignee_created` back as 0008 made it. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tasks_type_date').ifExists().execute();
  await db.schema.dropIndex('tasks_type_created').ifExists().execute();
  await db.schema.dropIndex('tasks_assignee_created').ifExists().execute();
  await db.schema.createIndex('tasks_assignee_created').on('tasks').columns(['organization_id', 'assigned_to', 'date_created', 'id', 'type']).execute();
}
