/**
 * Carrying out what the generated-task rules decide (`tasks/generated/*.ts`, D29, D30):
 * every generated task is inserted, changed, completed and deleted by the system
 * through the functions below, inside the caller's transaction, and they write
 * through `tasks/writes.ts`, which records each change's events (issue 5).
 * They read the time from `ctx.now()` and lock the tasks they change first.
 */
import type { RequestContext } from '../context.js';
import type { TaskRow } from '../db/schema.js';
import type { Executor } from '../db/executor.js';
import { openTasksByKey, tasksOfObject } from '../db/tasks.repo.js';
import { ID_PREFIX, newId } from '../close/ids.js';
import { deleteTasks, insertTasks, lockTasks, updateTasks } from './writes.js';
import { rowDate } from './serialize.js';
import { extraFieldsOf } from './types.js';
import type { GeneratedTaskDraft, KnownTask, TaskEffect, TaskPatch } from './generated/rules.js';

/**
 * Inserts a generated task (D29): id `noti_…` (D25), not complete, `updated_by` null
 * (but for `opportunity_due`, which mirrors a user's write), `date_created` =
 * `date_updated` = now; records its `created` event.
 * @returns the new task's id.
 * @throws Error when `draft.fields` are not exactly the type's own fields (a bug in a rule).
 */
export async function insertGeneratedTask(ex: Executor, ctx: RequestContext, draft: GeneratedTaskDraft): Promise<string> {
  const expected = extraFieldsOf(draft.type).sort().join(',');
  const got = Object.keys(draft.fields).sort().join(',');
  if (expected !== got) throw new Error(`generated ${draft.type} task has fields [${got}], expected [${expected}]`);
  const now = ctx.now();
  const row: TaskRow = {
    id: newId(ID_PREFIX.generatedTask),
    organization_id: ctx.organizationId,
    type: draft.type,
    lead_id: draft.lead_id,
    contact_id: draft.contact_id,
    assigned_to: draft.assigned_to,
    created_by: draft.created_by,
    updated_by: draft.type === 'opportunity_due' ? draft.created_by : null,
    text: draft.type === 'incoming_sms' ? (draft.text ?? '') : null,
    is_complete: 0,
    is_dateless: 0,
    date_ms: draft.date.ms,
    date_is_day: draft.date.kind === 'date' ? 1 : 0,
    priority: null,
    resolution: null,
    object_type: draft.object_type,
    object_id: draft.object_id,
    extra: JSON.stringify(draft.fields),
    match_key: draft.match_key,
    date_created: now,
    date_updated: now,
  };
  await insertTasks(ex, ctx, [{ row }]);
  return row.id;
}

/**
 * Changes a generated task the way a rule says (a move, a grown `emails` list, an
 * opportunity's new value). `patch.fields` are merged into the stored fields.
 * `updated_by` becomes `by` when `by` is a user; a system change (null) keeps it.
 * Records an `updated` event.
 */
export async function updateGeneratedTask(ex: Executor, ctx: RequestContext, id: string, patch: TaskPatch, by: string | null): Promise<void> {
  const [current] = await lockTasks(ex, ctx.organizationId, [id]);
  if (!current) return;
  const set: Partial<TaskRow> = { date_updated: ctx.now() };
  if (by !== null) set.updated_by = by;
  if (patch.date) {
    set.date_ms = patch.date.ms;
    set.date_is_day = patch.date.kind === 'date' ? 1 : 0;
  }
  if (patch.assigned_to !== undefined) set.assigned_to = patch.assigned_to;
  if (patch.lead_id !== undefined) set.lead_id = patch.lead_id;
  if (patch.contact_id !== undefined) set.contact_id = patch.contact_id;
  if (patch.text !== undefined) set.text = patch.text;
  if (patch.fields) set.extra = JSON.stringify({ ...(current.extra ? JSON.parse(current.extra) : {}), ...patch.fields });
  await updateTasks(ex, ctx, [{ before: current, patch: set }]);
}

/**
 * Completes the open tasks among `ids` because the work was done (D30). They go to
 * the archive; `updated_by` becomes `by` when `by` is a user. Completed generated
 * tasks keep their `object_type`/`object_id` (TaskCompleted activities are for lead
 * tasks, D22). Each records `updated` and `completed` events, as a completion through
 * the API does. Tasks another writer completed first are left alone.
 * @returns how many tasks were completed.
 */
export async function completeTasks(ex: Executor, ctx: RequestContext, ids: string[], by: string | null): Promise<number> {
  if (!ids.length) return 0;
  const open = (await lockTasks(ex, ctx.organizationId, ids)).filter((t) => !t.is_complete);
  if (!open.length) return 0;
  const set: Partial<TaskRow> = { is_complete: 1, date_updated: ctx.now() };
  if (by !== null) set.updated_by = by;
  await updateTasks(ex, ctx, open.map((before) => ({ before, patch: set, completed: true })));
  return open.length;
}

/** Deletes generated tasks whose reason is gone (their activity deleted, a follow-up withdrawn), recording a `deleted` event for each. */
export async function deleteGeneratedTasks(ex: Executor, ctx: RequestContext, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await deleteTasks(ex, ctx, await lockTasks(ex, ctx.organizationId, ids));
}

/**
 * Deletes every task an activity or opportunity (`objectId`) made, open or complete,
 * recording their `deleted` events: what deleting the object itself takes (D30).
 */
export async function deleteTasksOfObject(ex: Executor, ctx: RequestContext, objectId: string): Promise<void> {
  const tasks = await knownTasksOfObject(ex, ctx, objectId);
  await deleteGeneratedTasks(ex, ctx, tasks.map((t) => t.id));
}

/** Carries out the effects a rule of `tasks/generated/` returned, in order, inside `ex`. */
export async function applyTaskEffects(ex: Executor, ctx: RequestContext, effects: TaskEffect[]): Promise<void> {
  for (const e of effects) {
    if (e.kind === 'insert') await insertGeneratedTask(ex, ctx, e.draft);
    else if (e.kind === 'update') await updateGeneratedTask(ex, ctx, e.id, e.patch, e.by);
    else if (e.kind === 'complete') await completeTasks(ex, ctx, e.ids, e.by);
    else await deleteGeneratedTasks(ex, ctx, e.ids);
  }
}

/** A stored task as the rules see it. */
export function knownTask(row: TaskRow): KnownTask {
  return {
    id: row.id,
    type: row.type,
    is_complete: !!row.is_complete,
    date: rowDate(row),
    assigned_to: row.assigned_to,
    lead_id: row.lead_id,
    contact_id: row.contact_id,
    fields: row.extra ? JSON.parse(row.extra) : {},
  };
}

/** Open tasks of `types` whose `match_key` is `key`, as the rules see them. */
export async function openKnownTasks(ex: Executor, ctx: RequestContext, key: string, types: readonly string[]): Promise<KnownTask[]> {
  return (await openTasksByKey(ex, ctx.organizationId, key, types)).map(knownTask);
}

/** Every task (open or complete) whose object is `objectId`, as the rules see them. */
export async function knownTasksOfObject(ex: Executor, ctx: RequestContext, objectId: string): Promise<KnownTask[]> {
  return (await tasksOfObject(ex, ctx.organizationId, objectId)).map(knownTask);
}
