/**
 * Activities: what happened on a lead (reference §12.4; issue 3). This module holds
 * what every activity type shares: the list filters of `GET /activity/<type>/`, the
 * references an activity names (lead, contact, user) and its instants. Their common
 * JSON fields are `close/activity.ts`'s; the TaskCompleted activity (D22), which
 * completing a lead task records, is `tasks/completed.ts`'s.
 *
 * Calls, emails, email threads and SMS live in `calls.ts`, `emails.ts` and `sms.ts`.
 * All are rows of the `activities` table: `type` is Close's `_type` (`Call`,
 * `Email`, `EmailThread`, `SMS`, `TaskCompleted`) and `data` holds the type's own
 * wire fields.
 */
import type { RequestContext } from '../context.js';
import type { ActivityRow } from '../db/schema.js';
import type { Executor } from '../db/executor.js';
import {
  findActivity,
  listActivities,
  type ActivityCondition,
  type ActivityOrder,
  type ActivityQuery,
  type ActivityWithNames,
} from '../db/activities.repo.js';
import { findMember } from '../db/accounts.repo.js';
import { leadExists } from '../db/leads.repo.js';
import { findContactRef } from '../db/contacts.repo.js';
import { ID_PREFIX, newId } from '../close/ids.js';
import { parseCloseDate } from '../close/dates.js';
import { CloseError, FIELD_TEXT } from '../close/errors.js';
import { FieldErrors, first, parseList, type Page, type Params } from '../close/params.js';
import { dateComparisons, parseIdFilter, rangeParamNames } from '../close/filters.js';
import { effectiveMs } from '../close/localday.js';
import type { RequestZone } from '../close/zone.js';
import type { ActivityRefsBody } from '../schemas/activity.js';

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
  ...rangeParamNames(['date_created', 'activity_at'], false),
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
  const ids = parseIdFilter(params);
  if (ids) conditions.push({ kind: 'in', column: 'id', values: ids });
  for (const [name, column] of [
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
    for (const c of dateComparisons(params, column, errors, false)) {
      if (c.value === null) conditions.push({ kind: 'none' });
      else conditions.push({ kind: 'instant', column, op: c.op as Exclude<typeof c.op, 'eq'>, ms: effectiveMs(c.value, zone) });
    }
  }
  let orderBy: ActivityOrder = '-date_created';
  const rawOrder = first(params, '_order_by');
  if (rawOrder !== undefined) {
    // As on tasks (D14, D33): an empty `_order_by=` is a 400, not the default order.
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

/** References an activity body may name (the route schemas' `lead_id`, `contact_id`, `user_id`). */
export type ActivityRefsInput = ActivityRefsBody;

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
    else if (!(await leadExists(ex, ctx.organizationId, input.lead_id))) errors.add('lead', FIELD_TEXT.doesNotExist);
    else out.lead_id = input.lead_id;
  }
  if (has('contact_id')) {
    if (!input.contact_id) out.contact_id = null;
    else {
      const c = await findContactRef(ex, ctx.organizationId, input.contact_id);
      if (!c) errors.add('contact', FIELD_TEXT.doesNotExist);
      else if (out.lead_id && out.lead_id !== c.lead_id) errors.add('contact', 'The contact does not belong to this lead.');
      else {
        out.contact_id = c.contact_id;
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

export type { ActivityRow };
