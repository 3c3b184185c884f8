/**
 * Migration 0002 (issue 4): an index for organization-wide views and date order.
 *
 * `GET /task/?view=inbox|future` without `assigned_to` filters on
 * (`organization_id`, `type`, `is_complete`, `date_ms` range). `tasks_inbox` starts
 * with `assigned_to`, so such a request scanned every task of the organization in
 * that index (50,000 entries in the benchmark) to find the few thousand open ones;
 * with this index it reads only those, and for a fixed-offset zone (UTC, X-TZ-Offset)
 * PostgreSQL reads the first page straight in `date_ms` order.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('tasks_org_type_open_date').on('tasks').columns(['organization_id', 'type', 'is_complete', 'date_ms']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tasks_org_type_open_date').ifExists().execute();
}
