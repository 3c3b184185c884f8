/**
 * Migration 0002 (issue 4): an index for organization-wide views in date order.
 *
 * `GET /task/?view=inbox|future` without `assigned_to` filters on
 * (`organization_id`, `type`, `is_complete`, `date_ms` range). `tasks_inbox` starts
 * with `assigned_to`, so such a request scanned every task of the organization in
 * that index (50,000 entries in the benchmark) to find the few thousand open ones.
 * `tasks_org_view` holds what the page query of `tasks.repo.ts` `listTasksQuery`
 * needs to filter and order (the date, whether it is date-only, the id), so the page's
 * ids come from the index alone; for a fixed-offset zone (UTC, X-TZ-Offset) the first
 * page is read straight in `date_ms` order.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('tasks_org_view')
    .on('tasks')
    .columns(['organization_id', 'type', 'is_complete', 'date_ms', 'date_is_day', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tasks_org_view').ifExists().execute();
}
