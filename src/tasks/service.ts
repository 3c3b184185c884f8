/**
 * The task rules: list, fetch, create, update, bulk update and delete, as Close does
 * them (reference §9; decisions D2, D8, D10-D15, D20-D25).
 *
 * Every write is one transaction: it validates everything first, and any error
 * leaves the database as it was (brief: "Writes are transactions: all or nothing").
 * Each write records its events (issue 5, reference §12.2: `task.<_type>` `created`,
 * `updated`, `completed`, `deleted`; `activity.task_completed` `created`/`deleted`) in
 * that same transaction, through `events/record.ts`.
 */
import type { RequestContext } from '../context.js';
import { CloseError, FIELD_TEXT } from '../close/errors.js';
import { dateOnlyFromMs, parseCloseDate, type CloseDate } from '../close/dates.js';
import { ID_PREFIX, newId } from '../close/ids.js';
import { FieldErrors, type Page, type Params } from '../close/params.js';
import type { TaskRow } from '../db/schema.js';
import {
  deleteTask,
  findTask,
  findTasks,
  insertTask,
  listTasks,
  lockTask,
  matchingTaskIds,
  openTasksByKey,
  tasksOfObject,
  updateTask,
  type Executor,
  type TaskWithNames,
} from '../db/tasks.repo.js';
import { findMember } from '../crm/accounts.js';
import { parseTaskQuery } from './filters.js';
import { serializeTask, serializeTasks, type TaskJson } from './serialize.js';
import { todayDayMs } from './time.js';
import { CREATABLE_TYPES, PRIORITIES, RESOLUTIONS, TASK_MODEL, extraFieldsOf, isTaskType, type TaskType } from './types.js';
import { activitySnapshots, createTaskCompleted, deleteActivity } from '../crm/activities.js';
import { activityEvent, recordEvents, taskEvent, taskEventJson, taskSnapshots, type NewEvent } from '../events/record.js';
import type { GeneratedTaskDraft, KnownTask, TaskEffect, TaskPatch } from './generated.js';
import { rowDate } from './serialize.js';
import { writeTransaction } from '../db/transaction.js';

/** Most tasks one bulk update may change (D23). */
export const BULK_UPDATE_LIMIT = 1000;

/** The body of a task write, as the route schema admits it (unknown keys are ignored, D20). */
export interface TaskWriteBody {
  _type?: string;
  lead_id?: string | null;
  contact_id?: string | null;
  assigned_to?: string;
  text?: string;
  date?: string | null;
  due_date?: string | null;
  is_dateless?: boolean;
  is_complete?: boolean;
  priority?: string | null;
  resolution?: string | null;
}

/** Validated changes to apply to a task. Absent keys change nothing (D2). */
interface TaskChanges {
  lead_id?: string;
  contact_id?: string | null;
  /** The lead of the contact named by `contact_id`, to check it is the task's lead. */
  contactLeadId?: string;
  assigned_to?: string;
  text?: string;
  /** A new date; `dateless` true when it was cleared (D20: dateless tasks are dated today). */
  date?: { value: CloseDate; dateless: boolean };
  is_dateless?: boolean;
  is_complete?: boolean;
  priority?: string | null;
  resolution?: string | null;
}

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Checks a write body against the organization (D20, D21): referenced objects exist
 * in the caller's organization, dates parse, enums hold.
 * @throws CloseError 400 with every field error found.
 */
