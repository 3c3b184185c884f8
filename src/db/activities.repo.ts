/**
 * Activity storage: every SQL statement about activities (calls, emails, email
 * threads, SMS, TaskCompleted; reference §12.4, issue 3). Functions take the executor
 * first. WHERE clauses are built only from a parsed `ActivityQuery`.
 */
import type { ActivityRow } from './schema.js';
import type { Executor } from './executor.js';
import { NOTHING, SQL_OP, pageOf, userFullName } from './sql.js';

/** An activity row with the current names of its users. */
export interface ActivityWithNames extends ActivityRow {
  user_name: string | null;
  created_by_name: string | null;
  updated_by_name: string | null;
}

export type ActivityRangeOp = 'lt' | 'lte' | 'gt' | 'gte';

/** A condition of an activity list. */
export type ActivityCondition =
  | { kind: 'in'; column: 'id' | 'lead_id' | 'contact_id' | 'user_id' | 'organization_id'; values: string[] }
  | { kind: 'null'; column: 'lead_id' | 'contact_id' | 'user_id' }
  | { kind: 'instant'; column: 'date_created' | 'activity_at'; op: ActivityRangeOp; ms: number }
  | { kind: 'none' };

export type ActivityOrder = 'date_created' | '-date_created' | 'activity_at' | '-activity_at';

/** A parsed activity list request of one activity type. */
export interface ActivityQuery {
  type: string;
  conditions: ActivityCondition[];
  orderBy: ActivityOrder;
}

function selectWithNames(ex: Executor) {
  return ex
    .selectFrom('activities')
    .leftJoin('users as uu', 'uu.id', 'activities.user_id')
    .leftJoin('users as uc', 'uc.id', 'activities.created_by')
    .leftJoin('users as ud', 'ud.id', 'activities.updated_by')
    .selectAll('activities')
    .select([userFullName('uu').as('user_name'), userFullName('uc').as('created_by_name'), userFullName('ud').as('updated_by_name')]);
}

/** One activity of the organization and type, with names, or undefined. */
export async function findActivity(ex: Executor, organizationId: string, type: string, id: string): Promise<ActivityWithNames | undefined> {
  return (await selectWithNames(ex)
    .where('activities.id', '=', id)
    .where('activities.organization_id', '=', organizationId)
    .where('activities.type', '=', type)
    .executeTakeFirst()) as ActivityWithNames | undefined;
}

/** Activities of the organization with the given ids (any type), with names. */
export async function findActivities(ex: Executor, organizationId: string, ids: string[]): Promise<ActivityWithNames[]> {
  if (!ids.length) return [];
  return (await selectWithNames(ex)
    .where('activities.id', 'in', ids)
    .where('activities.organization_id', '=', organizationId)
    .execute()) as ActivityWithNames[];
}

/**
 * One page of the organization's activities matching `q`, in `q.orderBy` order with
 * `id` breaking ties, `has_more` exact (fetch limit + 1).
 */
export async function listActivities(
  ex: Executor,
  organizationId: string,
  q: ActivityQuery,
  page: { limit: number; skip: number },
): Promise<{ rows: ActivityWithNames[]; hasMore: boolean }> {
  let qb = selectWithNames(ex).where('activities.organization_id', '=', organizationId).where('activities.type', '=', q.type);
  for (const c of q.conditions) {
    switch (c.kind) {
      case 'none':
        qb = qb.where(NOTHING);
        break;
      case 'in':
        qb =
          c.values.length === 1
            ? qb.where(`activities.${c.column}`, '=', c.values[0])
            : c.values.length
              ? qb.where(`activities.${c.column}`, 'in', c.values)
              : qb.where(NOTHING);
        break;
      case 'null':
        qb = qb.where(`activities.${c.column}`, 'is', null);
        break;
      case 'instant':
        qb = qb.where(`activities.${c.column}`, SQL_OP[c.op], c.ms);
        break;
    }
  }
  const desc = q.orderBy.startsWith('-');
  const column = q.orderBy.endsWith('activity_at') ? 'activities.activity_at' : 'activities.date_created';
  const rows = (await qb
    .orderBy(column, desc ? 'desc' : 'asc')
    .orderBy('activities.id', desc ? 'desc' : 'asc')
    .limit(page.limit + 1)
    .offset(page.skip)
    .execute()) as ActivityWithNames[];
  return pageOf(rows, page.limit);
}

export async function insertActivity(ex: Executor, row: ActivityRow): Promise<void> {
  await ex.insertInto('activities').values(row).execute();
}

export async function updateActivity(ex: Executor, id: string, patch: Partial<ActivityRow>): Promise<void> {
  await ex.updateTable('activities').set(patch).where('id', '=', id).execute();
}

export async function deleteActivityRow(ex: Executor, id: string): Promise<void> {
  await ex.deleteFrom('activities').where('id', '=', id).execute();
}

/** The `Email` activities of some threads, oldest first (index `activities_thread`). */
export async function emailsOfThreads(ex: Executor, organizationId: string, threadIds: string[]): Promise<ActivityWithNames[]> {
  if (!threadIds.length) return [];
  return (await selectWithNames(ex)
    .where('activities.thread_id', 'in', threadIds)
    .where('activities.organization_id', '=', organizationId)
    .where('activities.type', '=', 'Email')
    .orderBy('activities.activity_at')
    .orderBy('activities.id')
    .execute()) as ActivityWithNames[];
}

/** The latest `Email` of a thread (by `activity_at`, then id), or undefined when it has none. */
export async function latestEmailOfThread(ex: Executor, organizationId: string, threadId: string): Promise<ActivityRow | undefined> {
  return ex
    .selectFrom('activities')
    .selectAll()
    .where('thread_id', '=', threadId)
    .where('organization_id', '=', organizationId)
    .where('type', '=', 'Email')
    .orderBy('activity_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The email threads of a lead (`EmailThread` activities), oldest first. */
export async function threadsOfLead(ex: Executor, organizationId: string, leadId: string): Promise<ActivityRow[]> {
  return ex
    .selectFrom('activities')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('lead_id', '=', leadId)
    .where('type', '=', 'EmailThread')
    .orderBy('date_created')
    .orderBy('id')
    .execute();
}

/** Ids of a lead's activities, in id order (lead deletion records their `deleted` events, issue 5). */
export async function activityIdsOfLead(ex: Executor, organizationId: string, leadId: string): Promise<string[]> {
  const rows = await ex.selectFrom('activities').select('id').where('organization_id', '=', organizationId).where('lead_id', '=', leadId).orderBy('id').execute();
  return rows.map((r) => r.id);
}

/**
 * Gives the organization's detached activities among `ids` (those on no lead) the
 * lead and contact of the contact their number now belongs to (D30).
 */
export async function attachDetachedActivities(ex: Executor, organizationId: string, ids: readonly string[], leadId: string, contactId: string, nowMs: number): Promise<void> {
  if (!ids.length) return;
  await ex
    .updateTable('activities')
    .set({ lead_id: leadId, contact_id: contactId, date_updated: nowMs })
    .where('organization_id', '=', organizationId)
    .where('id', 'in', [...ids])
    .where('lead_id', 'is', null)
    .execute();
}
