/**
 * Activities: what happened on a lead (reference §12.4; issue 3). This module holds
 * what every activity type shares: the common JSON fields, the list filters of
 * `GET /activity/<type>/`, the references an activity names (lead, contact, user)
 * and its instants; and the TaskCompleted activity (D22), which completing a lead
 * task records and reopening it deletes.
 *
 * Calls, emails, email threads and SMS live in `calls.ts`, `emails.ts` and `sms.ts`.
 * All are rows of the `activities` table: `type` is Close's `_type` (`Call`,
 * `Email`, `EmailThread`, `SMS`, `TaskCompleted`) and `data` holds the type's own
 * wire fields.
 */
import type { RequestContext } from '../context.js';
import type { ActivityRow, TaskRow } from '../db/schema.js';
import type { Executor } from '../db/tasks.repo.js';
import {
  deleteActivityRow,
  findActivities,
  findActivity,
  listActivities,
  userNames,
  type ActivityCondition,
  type ActivityOrder,
  type ActivityQuery,
  type ActivityRangeOp,
  type ActivityWithNames,
} from '../db/activities.repo.js';
import { ID_PREFIX, newId } from '../close/ids.js';
import { isoformat, parseCloseDate } from '../close/dates.js';
import { CloseError, FIELD_TEXT } from '../close/errors.js';
import { FieldErrors, first, parseDateParam, parseList, type Page, type Params } from '../close/params.js';
import type { RequestZone } from '../close/zone.js';
import { effectiveMs } from '../tasks/time.js';
import { findMember } from './accounts.js';

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
  await deleteActivityRow(ex, id);
}