async function validateChanges(ctx: RequestContext, ex: Executor, body: TaskWriteBody): Promise<TaskChanges> {
  const errors = new FieldErrors();
  const out: TaskChanges = {};
  const org = ctx.organizationId;

  if (has(body, 'lead_id')) {
    if (body.lead_id === null || body.lead_id === '') errors.add('lead', FIELD_TEXT.required);
    else {
      const lead = await ex.selectFrom('leads').select('id').where('id', '=', body.lead_id!).where('organization_id', '=', org).executeTakeFirst();
      if (!lead) errors.add('lead', FIELD_TEXT.doesNotExist);
      else out.lead_id = lead.id;
    }
  }
  if (has(body, 'contact_id')) {
    if (body.contact_id === null || body.contact_id === '') out.contact_id = null;
    else {
      const c = await ex.selectFrom('contacts').select(['id', 'lead_id']).where('id', '=', body.contact_id!).where('organization_id', '=', org).executeTakeFirst();
      if (!c) errors.add('contact', FIELD_TEXT.doesNotExist);
      else {
        out.contact_id = c.id;
        out.contactLeadId = c.lead_id;
      }
    }
  }
  if (has(body, 'assigned_to')) {
    const member = body.assigned_to ? await findMember(ex, org, body.assigned_to) : undefined;
    if (!member) errors.add('assigned_to', FIELD_TEXT.doesNotExist);
    else out.assigned_to = member.id;
  }
  if (has(body, 'text')) out.text = body.text;

  const dateKey = has(body, 'date') ? 'date' : has(body, 'due_date') ? 'due_date' : null;
  if (dateKey) {
    const raw = body[dateKey];
    if (raw === null || raw === '') {
      out.date = { value: dateOnlyFromMs(todayDayMs(ctx.now(), ctx.zone)), dateless: true };
    } else {
      const value = parseCloseDate(raw as string);
      if (!value) errors.add(dateKey, `${FIELD_TEXT.invalidDate} Use YYYY-MM-DD or an ISO 8601 date-time (got "${raw}").`);
      else out.date = { value, dateless: false };
    }
  }
  if (has(body, 'is_dateless')) out.is_dateless = body.is_dateless;
  if (has(body, 'is_complete')) out.is_complete = body.is_complete;
  if (has(body, 'priority')) {
    if (body.priority !== null && !(PRIORITIES as readonly string[]).includes(body.priority!)) {
      errors.add('priority', `Value must be one of: ${PRIORITIES.join(', ')} or null.`);
    } else out.priority = body.priority ?? null;
  }
  if (has(body, 'resolution')) {
    if (body.resolution !== null && !(RESOLUTIONS as readonly string[]).includes(body.resolution!)) {
      errors.add('resolution', `Value must be one of: ${RESOLUTIONS.join(', ')} or null.`);
    } else {
      out.resolution = body.resolution ?? null;
      // D21: a resolution completes the task.
      if (out.resolution !== null) {
        if (out.is_complete === false) errors.add('resolution', 'A task with a resolution is complete; do not send is_complete: false with it.');
        out.is_complete = true;
      }
    }
  }
  errors.throwIfAny();
  return out;
}

/**
 * Refuses changes a task of this type cannot take (D21: only lead tasks' `text` may
 * change). Sending a task's current text back unchanged is not a change, so a client
 * may PUT a whole object it read (an SMS task shows the message as `text`). A contact
 * must be one of the task's lead (after the change).
 * @throws CloseError 400 field error on `text` or `contact`.
 */
function checkChangesFit(task: { type: string; text: string | null; lead_id: string | null }, changes: TaskChanges): void {
  if (changes.text !== undefined && task.type !== 'lead' && changes.text !== task.text) {
    throw CloseError.field('text', `Only lead tasks have text; this task is of type ${task.type}.`);
  }
  // A task's contact is a contact of the task's lead (our rule; Close is silent).
  if (changes.contactLeadId !== undefined && changes.contactLeadId !== (changes.lead_id ?? task.lead_id)) {
    throw CloseError.field('contact', "The contact is not on the task's lead.");
  }
}

/** What `applyChanges` did beyond the row itself, for the events of the change. */
interface Applied {
  /** The task went from open to complete. */
  completed: boolean;
  /** Id of the TaskCompleted activity created, if any. */
  activityCreated: string | null;
  /** Event JSON of the TaskCompleted activity deleted (the task was reopened), if any. */
  activityDeleted: Record<string, unknown> | null;
}

/**
 * Writes `changes` to `row` and runs completion side effects (D21, D22): completing a
 * lead task records a TaskCompleted activity and points the task at it; reopening
 * deletes that activity and clears the resolution. Changes that leave every field as
 * it was write nothing (not even `date_updated`/`updated_by`).
 * @returns what happened besides the row update, so the caller can record its events.
 */
