/**
 * The task API: list, fetch, create, update, bulk update and delete, as Close does
 * them (reference §9; decisions D2, D8, D10-D15, D20-D25), and the task side of
 * deleting a lead or a contact.
 *
 * Every write is one transaction (`writeTransaction`): it locks what it changes,
 * validates everything first, and any error leaves the database as it was (brief:
 * "Writes are transactions: all or nothing"). Rows change only through
 * `tasks/writes.ts`, which records each change's events in that same transaction.
 */
import type { RequestContext } from '../context.js';
import type { TaskRow } from '../db/schema.js';
import { writeTransaction, type Executor } from '../db/executor.js';
import { DeepPageMemo, pickTaskKeys, tasksByKeys, type MemoUse } from '../db/tasklist.repo.js';
import type { Db } from '../db/connect.js';
import { findTask, findTasks, lockMatchingTaskIds, taskIdsOfContact, taskIdsOfLead } from '../db/tasks.repo.js';
import { CloseError, FIELD_TEXT } from '../close/errors.js';
import { dateOnlyFromMs } from '../close/dates.js';
import { todayDayMs } from '../close/localday.js';
import { ID_PREFIX, newId } from '../close/ids.js';
import type { Page, Params } from '../close/params.js';
import type { TaskWriteBody } from '../schemas/task.js';
import { activityEvent, type NewEvent } from '../events/record.js';
import { parseTaskQuery } from './filters.js';
import { serializeTask, taskPageText, type TaskJson } from './serialize.js';
import { viewBounds } from './views.js';
import type { TaskFragments } from './fragments.js';
import { CREATABLE_TYPES, TASK_MODEL, isTaskType, type TaskType } from './types.js';
import { activitySnapshots, createTaskCompleted } from './completed.js';
import { checkChangesFit, planUpdate, validateChanges } from './changes.js';
import { deleteTasks, insertTasks, lockTasks, updateTasks } from './writes.js';

/** Most tasks one bulk update may change (D23). */
export const BULK_UPDATE_LIMIT = 1000;

function notFound(): CloseError {
  return CloseError.notFound(TASK_MODEL);
}

/**
 * `GET /task/`: one page of tasks, `{"data": [...], "has_more": bool}` (D8, D10-D15),
 * as JSON text, each task projected to `fields` when given (`_fields`); whole tasks
 * from `fragments` when given (`fragments.ts`, SQLite).
 */
export async function listTaskPageText(ctx: RequestContext, params: Params, page: Page, fields: ReadonlySet<string> | null, fragments: TaskFragments | null = null): Promise<string> {
  const now = ctx.now();
  const q = parseTaskQuery(params, ctx.zone, viewBounds(now, ctx.zone));
  const ex = ctx.db.kysely;
  const { keys, hasMore } = await pickTaskKeys(ex, ctx.organizationId, q, ctx.zone, page, deepPageMemo(ctx));
  // Tasks come from the per-task cache where there is one (SQLite: keys are rowids), for `_fields` pages too.
  if (fragments) return fragments.pageText(ex, ctx.organizationId, keys as number[], ctx.zone, now, hasMore, fields);
  return taskPageText(await tasksByKeys(ex, ctx.organizationId, keys, fields), ctx.zone, now, hasMore, fields);
}

const deepPageMemos = new WeakMap<Db, DeepPageMemo>();

/**
 * The deep-page memo of the request's database under its organization's change token
 * (`tasklist.repo.ts` `DeepPageMemo`); none where the database has no token (PostgreSQL).
 */
function deepPageMemo(ctx: RequestContext): MemoUse | undefined {
  const token = ctx.db.changeToken?.(ctx.organizationId);
  if (token === undefined) return undefined;
  let memo = deepPageMemos.get(ctx.db);
  if (!memo) deepPageMemos.set(ctx.db, (memo = new DeepPageMemo()));
  return { memo, token, tokenNow: () => ctx.db.changeToken?.(ctx.organizationId) };
}

/** `GET /task/{id}/`. @throws CloseError 404 when the organization has no such task (D26). */
export async function getTask(ctx: RequestContext, id: string): Promise<TaskJson> {
  const row = await findTask(ctx.db.kysely, ctx.organizationId, id);
  if (!row) throw notFound();
  return serializeTask(row, ctx.zone, ctx.now());
}

/**
 * `POST /task/` (D20): creates a `lead` or `outgoing_call` task; one sent complete (or
 * with a resolution) is created complete, with its TaskCompleted activity (D22).
 * @throws CloseError 400 for a bad type, a missing or foreign lead, a non-member
 *   assignee, an unparsable date or a bad enum value.
 */