/** Keys of `obj` in sorted order, as Close sends JSON. */
export function sortKeys(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The fields every activity carries (reference §12.4), from its row. */
export function activityCommonJson(row: ActivityWithNames): Record<string, unknown> {
  return {
    _type: row.type,
    activity_at: isoformat(Number(row.activity_at)),
    contact_id: row.contact_id,
    created_by: row.created_by,
    created_by_name: row.created_by ? row.created_by_name : null,
    date_created: isoformat(Number(row.date_created)),
    date_updated: isoformat(Number(row.date_updated)),
    id: row.id,
    lead_id: row.lead_id,
    organization_id: row.organization_id,
    updated_by: row.updated_by,
    updated_by_name: row.updated_by ? row.updated_by_name : null,
    user_id: row.user_id,
    user_name: row.user_id ? row.user_name : null,
    users: row.user_id ? [row.user_id] : [],
  };
}

/** Close's JSON for an activity whose `data` holds all its own fields: common fields plus `data`, keys sorted. */
export function serializeSimpleActivity(row: ActivityWithNames): Record<string, unknown> {
  return sortKeys({ ...activityCommonJson(row), ...JSON.parse(row.data) });
}

// ------------------------------------------------------------------ lists

/** Parameters every `GET /activity/<type>/` understands (close-openapi.yml, activity lists). */
export const ACTIVITY_LIST_PARAMS: ReadonlySet<string> = new Set([
  '_limit',
  '_skip',
  '_fields',
  '_order_by',
  'id',
  'id__in',
  'lead_id',
  'contact_id',
  'user_id',
  'organization_id',
  '_type',
  'date_created__lt',
  'date_created__lte',
  'date_created__gt',
  'date_created__gte',
  'activity_at__lt',
  'activity_at__lte',
  'activity_at__gt',
  'activity_at__gte',
]);

/** Paging of activity lists: default 100, at most 1000 (Airbyte pages activities by 100). */
export const ACTIVITY_PAGE_LIMITS = { defaultLimit: 100, maxLimit: 1000 };

const ACTIVITY_ORDERS: readonly ActivityOrder[] = ['date_created', '-date_created', 'activity_at', '-activity_at'];

/**
 * Parses the filters of an activity list of `type` (reference §5, D11-D13):
 * `id`, `id__in`, `lead_id`, `contact_id`, `user_id` (comma lists; `lead_id=` empty
 * means no lead), `organization_id`, `_type` (comma list of activity types; another
 * type than the endpoint's matches nothing), `date_created__*` and `activity_at__*`
 * (dates are local midnight in the request's zone, D13), `_order_by`
 * (`date_created`, `-date_created`, `activity_at`, `-activity_at`; default
 * `-date_created`, newest first).
 * @throws CloseError 400 naming every bad parameter.
 */
export function parseActivityQuery(params: Params, zone: RequestZone, type: string): ActivityQuery {
  const errors = new FieldErrors();
  const conditions: ActivityCondition[] = [];
  for (const [name, column] of [
    ['id', 'id'],
    ['id__in', 'id'],
    ['lead_id', 'lead_id'],
    ['contact_id', 'contact_id'],
    ['user_id', 'user_id'],
    ['organization_id', 'organization_id'],
  ] as const) {
    const values = params.get(name);
    if (!values) continue;
    const list = parseList(values, name);
    if (list.length) conditions.push({ kind: 'in', column, values: list });
    else if (column === 'lead_id' || column === 'contact_id' || column === 'user_id') conditions.push({ kind: 'null', column });
    else conditions.push({ kind: 'none' });
  }
  const types = params.get('_type');
  if (types) {
    const list = parseList(types, '_type');
    if (!list.some((t) => t.toLowerCase() === type.toLowerCase())) conditions.push({ kind: 'none' });
  }
  for (const column of ['date_created', 'activity_at'] as const) {
    for (const op of ['lt', 'lte', 'gt', 'gte'] as ActivityRangeOp[]) {
      const name = `${column}__${op}`;
      const raw = first(params, name);
      if (raw === undefined) continue;
      const value = parseDateParam(raw);
      if (value === undefined) errors.add(name, `${FIELD_TEXT.invalidDate} Use YYYY-MM-DD or an ISO 8601 date-time (got "${raw}").`);
      else if (value === null) conditions.push({ kind: 'none' });
      else conditions.push({ kind: 'instant', column, op, ms: effectiveMs(value, zone) });
    }
  }
  let orderBy: ActivityOrder = '-date_created';
  const rawOrder = first(params, '_order_by');
  if (rawOrder !== undefined && rawOrder.trim() !== '') {
    const o = rawOrder.trim();
    if ((ACTIVITY_ORDERS as readonly string[]).includes(o)) orderBy = o as ActivityOrder;
    else errors.add('_order_by', `Cannot order by "${rawOrder}": use date_created, -date_created, activity_at or -activity_at.`);
  }
  errors.throwIfAny();
  return { type, conditions, orderBy };
}

/** Serializes rows of one activity type (may read more, e.g. a thread's emails). */
export type ActivitySerializer = (ex: Executor, ctx: RequestContext, rows: ActivityWithNames[]) => Promise<Record<string, unknown>[]>;

/** `GET /activity/<type>/`: one page, `{"data": [...], "has_more": bool}`. @throws CloseError 400 for bad filters. */
export async function listActivityPage(
  ctx: RequestContext,
  type: string,
  params: Params,
  page: Page,
  serialize: ActivitySerializer,
): Promise<{ data: Record<string, unknown>[]; has_more: boolean }> {
  const q = parseActivityQuery(params, ctx.zone, type);
  const { rows, hasMore } = await listActivities(ctx.db.kysely, ctx.organizationId, q, page);
  return { data: await serialize(ctx.db.kysely, ctx, rows), has_more: hasMore };
}

/** `GET /activity/<type>/{id}/`. @throws CloseError 404 `Empty query: <model> matching query does not exist.` */
export async function getActivityJson(ctx: RequestContext, type: string, id: string, serialize: ActivitySerializer): Promise<Record<string, unknown>> {
  const row = await findActivity(ctx.db.kysely, ctx.organizationId, type, id);
  if (!row) throw CloseError.notFound(type);
  return (await serialize(ctx.db.kysely, ctx, [row]))[0];
}

// ------------------------------------------------------------------ writes

/** References an activity body may name. */
export interface ActivityRefsInput {
  lead_id?: string | null;
  contact_id?: string | null;
  user_id?: string | null;
}

/** Validated references: the lead (a contact's lead when only the contact is named), contact and user. */
export interface ActivityRefs {
  lead_id?: string | null;
  contact_id?: string | null;
  user_id?: string;
}

/**
 * Checks the lead, contact and user an activity body names against the caller's
 * organization (D26: others do not exist). Keys absent from `input` stay absent. A
 * contact without a lead brings its lead; a contact of another lead than the one
 * named is refused. The user must be a member (D32).
 * Errors are added to `errors` under `lead`, `contact`, `user` (Close's field names).
 */
export async function resolveActivityRefs(ex: Executor, ctx: RequestContext, input: ActivityRefsInput, errors: FieldErrors): Promise<ActivityRefs> {
  const has = (k: string) => Object.prototype.hasOwnProperty.call(input, k);
  const out: ActivityRefs = {};
  if (has('lead_id')) {
    if (!input.lead_id) out.lead_id = null;
    else {
      const lead = await ex.selectFrom('leads').select('id').where('id', '=', input.lead_id).where('organization_id', '=', ctx.organizationId).executeTakeFirst();
      if (!lead) errors.add('lead', FIELD_TEXT.doesNotExist);
      else out.lead_id = lead.id;
    }
  }
  if (has('contact_id')) {
    if (!input.contact_id) out.contact_id = null;
    else {
      const c = await ex.selectFrom('contacts').select(['id', 'lead_id']).where('id', '=', input.contact_id).where('organization_id', '=', ctx.organizationId).executeTakeFirst();
      if (!c) errors.add('contact', FIELD_TEXT.doesNotExist);
      else if (out.lead_id && out.lead_id !== c.lead_id) errors.add('contact', 'The contact does not belong to this lead.');
      else {
        out.contact_id = c.id;
        if (!out.lead_id) out.lead_id = c.lead_id;
      }
    }
  }
  if (has('user_id') && input.user_id !== null && input.user_id !== undefined) {
    const member = await findMember(ex, ctx.organizationId, input.user_id);
    if (!member) errors.add('user', FIELD_TEXT.doesNotExist);
    else out.user_id = member.id;
  }
  return out;
}

/**
 * Reads an instant field of an activity body (`date_created`, `activity_at`, `date_sent`):
 * ISO 8601 date-time (no offset = UTC) or a date (midnight UTC).
 * @returns ms, undefined when absent or null; adds a field error when unparsable.
 */
export function readInstant(value: unknown, field: string, errors: FieldErrors): number | undefined {
  if (value === undefined || value === null) return undefined;
  const d = typeof value === 'string' ? parseCloseDate(value) : null;
  if (!d) {
    errors.add(field, `${FIELD_TEXT.invalidDate} Use an ISO 8601 date-time (got ${JSON.stringify(value)}).`);
    return undefined;
  }
  return d.ms;
}

/** Inserts a new activity row with common fields set for the caller at `ctx.now()`. */
export function newActivityRow(
  ctx: RequestContext,
  type: string,
  fields: { lead_id: string | null; contact_id: string | null; user_id: string; activity_at: number; date_created: number; data: Record<string, unknown>; thread_id?: string | null },
): ActivityRow {
  const now = ctx.now();
  return {
    id: newId(ID_PREFIX.activity),
    organization_id: ctx.organizationId,
    type,
    lead_id: fields.lead_id,
    contact_id: fields.contact_id,
    user_id: fields.user_id,
    created_by: ctx.userId,
    updated_by: ctx.userId,
    data: JSON.stringify(fields.data),
    thread_id: fields.thread_id ?? null,
    activity_at: fields.activity_at,
    date_created: fields.date_created,
    date_updated: now,
  };
}

// ------------------------------------------------------------------ TaskCompleted

export const TASK_COMPLETED_TYPE = 'TaskCompleted';

/**
 * Close's JSON for TaskCompleted activities (reference §12.4): common fields plus
 * `task_id`, `task_text`, `task_assigned_to`, `task_assigned_to_name` (current name).
 */
export const serializeTaskCompleted: ActivitySerializer = (ex, _ctx, rows) => taskCompletedJson(ex, rows);

/** Close's JSON for TaskCompleted rows, in their order (see `serializeTaskCompleted`). */
async function taskCompletedJson(ex: Executor, rows: ActivityWithNames[]): Promise<Record<string, unknown>[]> {
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

/**
 * `DELETE /activity/task_completed/{id}/`: answers `{}`. The task stays complete:
 * Close's own restore script deletes these activities after restoring completed tasks
 * (reference §12.4), which must not reopen them.
 * @throws CloseError 404.
 */
export async function deleteTaskCompleted(ctx: RequestContext, id: string): Promise<Record<string, never>> {
  await ctx.db.kysely.transaction().execute(async (trx) => {
    const row = await findActivity(trx, ctx.organizationId, TASK_COMPLETED_TYPE, id);
    if (!row) throw CloseError.notFound(TASK_COMPLETED_TYPE);
    await deleteActivityRow(trx, id);
  });
  return {};
}

// ------------------------------------------------------------------ event snapshots

/** Ids of a lead's activities (lead deletion records their `deleted` events, issue 5). */
export async function activityIdsOfLead(ex: Executor, leadId: string): Promise<string[]> {
  return (await ex.selectFrom('activities').select('id').where('lead_id', '=', leadId).execute()).map((r) => r.id);
}

/**
 * Close's JSON of the organization's activities with the given ids, in the order of
 * `ids` (missing ids are skipped), as the event log records them (issue 5):
 * TaskCompleted as its endpoint shows it, other types as their common fields plus
 * their own fields.
 */
export async function activitySnapshots(ex: Executor, organizationId: string, ids: string[]): Promise<Record<string, unknown>[]> {
  const rows = await findActivities(ex, organizationId, ids);
  const completed = rows.filter((r) => r.type === TASK_COMPLETED_TYPE);
  const completedJson = new Map((await taskCompletedJson(ex, completed)).map((j) => [j.id as string, j]));
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    return [completedJson.get(id) ?? serializeSimpleActivity(r)];
  });
}

export type { ActivityRow };
