/**
 * Opportunities: `/opportunity/` and `/opportunity/{id}/` (reference §13.6;
 * close-openapi.yml `CreateOpportunity`, `Opportunity`; issue 3), and their
 * `opportunity_due` tasks (D29, D30, D32; rules in `tasks/generated/opportunities.ts`; list in `opportunity-list.ts`).
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
import type { RequestContext } from '../context.js';
import type { OpportunityRow } from '../db/schema.js';
import { lockRows, writeTransaction, type Executor } from '../db/executor.js';
import {
  deleteOpportunityRow,
  findOpportunity,
  insertOpportunity,
  opportunitiesOfLeads,
  updateOpportunityRow,
  type OpportunityWithNames,
} from '../db/opportunities.repo.js';
import { findOrganization } from '../db/accounts.repo.js';
import { insertLead } from '../db/leads.repo.js';
import { CloseError, FIELD_TEXT } from '../close/errors.js';
import { FieldErrors } from '../close/params.js';
import { dayString, isoformat, parseCloseDate } from '../close/dates.js';
import { ID_PREFIX, newId } from '../close/ids.js';
import { formatMoney, isCurrencyCode } from '../close/money.js';
import { localDayMs } from '../close/localday.js';
import { sortKeys } from '../close/json.js';
import type { OpportunityWriteBody } from '../schemas/opportunity.js';
import { opportunityEffects, type OpportunityFacts } from '../tasks/generated/opportunities.js';
import { opportunityKey } from '../tasks/generated/rules.js';
import { applyTaskEffects, openKnownTasks } from '../tasks/effects.js';
import { resolveActivityRefs } from './activities.js';
import { STATUS_TYPES, opportunityStatuses } from './opportunity-statuses.js';

export const OPPORTUNITY_MODEL = 'Opportunity';
export const VALUE_PERIODS = ['one_time', 'monthly', 'annual'] as const;

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

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
function readScalars(ctx: RequestContext, body: OpportunityWriteBody, errors: FieldErrors): ScalarChanges {
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
export async function createOpportunity(ctx: RequestContext, body: OpportunityWriteBody): Promise<Record<string, unknown>> {
  const errors = new FieldErrors();
  const scalars = readScalars(ctx, body, errors);
  return writeTransaction(ctx.db, async (trx) => {
    const refs = await resolveActivityRefs(trx, ctx, body, errors);
    errors.throwIfAny();
    const now = ctx.now();
    let leadId = refs.lead_id ?? null;
    if (!leadId) {
      leadId = newId(ID_PREFIX.lead);
      await insertLead(trx, { id: leadId, organization_id: ctx.organizationId, name: '', description: '', url: null, status_label: 'Potential', created_by: ctx.userId, updated_by: ctx.userId, date_created: now, date_updated: now });
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
    await insertOpportunity(trx, row);
    await runOpportunityRules(trx, ctx, null, row, row.id);
    return readBack(trx, ctx, row.id);
  });
}

/** The opportunities of some leads, oldest first, in Close's JSON (leads embed them, reference §13.4). */
export async function opportunitiesOfLeadsJson(ex: Executor, organizationId: string, leadIds: string[]): Promise<Record<string, unknown>[]> {
  return (await opportunitiesOfLeads(ex, organizationId, leadIds)).map(serializeOpportunity);
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
export async function updateOpportunity(ctx: RequestContext, id: string, body: OpportunityWriteBody): Promise<Record<string, unknown>> {
  const errors = new FieldErrors();
  const scalars = readScalars(ctx, body, errors);
  return writeTransaction(ctx.db, async (trx) => {
    // Issue 4: locked before it is read, so two nodes never both act on its old state.
    await lockRows(trx, 'opportunities', [id], ctx.organizationId);
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
    await updateOpportunityRow(trx, id, patch);
    const { lead_name: _l, contact_name: _c, user_name: _u, created_by_name: _cb, updated_by_name: _ub, ...row } = current;
    await runOpportunityRules(trx, ctx, row, { ...row, ...patch }, id);
    return readBack(trx, ctx, id);
  });
}

/** `DELETE /opportunity/{id}/`: answers `{}`; its open `opportunity_due` task completes (D30). @throws CloseError 404. */
export async function deleteOpportunity(ctx: RequestContext, id: string): Promise<Record<string, never>> {
  await writeTransaction(ctx.db, async (trx) => {
    await lockRows(trx, 'opportunities', [id], ctx.organizationId);
    const current = await findOpportunity(trx, ctx.organizationId, id);
    if (!current) throw CloseError.notFound(OPPORTUNITY_MODEL);
    await runOpportunityRules(trx, ctx, current, null, id);
    await deleteOpportunityRow(trx, id);
  });
  return {};
}