export async function createTask(ctx: RequestContext, body: TaskWriteBody): Promise<TaskJson> {
  const type = body._type ?? 'lead';
  if (!isTaskType(type) || !CREATABLE_TYPES.has(type)) {
    throw CloseError.field('_type', `Only tasks of type lead and outgoing_call can be created (got "${type}").`);
  }
  if (!body.lead_id) throw CloseError.field('lead', FIELD_TEXT.required);
  const row = await writeTransaction(ctx.db, async (trx) => {
    const changes = await validateChanges(ctx, trx, { ...body });
    checkChangesFit({ type, text: null, lead_id: changes.lead_id ?? null }, changes);
    const now = ctx.now();
    const dated = changes.date && !changes.date.dateless ? changes.date.value : null;
    const date = dated ?? dateOnlyFromMs(todayDayMs(now, ctx.zone));
    const complete = Boolean(changes.is_complete || changes.resolution);
    const row: TaskRow = {
      id: newId(ID_PREFIX.task),
      organization_id: ctx.organizationId,
      type: type as TaskType,
      lead_id: changes.lead_id!,
      contact_id: changes.contact_id ?? null,
      assigned_to: changes.assigned_to ?? ctx.userId,
      created_by: ctx.userId,
      updated_by: ctx.userId,
      text: type === 'lead' ? (changes.text ?? '') : null,
      is_complete: complete ? 1 : 0,
      is_dateless: dated && changes.is_dateless !== true ? 0 : 1,
      date_ms: date.ms,
      date_is_day: date.kind === 'date' ? 1 : 0,
      priority: changes.priority ?? null,
      resolution: complete ? (changes.resolution ?? null) : null,
      object_type: null,
      object_id: null,
      extra: null,
      date_created: now,
      date_updated: now,
    };
    // A task created complete: `created` shows it complete, then `completed` and its activity (D22).
    const follow: (NewEvent | null)[] = [];
    if (complete && type === 'lead') {
      row.object_type = 'taskcompleted';
      row.object_id = await createTaskCompleted(trx, row, ctx.userId, now);
      const [activity] = await activitySnapshots(trx, ctx.organizationId, [row.object_id]);
      follow.push(activityEvent('created', { after: activity }));
    }
    const [created] = await insertTasks(trx, ctx, [{ row, completed: complete, follow }]);
    return created;
  });
  return serializeTask(row, ctx.zone, ctx.now());
}

/**
 * `PUT /task/{id}/` (D2, D21, D22): a partial update.
 * @throws CloseError 404 for a task outside the organization, 400 for bad values.
 */
export async function updateOneTask(ctx: RequestContext, id: string, body: TaskWriteBody): Promise<TaskJson> {
  const row = await writeTransaction(ctx.db, async (trx) => {
    // Issue 4: lock first, then read, so a concurrent write on another node is either
    // wholly before this one (and seen) or wholly after it.
    const [current] = await lockTasks(trx, ctx.organizationId, [id]);
    if (!current) throw notFound();
    const changes = await validateChanges(ctx, trx, body);
    checkChangesFit(current, changes);
    const after = await updateTasks(trx, ctx, [await planUpdate(ctx, trx, current, changes)]);
    return after.get(id)!;
  });
  return serializeTask(row, ctx.zone, ctx.now());
}

/**
 * `PUT /task/` (D23): updates every task that matches the list filters, in one
 * transaction. `_limit`/`_skip` do not narrow it.
 * @returns `{"count": n}`
 * @throws CloseError 400 without any filter, for more than 1000 matches, or when
 *   any matching task refuses the change; nothing changes then.
 */
export async function bulkUpdateTasks(ctx: RequestContext, params: Params, body: TaskWriteBody): Promise<{ count: number }> {
  const q = parseTaskQuery(params, ctx.zone, viewBounds(ctx.now(), ctx.zone));
  if (!q.hasFilter) {
    throw CloseError.request('A bulk update needs at least one filter, such as id__in, lead_id, assigned_to or view.');
  }
  return writeTransaction(ctx.db, async (trx) => {
    // Issue 4: the matching rows are locked (PostgreSQL) in id order before they are read.
    const ids = await lockMatchingTaskIds(trx, ctx.organizationId, q, BULK_UPDATE_LIMIT + 1);
    if (ids.length > BULK_UPDATE_LIMIT) {
      throw CloseError.errorsOnly([`It's not allowed to update more than ${BULK_UPDATE_LIMIT} objects at once`]);
    }
    const changes = await validateChanges(ctx, trx, body);
    // Already locked by the select above: read them, in id order.
    const rows = (await findTasks(trx, ctx.organizationId, ids)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const r of rows) checkChangesFit(r, changes);
    const updates = [];
    for (const r of rows) updates.push(await planUpdate(ctx, trx, r, changes));
    // One event per task (issue 5), in id order, recorded in one batch.
    await updateTasks(trx, ctx, updates);
    return { count: rows.length };
  });
}

/** `DELETE /task/{id}/` (D24): answers `{}`. @throws CloseError 404 (D26). */
export async function deleteOneTask(ctx: RequestContext, id: string): Promise<Record<string, never>> {
  await writeTransaction(ctx.db, async (trx) => {
    const current = await lockTasks(trx, ctx.organizationId, [id]);
    if (!current.length) throw notFound();
    await deleteTasks(trx, ctx, current);
  });
  return {};
}

/**
 * The task side of deleting lead `leadId` (inside the caller's transaction): deletes
 * its tasks, recording each `deleted` event, followed by `follow` (the events of the
 * lead's activities, deleted with it) in the same batch (reference §12.2).
 */
export async function deleteTasksOfLead(ex: Executor, ctx: RequestContext, leadId: string, follow: (NewEvent | null)[]): Promise<void> {
  const tasks = await lockTasks(ex, ctx.organizationId, await taskIdsOfLead(ex, ctx.organizationId, leadId));
  await deleteTasks(ex, ctx, tasks, follow);
}

/**
 * The task side of deleting contact `contactId` (inside the caller's transaction): its
 * tasks no longer name it, each recording an `updated` event (`contact_id`,
 * `contact_name`). Nobody else's change: `updated_by` and `date_updated` stay.
 */
export async function detachContactFromTasks(ex: Executor, ctx: RequestContext, contactId: string): Promise<void> {
  const tasks = await lockTasks(ex, ctx.organizationId, await taskIdsOfContact(ex, ctx.organizationId, contactId));
  await updateTasks(ex, ctx, tasks.map((before) => ({ before, patch: { contact_id: null } })));
}
