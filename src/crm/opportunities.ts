/**
 * Opportunities: `/opportunity/` and `/opportunity/{id}/` (reference §13.6;
 * close-openapi.yml `CreateOpportunity`, `Opportunity`; issue 3), and their
 * `opportunity_due` tasks (D29, D30, D32; rules in `tasks/generated.ts`).
 *
 * Body fields: `lead_id` (when absent, a new untitled lead is made, as Close does),
 * `contact_id`, `user_id` (default: the caller; the task's assignee, D32), the status
 * as `status_id`, `status_type` (`active`/`won`/`lost`) or `status_label`, `value`
 * (integer, minor units: cents), `value_currency` (default: the organization's),
 * `value_period` (`one_time` default, `monthly`, `annual`), `confidence` (0..100),
 * `note`, `date_won` (the expected close date while active; a date, or a date-time
 * read as its day in the request's zone).
 *
 * Every organization has three statuses, Active, Won and Lost, with ids derived from
 * the organization id (stable, `stat_` + 43 base62 characters). Moving to a won status
 * without a close date sets `date_won` to today in the request's zone (close-openapi.yml
 * `PUT /opportunity/{id}/`); moving to lost sets `date_lost` to now.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { RequestContext } from '../context.js';
import type { OpportunityRow } from '../db/schema.js';
import type { Executor } from '../db/tasks.repo.js';
import { CloseError, FIELD_TEXT } from '../close/errors.js';
import { FieldErrors, first, parseDateParam, parseList, type Page, type Params } from '../close/params.js';
import { dayString, isoformat, parseCloseDate } from '../close/dates.js';
import { ID_PREFIX, newId } from '../close/ids.js';
import { formatMoney, isCurrencyCode } from '../close/money.js';
import { effectiveMs, localDayMs, dayConditionFor, type RangeOp } from '../tasks/time.js';
import { opportunityEffects, opportunityKey, type OpportunityFacts } from '../tasks/generated.js';
import { applyTaskEffects, openKnownTasks } from '../tasks/service.js';
import { resolveActivityRefs, sortKeys } from './activities.js';
import { findOrganization } from './accounts.js';

export const OPPORTUNITY_MODEL = 'Opportunity';
export const STATUS_TYPES = ['active', 'won', 'lost'] as const;
export const VALUE_PERIODS = ['one_time', 'monthly', 'annual'] as const;

/** An opportunity status of an organization (reference §13.2 `opportunity_statuses`). */
export interface OpportunityStatus {
  id: string;
  label: string;
  type: (typeof STATUS_TYPES)[number];
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The stable status id of `type` in `organizationId`: `stat_` + 43 base62 characters of a SHA-512 of both. */
function statusId(organizationId: string, type: string): string {
  const bytes = createHash('sha512').update(`${organizationId}:opportunity-status:${type}`).digest();
  let out = 'stat_';
  for (let i = 0; i < 43; i++) out += ALPHABET[bytes[i] % 62];
  return out;
}

/** The organization's opportunity statuses: Active, Won, Lost. */
export function opportunityStatuses(organizationId: string): OpportunityStatus[] {
  return [
    { id: statusId(organizationId, 'active'), label: 'Active', type: 'active' },
    { id: statusId(organizationId, 'won'), label: 'Won', type: 'won' },
    { id: statusId(organizationId, 'lost'), label: 'Lost', type: 'lost' },
  ];
}

/** An opportunity body as the API accepts it (route schema `OpportunityWriteSchema`; unknown keys ignored). */
export interface OpportunityInput {
  lead_id?: string | null;
  contact_id?: string | null;
  user_id?: string | null;
  status_id?: string | null;
  status_type?: string | null;
  status_label?: string | null;
  value?: number | null;
  value_currency?: string | null;
  value_period?: string | null;
  confidence?: number | null;
  note?: string | null;
  date_won?: string | null;
}

interface OpportunityWithNames extends OpportunityRow {
  lead_name: string | null;
  contact_name: string | null;
  user_name: string | null;
  created_by_name: string | null;
  updated_by_name: string | null;
}

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function userName(alias: string) {
  return sql<string | null>`trim(${sql.ref(`${alias}.first_name`)} || ' ' || ${sql.ref(`${alias}.last_name`)})`;
}

function selectWithNames(ex: Executor) {
  return ex
    .selectFrom('opportunities')
    .leftJoin('leads as l', 'l.id', 'opportunities.lead_id')
    .leftJoin('contacts as c', 'c.id', 'opportunities.contact_id')
    .leftJoin('users as uu', 'uu.id', 'opportunities.user_id')
    .leftJoin('users as uc', 'uc.id', 'opportunities.created_by')
    .leftJoin('users as ud', 'ud.id', 'opportunities.updated_by')
    .selectAll('opportunities')
    .select(['l.name as lead_name', 'c.name as contact_name', userName('uu').as('user_name'), userName('uc').as('created_by_name'), userName('ud').as('updated_by_name')]);
}

async function findOpportunity(ex: Executor, organizationId: string, id: string): Promise<OpportunityWithNames | undefined> {
  return (await selectWithNames(ex)
    .where('opportunities.id', '=', id)
    .where('opportunities.organization_id', '=', organizationId)
    .executeTakeFirst()) as OpportunityWithNames | undefined;
}

/** Yearly value of an amount paid per `period` (`monthly` x12). */
function annualized(value: number | null, period: string): number | null {
  if (value === null) return null;
  return period === 'monthly' ? value * 12 : value;
}

/** Close's JSON for an opportunity (reference §13.6), keys sorted. */
export function serializeOpportunity(o: OpportunityWithNames): Record<string, unknown> {
  const status = opportunityStatuses(o.organization_id).find((s) => s.type === o.status_type)!;
  const value = o.value === null ? null : Number(o.value);
  const expected = value === null ? null : Math.round((value * o.confidence) / 100);
  return sortKeys({
    annualized_expected_value: annualized(expected, o.value_period),
    annualized_value: annualized(value, o.value_period),
    attachments: [],
    confidence: o.confidence,
    contact_id: o.contact_id,
    contact_name: o.contact_id ? o.contact_name : null,
    created_by: o.created_by,
    created_by_name: o.created_by ? o.created_by_name : null,
    date_created: isoformat(Number(o.date_created)),
    date_lost: o.date_lost === null ? null : isoformat(Number(o.date_lost)),
    date_updated: isoformat(Number(o.date_updated)),
    date_won: o.date_won_day === null ? null : dayString(Number(o.date_won_day)),
    expected_value: expected,
    id: o.id,
    lead_id: o.lead_id,
    lead_name: o.lead_name,
    note: o.note,
    organization_id: o.organization_id,
    status_display_name: status.label,
    status_id: status.id,
    status_label: status.label,
    status_type: o.status_type,
    updated_by: o.updated_by,
    updated_by_name: o.updated_by ? o.updated_by_name : null,
    user_id: o.user_id,
    user_name: o.user_name,
    value,
    value_currency: o.value_currency,
    value_formatted: formatMoney(value, o.value_currency),
    value_period: o.value_period,
  });
}

function facts(o: OpportunityRow): OpportunityFacts {
  const value = o.value === null ? null : Number(o.value);
  return {
    id: o.id,
    lead_id: o.lead_id,
    contact_id: o.contact_id,
    user_id: o.user_id,
    status_type: o.status_type,
    date_won_day: o.date_won_day === null ? null : Number(o.date_won_day),
    value,
    value_currency: o.value_currency,
    value_formatted: formatMoney(value, o.value_currency),
    value_period: o.value_period,
    note: o.note,
  };
}

/** Validated scalar changes of a body. */
interface ScalarChanges {
  status_type?: string;
  value?: number | null;
  value_currency?: string;
  value_period?: string;
  confidence?: number;
  note?: string;
  date_won_day?: number | null;
}

/** Checks the body's status, money, period, confidence and close date; errors go to `errors`. */
function readScalars(ctx: RequestContext, body: OpportunityInput, errors: FieldErrors): ScalarChanges {
  const out: ScalarChanges = {};
  const statuses = opportunityStatuses(ctx.organizationId);
  if (body.status_id) {
    const s = statuses.find((x) => x.id === body.status_id);
    if (!s) errors.add('status', FIELD_TEXT.doesNotExist);
    else out.status_type = s.type;
  } else if (body.status_type) {
    if (!(STATUS_TYPES as readonly string[]).includes(body.status_type)) errors.add('status_type', `Value must be one of: ${STATUS_TYPES.join(', ')}.`);
    else out.status_type = body.status_type;
  } else if (body.status_label) {
    const s = statuses.find((x) => x.label.toLowerCase() === body.status_label!.trim().toLowerCase());
    if (!s) errors.add('status', FIELD_TEXT.doesNotExist);
    else out.status_type = s.type;
  }
  if (has(body, 'value')) {
    if (body.value !== null && (!Number.isSafeInteger(body.value) || body.value! < 0)) errors.add('value', 'Value must be a non-negative integer (minor units, e.g. cents).');
    else out.value = body.value ?? null;
  }
  if (body.value_currency) {
    const code = body.value_currency.toUpperCase();
    if (!isCurrencyCode(code)) errors.add('value_currency', 'Not a valid ISO 4217 currency code.');
    else out.value_currency = code;
  }
  if (body.value_period) {
    if (!(VALUE_PERIODS as readonly string[]).includes(body.value_period)) errors.add('value_period', `Value must be one of: ${VALUE_PERIODS.join(', ')}.`);
    else out.value_period = body.value_period;
  }
  if (has(body, 'confidence') && body.confidence !== null) {
    if (!Number.isInteger(body.confidence) || body.confidence! < 0 || body.confidence! > 100) errors.add('confidence', 'Value must be an integer from 0 to 100.');
    else out.confidence = body.confidence!;
  }
  if (has(body, 'note')) out.note = body.note ?? '';
  if (has(body, 'date_won')) {
    if (body.date_won === null || body.date_won === '') out.date_won_day = null;
    else {
      const d = parseCloseDate(body.date_won!);
      if (!d) errors.add('date_won', `${FIELD_TEXT.invalidDate} Use YYYY-MM-DD (got "${body.date_won}").`);
      else out.date_won_day = d.kind === 'date' ? d.ms : localDayMs(d.ms, ctx.zone);
    }
  }
  return out;
}

/** Status side effects of a change (won: close date today if none; lost: `date_lost` now). */
function applyStatusRules(ctx: RequestContext, current: OpportunityRow | null, next: Partial<OpportunityRow>): void {
  const was = current?.status_type ?? null;
  const now = next.status_type ?? was;
  if (now === 'won' && was !== 'won') {
    const dateWon = next.date_won_day !== undefined ? next.date_won_day : (current?.date_won_day ?? null);
    if (dateWon === null) next.date_won_day = localDayMs(ctx.now(), ctx.zone);
  }
  if (now === 'lost' && was !== 'lost') next.date_lost = ctx.now();
  if (now !== 'lost' && was === 'lost') next.date_lost = null;
}

async function runOpportunityRules(ex: Executor, ctx: RequestContext, before: OpportunityRow | null, after: OpportunityRow | null, id: string): Promise<void> {
  const [open] = await openKnownTasks(ex, ctx, opportunityKey(id), ['opportunity_due']);
  await applyTaskEffects(ex, ctx, opportunityEffects(before ? facts(before) : null, after ? facts(after) : null, open ?? null, ctx.userId));
}

async function readBack(ex: Executor, ctx: RequestContext, id: string): Promise<Record<string, unknown>> {
  return serializeOpportunity((await findOpportunity(ex, ctx.organizationId, id))!);
}

/**
 * `POST /opportunity/`: creates an opportunity; an active one with a close date makes
 * its `opportunity_due` task, assigned to the opportunity's user (D29, D32).
 * @throws CloseError 400 with field errors.
 */
export async function createOpportunity(ctx: RequestContext, body: OpportunityInput): Promise<Record<string, unknown>> {
  const errors = new FieldErrors();
  const scalars = readScalars(ctx, body, errors);
  return ctx.db.kysely.transaction().execute(async (trx) => {
    const refs = await resolveActivityRefs(trx, ctx, body, errors);
    errors.throwIfAny();
    const now = ctx.now();
    let leadId = refs.lead_id ?? null;
    if (!leadId) {
      leadId = newId(ID_PREFIX.lead);
      await trx
        .insertInto('leads')
        .values({ id: leadId, organization_id: ctx.organizationId, name: '', description: '', url: null, status_label: 'Potential', created_by: ctx.userId, updated_by: ctx.userId, date_created: now, date_updated: now })
        .execute();
    }
    const org = await findOrganization(trx, ctx.organizationId);
    const row: OpportunityRow = {
      id: newId(ID_PREFIX.opportunity),
      organization_id: ctx.organizationId,
      lead_id: leadId,
      contact_id: refs.contact_id ?? null,
      user_id: refs.user_id ?? ctx.userId,
      status_type: scalars.status_type ?? 'active',
      value: scalars.value ?? null,
      value_currency: scalars.value_currency ?? org?.currency ?? 'USD',
      value_period: scalars.value_period ?? 'one_time',
      confidence: scalars.confidence ?? 0,
      note: scalars.note ?? '',
      date_won_day: scalars.date_won_day ?? null,
      date_lost: null,
      created_by: ctx.userId,
      updated_by: ctx.userId,
      date_created: now,
      date_updated: now,
    };
    applyStatusRules(ctx, null, row);
    await trx.insertInto('opportunities').values(row).execute();
    await runOpportunityRules(trx, ctx, null, row, row.id);
    return readBack(trx, ctx, row.id);
  });
}

/** The opportunities of some leads, oldest first, in Close's JSON (leads embed them, reference §13.4). */
export async function opportunitiesOfLeads(ex: Executor, organizationId: string, leadIds: string[]): Promise<Record<string, unknown>[]> {
  if (!leadIds.length) return [];
  const rows = (await selectWithNames(ex)
    .where('opportunities.organization_id', '=', organizationId)
    .where('opportunities.lead_id', 'in', leadIds)
    .orderBy('opportunities.date_created')
    .orderBy('opportunities.id')
    .execute()) as OpportunityWithNames[];
  return rows.map(serializeOpportunity);
}

/** `GET /opportunity/{id}/`. @throws CloseError 404. */
export async function getOpportunity(ctx: RequestContext, id: string): Promise<Record<string, unknown>> {
  const row = await findOpportunity(ctx.db.kysely, ctx.organizationId, id);
  if (!row) throw CloseError.notFound(OPPORTUNITY_MODEL);
  return serializeOpportunity(row);
}

/**
 * `PUT /opportunity/{id}/`: a partial update (D2). Its `opportunity_due` task follows:
 * won or lost, or the close date removed, completes it; a new close date moves it; a
 * newly due opportunity makes one (D29, D30).
 * @throws CloseError 404, or 400 with field errors.
 */
export async function updateOpportunity(ctx: RequestContext, id: string, body: OpportunityInput): Promise<Record<string, unknown>> {
  const errors = new FieldErrors();
  const scalars = readScalars(ctx, body, errors);
  return ctx.db.kysely.transaction().execute(async (trx) => {
    const current = await findOpportunity(trx, ctx.organizationId, id);
    if (!current) throw CloseError.notFound(OPPORTUNITY_MODEL);
    const refs = await resolveActivityRefs(trx, ctx, body, errors);
    if (has(body, 'lead_id') && !body.lead_id) errors.add('lead', FIELD_TEXT.required);
    errors.throwIfAny();
    const patch: Partial<OpportunityRow> = { ...scalars, updated_by: ctx.userId, date_updated: ctx.now() };
    if (refs.lead_id) patch.lead_id = refs.lead_id;
    if (refs.contact_id !== undefined) patch.contact_id = refs.contact_id;
    if (refs.user_id !== undefined) patch.user_id = refs.user_id;
    applyStatusRules(ctx, current, patch);
    await trx.updateTable('opportunities').set(patch).where('id', '=', id).execute();
    const { lead_name: _l, contact_name: _c, user_name: _u, created_by_name: _cb, updated_by_name: _ub, ...row } = current;
    await runOpportunityRules(trx, ctx, row, { ...row, ...patch }, id);
    return readBack(trx, ctx, id);
  });
}

/** `DELETE /opportunity/{id}/`: answers `{}`; its open `opportunity_due` task completes (D30). @throws CloseError 404. */
export async function deleteOpportunity(ctx: RequestContext, id: string): Promise<Record<string, never>> {
  await ctx.db.kysely.transaction().execute(async (trx) => {
    const current = await findOpportunity(trx, ctx.organizationId, id);
    if (!current) throw CloseError.notFound(OPPORTUNITY_MODEL);
    await runOpportunityRules(trx, ctx, current, null, id);
    await trx.deleteFrom('opportunities').where('id', '=', id).execute();
  });
  return {};
}

// ------------------------------------------------------------------ list

const ORDERS = ['date_created', 'date_updated', 'date_won', 'value', 'confidence'] as const;
const RANGE_OPS: Record<string, RangeOp> = { '': 'eq', __lt: 'lt', __lte: 'lte', __gt: 'gt', __gte: 'gte' };
const SQL_OP: Record<RangeOp, '=' | '<' | '<=' | '>' | '>='> = { eq: '=', lt: '<', lte: '<=', gt: '>', gte: '>=' };

/** Parameters of `GET /opportunity/` this version understands (close-openapi.yml lists more; others are ignored and reported, D5). */
export const OPPORTUNITY_LIST_PARAMS: ReadonlySet<string> = new Set([
  '_limit',
  '_skip',
  '_fields',
  '_order_by',
  'id',
  'id__in',
  'lead_id',
  'contact_id',
  'organization_id',
  'user_id',
  'user_id__in',
  'status_id',
  'status_id__in',
  'status_type',
  'status_type__in',
  'status_label',
  'status_label__in',
  'value_period',
  'value_period__in',
  ...['date_won', 'date_created', 'date_updated'].flatMap((f) => Object.keys(RANGE_OPS).map((s) => f + s)),
]);

/** Paging of `GET /opportunity/`: default 100, at most 250 (Airbyte pages opportunities by 250). */
export const OPPORTUNITY_PAGE_LIMITS = { defaultLimit: 100, maxLimit: 250 };

/**
 * `GET /opportunity/`: one page, `{"data", "has_more", "total_results"}` (opportunities
 * report a total, reference §3.1). Filters as listed in `OPPORTUNITY_LIST_PARAMS`;
 * `date_won` compares days, `date_created`/`date_updated` instants (a date is local
 * midnight in the request's zone, D13). `_order_by`: `date_created`, `date_updated`,
 * `date_won`, `value`, `confidence`, each with `-` for descending; default
 * `-date_created`; `id` breaks ties.
 * @throws CloseError 400 naming every bad parameter.
 */
export async function listOpportunities(ctx: RequestContext, params: Params, page: Page): Promise<{ data: Record<string, unknown>[]; has_more: boolean; total_results: number }> {
  const errors = new FieldErrors();
  const statuses = opportunityStatuses(ctx.organizationId);
  let qb = selectWithNames(ctx.db.kysely).where('opportunities.organization_id', '=', ctx.organizationId);
  const list = (name: string) => (params.has(name) ? parseList(params.get(name)!, name) : null);
  for (const [names, column] of [
    [['id', 'id__in'], 'id'],
    [['lead_id'], 'lead_id'],
    [['contact_id'], 'contact_id'],
    [['organization_id'], 'organization_id'],
    [['user_id', 'user_id__in'], 'user_id'],
    [['value_period', 'value_period__in'], 'value_period'],
  ] as const) {
    for (const n of names) {
      const values = list(n);
      if (values === null) continue;
      qb = values.length ? qb.where(`opportunities.${column}`, 'in', values) : qb.where(sql<boolean>`1 = 0`);
    }
  }
  const statusFilters: [string, (s: OpportunityStatus) => string][] = [
    ['status_id', (s) => s.id],
    ['status_type', (s) => s.type],
    ['status_label', (s) => s.label.toLowerCase()],
  ];
  for (const [base, keyOf] of statusFilters) {
    for (const n of [base, `${base}__in`]) {
      const values = list(n);
      if (values === null) continue;
      const wanted = new Set(values.map((v) => (base === 'status_label' ? v.toLowerCase() : v)));
      const types = statuses.filter((s) => wanted.has(keyOf(s))).map((s) => s.type);
      qb = types.length ? qb.where('opportunities.status_type', 'in', types) : qb.where(sql<boolean>`1 = 0`);
    }
  }
  for (const field of ['date_won', 'date_created', 'date_updated'] as const) {
    for (const [suffix, op] of Object.entries(RANGE_OPS)) {
      const name = field + suffix;
      const raw = first(params, name);
      if (raw === undefined) continue;
      const value = parseDateParam(raw);
      if (value === undefined) {
        errors.add(name, `${FIELD_TEXT.invalidDate} Use YYYY-MM-DD or an ISO 8601 date-time (got "${raw}").`);
        continue;
      }
      if (value === null) {
        qb = field === 'date_won' && op === 'eq' ? qb.where('opportunities.date_won_day', 'is', null) : qb.where(sql<boolean>`1 = 0`);
        continue;
      }
      const instant = effectiveMs(value, ctx.zone);
      if (field === 'date_won') {
        const day = value.kind === 'date' ? { op, dayMs: value.ms } : dayConditionFor(op, instant, ctx.zone);
        qb = day ? qb.where('opportunities.date_won_day', SQL_OP[day.op], day.dayMs) : qb.where(sql<boolean>`1 = 0`);
      } else {
        qb = qb.where(`opportunities.${field}`, SQL_OP[op], instant);
      }
    }
  }
  let order: { column: string; desc: boolean } = { column: 'date_created', desc: true };
  const rawOrder = first(params, '_order_by')?.trim();
  if (rawOrder) {
    const desc = rawOrder.startsWith('-');
    const name = desc ? rawOrder.slice(1) : rawOrder;
    if (!(ORDERS as readonly string[]).includes(name)) errors.add('_order_by', `Cannot order by "${rawOrder}": use ${ORDERS.join(', ')}, each with - for descending.`);
    else order = { column: name === 'date_won' ? 'date_won_day' : name, desc };
  }
  errors.throwIfAny();
  const total = await qb.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const dir = order.desc ? 'desc' : 'asc';
  const rows = (await qb
    .orderBy(sql.ref(`opportunities.${order.column}`), dir)
    .orderBy('opportunities.id', dir)
    .limit(page.limit + 1)
    .offset(page.skip)
    .execute()) as OpportunityWithNames[];
  const hasMore = rows.length > page.limit;
  if (hasMore) rows.pop();
  return { data: rows.map(serializeOpportunity), has_more: hasMore, total_results: Number(total.n) };
}
