/**
 * Activities that tasks create: the TaskCompleted activity (reference §12.4;
 * decision D22). Completing a lead task records one; reopening the task deletes it.
 * `activitySnapshots` gives their Close JSON, as the event log records it.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/tasks.repo.js';
import { isoformat } from '../close/dates.js';
import type { TaskRow } from '../db/schema.js';
import { ID_PREFIX, newId } from '../close/ids.js';

/**
 * Records that `task` was completed by `userId` at `nowMs`.
 * @returns the new activity's id (`acti_...`), which the task shows as `object_id`.
 */
export async function createTaskCompleted(ex: Executor, task: TaskRow, userId: string, nowMs: number): Promise<string> {
  const id = newId(ID_PREFIX.activity);
  await ex
    .insertInto('activities')
    .values({
      id,
      organization_id: task.organization_id,
      type: 'TaskCompleted',
      lead_id: task.lead_id,
      contact_id: task.contact_id,
      user_id: userId,
      created_by: userId,
      updated_by: userId,
      data: JSON.stringify({ task_id: task.id, task_text: task.text ?? '', task_assigned_to: task.assigned_to }),
      activity_at: nowMs,
      date_created: nowMs,
      date_updated: nowMs,
    })
    .execute();
  return id;
}

export async function deleteActivity(ex: Executor, id: string): Promise<void> {
  await ex.deleteFrom('activities').where('id', '=', id).execute();
}

/** An activity row with the names of the users it points to (reference §12.4). */
export interface ActivityWithNames {
  id: string;
  organization_id: string;
  type: string;
  lead_id: string | null;
  contact_id: string | null;
  user_id: string | null;
  created_by: string | null;
  updated_by: string | null;
  data: string;
  activity_at: number;
  date_created: number;
  date_updated: number;
  user_name: string | null;
  created_by_name: string | null;
  updated_by_name: string | null;
}

function userName(alias: string) {
  return sql<string | null>`trim(${sql.ref(`${alias}.first_name`)} || ' ' || ${sql.ref(`${alias}.last_name`)})`;
}

/** Activities with the given ids, with user names; in no particular order. */
export async function findActivities(ex: Executor, ids: string[]): Promise<ActivityWithNames[]> {
  if (!ids.length) return [];
  return (await ex
    .selectFrom('activities')
    .leftJoin('users as u', 'u.id', 'activities.user_id')
    .leftJoin('users as uc', 'uc.id', 'activities.created_by')
    .leftJoin('users as uu', 'uu.id', 'activities.updated_by')
    .selectAll('activities')
    .select([userName('u').as('user_name'), userName('uc').as('created_by_name'), userName('uu').as('updated_by_name')])
    .where('activities.id', 'in', ids)
    .execute()) as ActivityWithNames[];
}

/** Ids of a lead's activities (lead deletion records their `deleted` events). */
export async function activityIdsOfLead(ex: Executor, leadId: string): Promise<string[]> {
  return (await ex.selectFrom('activities').select('id').where('lead_id', '=', leadId).execute()).map((r) => r.id);
}

/**
 * Close's JSON for an activity (reference §12.4 for TaskCompleted: `task_id`,
 * `task_text`, `task_assigned_to`, `task_assigned_to_name` plus the common activity
 * fields). Keys sorted; dates as `isoformat()` in UTC (D19). Type-specific fields come
 * from the row's `data`; `task_assigned_to_name` is the assignee's current name.
 */
export function serializeActivity(row: ActivityWithNames, names: { task_assigned_to_name?: string | null } = {}): Record<string, unknown> {
  const data: Record<string, unknown> = JSON.parse(row.data || '{}');
  const out: Record<string, unknown> = {
    _type: row.type,
    activity_at: isoformat(Number(row.activity_at)),
    contact_id: row.contact_id,
    created_by: row.created_by,
    created_by_name: row.created_by === null ? null : row.created_by_name,
    date_created: isoformat(Number(row.date_created)),
    date_updated: isoformat(Number(row.date_updated)),
    id: row.id,
    lead_id: row.lead_id,
    organization_id: row.organization_id,
    updated_by: row.updated_by,
    updated_by_name: row.updated_by === null ? null : row.updated_by_name,
    user_id: row.user_id,
    user_name: row.user_id === null ? null : row.user_name,
    ...data,
  };
  if (row.type === 'TaskCompleted') out.task_assigned_to_name = names.task_assigned_to_name ?? null;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Close's JSON for the given activities, with every name they show, in the order of
 * `ids` (missing ids are skipped).
 */
export async function activitySnapshots(ex: Executor, ids: string[]): Promise<Record<string, unknown>[]> {
  const rows = await findActivities(ex, ids);
  const assignees = [
    ...new Set(rows.map((r) => (JSON.parse(r.data || '{}') as { task_assigned_to?: string }).task_assigned_to).filter((x): x is string => !!x)),
  ];
  const nameById = new Map<string, string>();
  if (assignees.length) {
    const users = await ex.selectFrom('users').select(['id', 'first_name', 'last_name']).where('id', 'in', assignees).execute();
    for (const u of users) nameById.set(u.id, `${u.first_name} ${u.last_name}`.trim());
  }
  const byId = new Map(rows.map((r) => [r.id, r]));
  const out: Record<string, unknown>[] = [];
  for (const id of ids) {
    const r = byId.get(id);
    if (!r) continue;
    const assignee = (JSON.parse(r.data || '{}') as { task_assigned_to?: string }).task_assigned_to;
    out.push(serializeActivity(r, { task_assigned_to_name: assignee ? nameById.get(assignee) ?? null : null }));
  }
  return out;
}
