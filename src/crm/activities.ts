/**
 * Activities that tasks create: the TaskCompleted activity (reference §12.4;
 * decision D22). Completing a lead task records one; reopening the task deletes it.
 */
import type { Executor } from '../db/tasks.repo.js';
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