async function applyChanges(ctx: RequestContext, ex: Executor, row: TaskRow, changes: TaskChanges): Promise<Applied> {
  const applied: Applied = { completed: false, activityCreated: null, activityDeleted: null };
  const now = ctx.now();
  const patch: Partial<TaskRow> = { updated_by: ctx.userId, date_updated: now };
  if (changes.lead_id !== undefined) patch.lead_id = changes.lead_id;
  if (changes.contact_id !== undefined) patch.contact_id = changes.contact_id;
  if (changes.assigned_to !== undefined) patch.assigned_to = changes.assigned_to;
  if (changes.text !== undefined) patch.text = changes.text;
  if (changes.date) {
    patch.date_ms = changes.date.value.ms;
    patch.date_is_day = changes.date.value.kind === 'date' ? 1 : 0;
    patch.is_dateless = changes.date.dateless ? 1 : 0;
  }
  if (changes.is_dateless !== undefined) patch.is_dateless = changes.is_dateless ? 1 : 0;
  if (changes.priority !== undefined) patch.priority = changes.priority;
  if (changes.resolution !== undefined) patch.resolution = changes.resolution;

  if (changes.is_complete !== undefined && changes.is_complete !== !!row.is_complete) {
    if (changes.is_complete) {
      patch.is_complete = 1;
      applied.completed = true;
      if (row.type === 'lead') {
        const merged = { ...row, ...patch } as TaskRow;
        const activityId = await createTaskCompleted(ex, merged, ctx.userId, now);
        patch.object_type = 'taskcompleted';
        patch.object_id = activityId;
        applied.activityCreated = activityId;
      }
    } else {
      patch.is_complete = 0;
      if (changes.resolution === undefined) patch.resolution = null;
      if (row.object_type === 'taskcompleted' && row.object_id) {
        applied.activityDeleted = (await activitySnapshots(ex, row.organization_id, [row.object_id]))[0] ?? null;
        await deleteActivity(ex, row.object_id);
        patch.object_type = null;
        patch.object_id = null;
      }
    }
  }
  // A write that changes nothing leaves the task alone: no new `date_updated` for
  // incremental syncs to re-fetch, and no `updated` event (issue 5).
  const changed = (Object.keys(patch) as (keyof TaskRow)[]).some(
    (k) => k !== 'updated_by' && k !== 'date_updated' && patch[k] !== row[k],
  );
  if (changed) await updateTask(ex, row.id, patch);
  return applied;
}

/**
 * The events of one task write (reference §12.2): the task's `updated` (when anything
 * changed), `completed` when it was completed, and the TaskCompleted activity's
 * `created` or `deleted`. Snapshots are event JSON (`taskEventJson`).
 */
async function changeEvents(
  ex: Executor,
  before: TaskJson,
  after: TaskJson,
  applied: Applied,
): Promise<(NewEvent | null)[]> {
  const events: (NewEvent | null)[] = [taskEvent('updated', { before, after })];
  if (applied.completed) events.push(taskEvent('completed', { after }));
  if (applied.activityCreated) {
    const [activity] = await activitySnapshots(ex, String(after.organization_id), [applied.activityCreated]);
    if (activity) events.push(activityEvent('created', { after: activity }));
  }
  if (applied.activityDeleted) events.push(activityEvent('deleted', { before: applied.activityDeleted }));
  return events;
}

function notFound(): CloseError {
  return CloseError.notFound(TASK_MODEL);
}

/** `GET /task/`: one page of tasks as `{"data": [...], "has_more": bool}` (D8, D10-D15). */
export async function listTaskPage(ctx: RequestContext, params: Params, page: Page): Promise<{ data: TaskJson[]; has_more: boolean }> {
  const q = parseTaskQuery(params, ctx.zone);
  const now = ctx.now();
  const { rows, hasMore } = await listTasks(ctx.db.kysely, ctx.organizationId, q, ctx.zone, now, page);
  return { data: serializeTasks(rows, ctx.zone, now), has_more: hasMore };
}

/** `GET /task/{id}/`. @throws CloseError 404 when the organization has no such task (D26). */
export async function getTask(ctx: RequestContext, id: string): Promise<TaskJson> {
  const row = await findTask(ctx.db.kysely, ctx.organizationId, id);
  if (!row) throw notFound();
  return serializeTask(row, ctx.zone, ctx.now());
}

async function readBack(ctx: RequestContext, ex: Executor, id: string): Promise<TaskWithNames> {
  const row = await findTask(ex, ctx.organizationId, id);
  if (!row) throw new Error(`task ${id} vanished inside its own transaction`);
  return row;
}

