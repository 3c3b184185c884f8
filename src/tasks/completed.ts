/**
 * TaskCompleted activities (D22; reference §12.4): completing a lead task records one,
 * and the task points at it (`object_type: "taskcompleted"`, `object_id`); reopening
 * the task deletes it. Also the JSON every activity shows in the event log.
 */
import type { RequestContext } from '../context.js';
import type { TaskRow } from '../db/schema.js';
import { writeTransaction, type Executor } from '../db/executor.js';
import { deleteActivityRow, findActivities, findActivity, insertActivity, type ActivityWithNames } from '../db/activities.repo.js';
import { userNames } from '../db/accounts.repo.js';
import { activityCommonJson, simpleActivityJson } from '../close/activity.js';
import { CloseError } from '../close/errors.js';
import { ID_PREFIX, newId } from '../close/ids.js';
import { sortKeys } from '../close/json.js';

/** Close's `_type` of these activities, and their 404 model name. */
export const TASK_COMPLETED_TYPE = 'TaskCompleted';

/**
 * Records that `task` was completed by `userId` at `nowMs`.
 * @returns the new activity's id (`acti_...`), which the task shows as `object_id`.
 */
export async function createTaskCompleted(ex: Executor, task: Pick<TaskRow, 'id' | 'organization_id' | 'lead_id' | 'contact_id' | 'text' | 'assigned_to'>, userId: string, nowMs: number): Promise<string> {
  const id = newId(ID_PREFIX.activity);
  await insertActivity(ex, {
    id,
    organization_id: task.organization_id,
    type: TASK_COMPLETED_TYPE,
    lead_id: task.lead_id,
    contact_id: task.contact_id,
    user_id: userId,
    created_by: userId,
    updated_by: userId,
    data: JSON.stringify({ task_id: task.id, task_text: task.text ?? '', task_assigned_to: task.assigned_to }),
    activity_at: nowMs,
    date_created: nowMs,
    date_updated: nowMs,
  });
  return id;
}

/** Deletes a TaskCompleted activity (the task was reopened). */
export async function deleteTaskCompletedRow(ex: Executor, id: string): Promise<void> {
  await deleteActivityRow(ex, id);
}

/**
 * Close's JSON for TaskCompleted rows, in their order (reference §12.4): common fields
 * plus `task_id`, `task_text`, `task_assigned_to`, `task_assigned_to_name` (current name).
 */
export async function taskCompletedJson(ex: Executor, rows: ActivityWithNames[]): Promise<Record<string, unknown>[]> {
  const data = rows.map((r) => JSON.parse(r.data) as { task_id: string; task_text: string; task_assigned_to: string | null });
  const names = await userNames(ex, data.map((d) => d.task_assigned_to).filter((x): x is string => !!x));
  return rows.map((r, i) =>
    sortKeys({
      ...activityCommonJson(r),
      task_assigned_to: data[i].task_assigned_to,
      task_assigned_to_name: data[i].task_assigned_to ? (names.get(data[i].task_assigned_to!) ?? null) : null,
      task_id: data[i].task_id,
      task_text: data[i].task_text,
    }),
  );
}

/** The serializer of `GET /activity/task_completed/` (see `taskCompletedJson`). */
export const serializeTaskCompleted = (ex: Executor, _ctx: RequestContext, rows: ActivityWithNames[]) => taskCompletedJson(ex, rows);

/**
 * Close's JSON of the organization's activities with the given ids, in the order of
 * `ids` (missing ids are skipped), as the event log records them (issue 5):
 * TaskCompleted as its endpoint shows it, other types as their common fields plus
 * their own fields.
 */
export async function activitySnapshots(ex: Executor, organizationId: string, ids: readonly string[]): Promise<Record<string, unknown>[]> {
  const rows = await findActivities(ex, organizationId, [...ids]);
  const completed = rows.filter((r) => r.type === TASK_COMPLETED_TYPE);
  const completedJson = new Map((await taskCompletedJson(ex, completed)).map((j) => [j.id as string, j]));
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    return [completedJson.get(id) ?? simpleActivityJson(r)];
  });
}

/**
 * `DELETE /activity/task_completed/{id}/`: answers `{}`. The task stays complete:
 * Close's own restore script deletes these activities after restoring completed tasks
 * (reference §12.4), which must not reopen them.
 * @throws CloseError 404.
 */
export async function deleteTaskCompleted(ctx: RequestContext, id: string): Promise<Record<string, never>> {
  await writeTransaction(ctx.db, async (trx) => {
    const row = await findActivity(trx, ctx.organizationId, TASK_COMPLETED_TYPE, id);
    if (!row) throw CloseError.notFound(TASK_COMPLETED_TYPE);
    await deleteActivityRow(trx, id);
  });
  return {};
}
