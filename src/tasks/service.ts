/**
 * The task rules: list, fetch, create, update, bulk update and delete, as Close does
 * them (reference §9; decisions D2, D8, D10-D15, D20-D25).
 *
 * Every write is one transaction: it validates everything first, and any error
 * leaves the database as it was (brief: "Writes are transactions: all or nothing").
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
  updateTask,
  type Executor,
  type TaskWithNames,
} from '../db/tasks.repo.js';
import { findMember } from '../crm/accounts.js';
import { parseTaskQuery } from './filters.js';
import { serializeTask, type TaskJson } from './serialize.js';
import { todayDayMs } from './time.js';
import { CREATABLE_TYPES, PRIORITIES, RESOLUTIONS, TASK_MODEL, isTaskType, type TaskType } from './types.js';
import { createTaskCompleted, deleteActivity } from '../crm/activities.js';
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
      const c = await ex.selectFrom('contacts').select('id').where('id', '=', body.contact_id!).where('organization_id', '=', org).executeTakeFirst();
      if (!c) errors.add('contact', FIELD_TEXT.doesNotExist);
      else out.contact_id = c.id;
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

/** Field errors of applying `changes` to a task of type `type` (D21: `text` is for lead tasks only). */
function checkChangesFit(type: string, changes: TaskChanges): void {
  if (changes.text !== undefined && type !== 'lead') {
    throw CloseError.field('text', `The text of a ${type} task cannot be changed; only lead tasks have editable text.`);
  }
}

/**
 * Writes `changes` to `row` and runs completion side effects (D21, D22): completing a
 * lead task records a TaskCompleted activity and points the task at it; reopening
 * deletes that activity and clears the resolution.
 */
async function applyChanges(ctx: RequestContext, ex: Executor, row: TaskRow, changes: TaskChanges): Promise<void> {
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
      if (row.type === 'lead') {
        const merged = { ...row, ...patch } as TaskRow;
        const activityId = await createTaskCompleted(ex, merged, ctx.userId, now);
        patch.object_type = 'taskcompleted';
        patch.object_id = activityId;
      }
    } else {
      patch.is_complete = 0;
      if (changes.resolution === undefined) patch.resolution = null;
      if (row.object_type === 'taskcompleted' && row.object_id) {
        await deleteActivity(ex, row.object_id);
        patch.object_type = null;
        patch.object_id = null;
      }
    }
  }
  await updateTask(ex, row.id, patch);
}

function notFound(): CloseError {
  return CloseError.notFound(TASK_MODEL);
}

/** `GET /task/`: one page of tasks as `{"data": [...], "has_more": bool}` (D8, D10-D15). */
export async function listTaskPage(ctx: RequestContext, params: Params, page: Page): Promise<{ data: TaskJson[]; has_more: boolean }> {
  const q = parseTaskQuery(params, ctx.zone);
  const now = ctx.now();
  const { rows, hasMore } = await listTasks(ctx.db.kysely, ctx.db.dialect, ctx.organizationId, q, ctx.zone, now, page);
  const data = new Array<TaskJson>(rows.length);
  for (let i = 0; i < rows.length; i++) data[i] = serializeTask(rows[i], ctx.zone, now);
  return { data, has_more: hasMore };
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
    checkChangesFit(type, changes);
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
    if (changes.is_complete || changes.resolution) {
      await applyChanges(ctx, trx, row, { is_complete: true, resolution: changes.resolution });
    }
    return readBack(ctx, trx, row.id);
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
    checkChangesFit(current.type, changes);
    await applyChanges(ctx, trx, current, changes);
    return readBack(ctx, trx, id);
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
    for (const r of rows) checkChangesFit(r.type, changes);
    for (const r of rows) await applyChanges(ctx, trx, r, changes);
    return { count: rows.length };
  });
}

/** `DELETE /task/{id}/` (D24): answers `{}`. @throws CloseError 404 (D26). */
export async function deleteOneTask(ctx: RequestContext, id: string): Promise<Record<string, never>> {
  await writeTransaction(ctx.db, async (trx) => {
    if (!(await lockTask(trx, ctx.db.dialect, ctx.organizationId, id))) throw notFound();
    await deleteTask(trx, id);
  });
  return {};
}