/**
 * `POST /task/` (D20): creates a `lead` or `outgoing_call` task.
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
    const row: TaskRow = {
      id: newId(ID_PREFIX.task),
      organization_id: ctx.organizationId,
      type: type as TaskType,
      lead_id: changes.lead_id!,
      contact_id: changes.contact_id ?? null,
      assigned_to: changes.assigned_to ?? ctx.userId,
      created_by: ctx.userId,
      updated_by: ctx.userId,
      text: type === 'lead' ? changes.text ?? '' : null,
      is_complete: 0,
      is_dateless: dated && changes.is_dateless !== true ? 0 : 1,
      date_ms: date.ms,
      date_is_day: date.kind === 'date' ? 1 : 0,
      priority: changes.priority ?? null,
      resolution: null,
      object_type: null,
      object_id: null,
      extra: null,
      wire_overrides: null,
      date_created: now,
      date_updated: now,
    };
    await insertTask(trx, row);
    let applied: Applied | null = null;
    if (changes.is_complete || changes.resolution) {
      applied = await applyChanges(ctx, trx, row, { is_complete: true, resolution: changes.resolution });
    }
    const created = await readBack(ctx, trx, row.id);
    // A task created complete: `created` shows it complete, then `completed` and its activity.
    const after = taskEventJson(created, now);
    const events = [taskEvent('created', { after })];
    if (applied) events.push(...(await changeEvents(trx, after, after, applied)));
    await recordEvents(trx, ctx, events);
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
    if (!(await lockTask(trx, ctx.db.dialect, ctx.organizationId, id))) throw notFound();
    const current = await findTask(trx, ctx.organizationId, id);
    if (!current) throw notFound();
    const changes = await validateChanges(ctx, trx, body);
    checkChangesFit(current, changes);
    const before = taskEventJson(current, ctx.now());
    const applied = await applyChanges(ctx, trx, current, changes);
    const updated = await readBack(ctx, trx, id);
    await recordEvents(trx, ctx, await changeEvents(trx, before, taskEventJson(updated, ctx.now()), applied));
    return updated;
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
  const q = parseTaskQuery(params, ctx.zone);
  if (!q.hasFilter) {
    throw CloseError.request('A bulk update needs at least one filter, such as id__in, lead_id, assigned_to or view.');
  }
  return writeTransaction(ctx.db, async (trx) => {
    const now = ctx.now();
    // Issue 4: the matching rows are locked (PostgreSQL) in id order before they are read.
    const ids = await matchingTaskIds(trx, ctx.db.dialect, ctx.organizationId, q, ctx.zone, now, BULK_UPDATE_LIMIT + 1);
    if (ids.length > BULK_UPDATE_LIMIT) {
      throw CloseError.errorsOnly([`It's not allowed to update more than ${BULK_UPDATE_LIMIT} objects at once`]);
    }
    const changes = await validateChanges(ctx, trx, body);
    const rows = await findTasks(trx, ctx.organizationId, ids);
    for (const r of rows) checkChangesFit(r, changes);
    const appliedById = new Map<string, Applied>();
    for (const r of rows) appliedById.set(r.id, await applyChanges(ctx, trx, r, changes));
    // One event per task (issue 5), read back in one query and recorded in one batch.
    const afterById = new Map((await findTasks(trx, ctx.organizationId, ids)).map((r) => [r.id, r]));
    const events: (NewEvent | null)[] = [];
    for (const r of rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
      const after = afterById.get(r.id)!;
      events.push(...(await changeEvents(trx, taskEventJson(r, now), taskEventJson(after, now), appliedById.get(r.id)!)));
    }
    await recordEvents(trx, ctx, events);
    return { count: rows.length };
  });
}

/** `DELETE /task/{id}/` (D24): answers `{}`. @throws CloseError 404 (D26). */
export async function deleteOneTask(ctx: RequestContext, id: string): Promise<Record<string, never>> {
  await writeTransaction(ctx.db, async (trx) => {
    if (!(await lockTask(trx, ctx.db.dialect, ctx.organizationId, id))) throw notFound();
    const current = await findTask(trx, ctx.organizationId, id);
    if (!current) throw notFound();
    await deleteTask(trx, id);
    await recordEvents(trx, ctx, [taskEvent('deleted', { before: taskEventJson(current, ctx.now()) })]);
  });
  return {};
}

// ------------------------------------------------------------------ generated tasks
//
// Every generated task is inserted, changed, completed and deleted by the system
// through the four functions below, and nowhere else, so that what must happen on
// each of those (the event log and webhooks, issue "events") is wired in one place.
// They run inside the caller's transaction (`ex`) and read the time from `ctx.now()`.

