/**
 * `GET /opportunity/` (reference §13.6; close-openapi.yml): its filters and orders,
 * parsed into an `OpportunitySelection` for the repository.
 */
import type { RequestContext } from '../context.js';
import { listOpportunityRows, type OpportunityCondition, type OpportunityOrderColumn } from '../db/opportunities.repo.js';
import { FieldErrors, first, parseList, type Page, type Params } from '../close/params.js';
import { dateComparisons, parseIdFilter, rangeParamNames } from '../close/filters.js';
import { dayConditionFor, effectiveMs } from '../close/localday.js';
import { opportunityStatuses, type OpportunityStatus } from './opportunity-statuses.js';
import { serializeOpportunity } from './opportunities.js';

const ORDERS = ['date_created', 'date_updated', 'date_won', 'value', 'confidence'] as const;

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
  ...rangeParamNames(['date_won', 'date_created', 'date_updated']),
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
  const conditions: OpportunityCondition[] = [];
  const list = (name: string) => (params.has(name) ? parseList(params.get(name)!, name) : null);
  const ids = parseIdFilter(params);
  if (ids) conditions.push({ kind: 'in', column: 'id', values: ids });
  for (const [names, column] of [
    [['lead_id'], 'lead_id'],
    [['contact_id'], 'contact_id'],
    [['organization_id'], 'organization_id'],
    [['user_id', 'user_id__in'], 'user_id'],
    [['value_period', 'value_period__in'], 'value_period'],
  ] as const) {
    for (const n of names) {
      const values = list(n);
      if (values !== null) conditions.push({ kind: 'in', column, values });
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
      conditions.push({ kind: 'in', column: 'status_type', values: statuses.filter((s) => wanted.has(keyOf(s))).map((s) => s.type) });
    }
  }
  for (const field of ['date_won', 'date_created', 'date_updated'] as const) {
    for (const c of dateComparisons(params, field, errors)) {
      if (c.value === null) {
        conditions.push(field === 'date_won' && c.op === 'eq' ? { kind: 'date_won_null' } : { kind: 'none' });
        continue;
      }
      const instant = effectiveMs(c.value, ctx.zone);
      if (field === 'date_won') {
        const day = c.value.kind === 'date' ? { op: c.op, dayMs: c.value.ms } : dayConditionFor(c.op, instant, ctx.zone);
        conditions.push(day ? { kind: 'date_won', op: day.op, dayMs: day.dayMs } : { kind: 'none' });
      } else {
        conditions.push({ kind: 'instant', column: field, op: c.op, ms: instant });
      }
    }
  }
  let order: { column: OpportunityOrderColumn; desc: boolean } = { column: 'date_created', desc: true };
  const rawOrder = first(params, '_order_by')?.trim();
  // As on tasks (D14, D33): an empty `_order_by=` is a 400, not the default order.
  if (rawOrder !== undefined) {
    const desc = rawOrder.startsWith('-');
    const name = desc ? rawOrder.slice(1) : rawOrder;
    if (!(ORDERS as readonly string[]).includes(name)) errors.add('_order_by', `Cannot order by "${rawOrder}": use ${ORDERS.join(', ')}, each with - for descending.`);
    else order = { column: name === 'date_won' ? 'date_won_day' : (name as OpportunityOrderColumn), desc };
  }
  errors.throwIfAny();
  const { rows, hasMore, total } = await listOpportunityRows(ctx.db.kysely, ctx.organizationId, { conditions, order }, page);
  return { data: rows.map(serializeOpportunity), has_more: hasMore, total_results: total };
}