/**
 * Inserts a generated task (D29): id `noti_…` (D25), not complete, `updated_by` null,
 * `date_created` = `date_updated` = now; records a `created` event (issue 5).
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
    wire_overrides: null,
    match_key: draft.match_key,
    date_created: now,
    date_updated: now,
  };
  await insertTask(ex, row);
  const after = (await taskSnapshots(ex, ctx.organizationId, [row.id], now)).get(row.id);
  await recordEvents(ex, ctx, [taskEvent('created', { after })]);
  return row.id;
}

/**
 * Changes a generated task the way a rule says (a move, a grown `emails` list, an
 * opportunity's new value). `patch.fields` are merged into the stored fields.
 * `updated_by` becomes `by` when `by` is a user; a system change (null) keeps it.
 * Records an `updated` event (issue 5).
 */
export async function updateGeneratedTask(ex: Executor, ctx: RequestContext, id: string, patch: TaskPatch, by: string | null): Promise<void> {
  const current = await ex.selectFrom('tasks').select(['extra']).where('id', '=', id).where('organization_id', '=', ctx.organizationId).executeTakeFirst();
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
  const before = (await taskSnapshots(ex, ctx.organizationId, [id], ctx.now())).get(id);
  await updateTask(ex, id, set);
  const after = (await taskSnapshots(ex, ctx.organizationId, [id], ctx.now())).get(id);
  await recordEvents(ex, ctx, [taskEvent('updated', { before, after })]);
}

/**
 * Completes the open tasks among `ids` because the work was done (D30). They go to
 * the archive; `updated_by` becomes `by` when `by` is a user. Completed generated
 * tasks keep their `object_type`/`object_id` (TaskCompleted activities are for lead
 * tasks, D22). Each records `updated` and `completed` events, as a completion through
 * the API does (issue 5).
 * @returns how many tasks were completed.
 */
export async function completeTasks(ex: Executor, ctx: RequestContext, ids: string[], by: string | null): Promise<number> {
  if (!ids.length) return 0;
  const set: Partial<TaskRow> = { is_complete: 1, date_updated: ctx.now() };
  if (by !== null) set.updated_by = by;
  const open = (
    await ex.selectFrom('tasks').select('id').where('organization_id', '=', ctx.organizationId).where('id', 'in', ids).where('is_complete', '=', 0).execute()
  )
    .map((r) => r.id)
    .sort();
  if (!open.length) return 0;
  const before = await taskSnapshots(ex, ctx.organizationId, open, ctx.now());
  await ex.updateTable('tasks').set(set).where('id', 'in', open).execute();
  const after = await taskSnapshots(ex, ctx.organizationId, open, ctx.now());
  // As for a completion through the API: `updated` with the diff, then `completed` (issue 5).
  await recordEvents(
    ex,
    ctx,
    open.flatMap((id) => [taskEvent('updated', { before: before.get(id), after: after.get(id) }), taskEvent('completed', { after: after.get(id) })]),
  );
  return open.length;
}

/** Deletes generated tasks whose reason is gone (their activity deleted, a follow-up withdrawn), recording a `deleted` event for each (issue 5). */
export async function deleteGeneratedTasks(ex: Executor, ctx: RequestContext, ids: string[]): Promise<void> {
  if (!ids.length) return;
  const before = await taskSnapshots(ex, ctx.organizationId, ids, ctx.now());
  await ex.deleteFrom('tasks').where('organization_id', '=', ctx.organizationId).where('id', 'in', ids).execute();
  await recordEvents(
    ex,
    ctx,
    [...before.keys()].sort().map((id) => taskEvent('deleted', { before: before.get(id) })),
  );
}

/**
 * Deletes every task an activity or opportunity (`objectId`) made, open or complete,
 * recording their `deleted` events: what deleting the object itself takes (D30).
 */
export async function deleteTasksOfObject(ex: Executor, ctx: RequestContext, objectId: string): Promise<void> {
  const tasks = await knownTasksOfObject(ex, ctx, objectId);
  await deleteGeneratedTasks(ex, ctx, tasks.map((t) => t.id));
}

/** Carries out the effects a rule of `tasks/generated.ts` returned, in order, inside `ex`. */
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
