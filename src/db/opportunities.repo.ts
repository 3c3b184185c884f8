/**
 * Opportunity storage (reference §13.6): every SQL statement about opportunities.
 * Functions take the executor first; lists are built only from an
 * `OpportunitySelection` (parsed by `crm/opportunity-list.ts`).
 */
import { sql } from 'kysely';
import type { OpportunityRow } from './schema.js';
import type { Executor } from './executor.js';
import { NOTHING, SQL_OP, pageOf, userFullName } from './sql.js';
import type { RangeOp } from '../close/localday.js';

/** An opportunity with the current names of its lead, contact and users. */
export interface OpportunityWithNames extends OpportunityRow {
  lead_name: string | null;
  contact_name: string | null;
  user_name: string | null;
  created_by_name: string | null;
  updated_by_name: string | null;
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
    .select(['l.name as lead_name', 'c.name as contact_name', userFullName('uu').as('user_name'), userFullName('uc').as('created_by_name'), userFullName('ud').as('updated_by_name')]);
}

/** One opportunity of the organization with names, or undefined. */
export async function findOpportunity(ex: Executor, organizationId: string, id: string): Promise<OpportunityWithNames | undefined> {
  return (await selectWithNames(ex)
    .where('opportunities.id', '=', id)
    .where('opportunities.organization_id', '=', organizationId)
    .executeTakeFirst()) as OpportunityWithNames | undefined;
}

export async function insertOpportunity(ex: Executor, row: OpportunityRow): Promise<void> {
  await ex.insertInto('opportunities').values(row).execute();
}

export async function updateOpportunityRow(ex: Executor, id: string, patch: Partial<OpportunityRow>): Promise<void> {
  await ex.updateTable('opportunities').set(patch).where('id', '=', id).execute();
}

export async function deleteOpportunityRow(ex: Executor, id: string): Promise<void> {
  await ex.deleteFrom('opportunities').where('id', '=', id).execute();
}

/** The opportunities of some leads with names, oldest first (leads embed them, reference §13.4). */
export async function opportunitiesOfLeads(ex: Executor, organizationId: string, leadIds: string[]): Promise<OpportunityWithNames[]> {
  if (!leadIds.length) return [];
  return (await selectWithNames(ex)
    .where('opportunities.organization_id', '=', organizationId)
    .where('opportunities.lead_id', 'in', leadIds)
    .orderBy('opportunities.date_created')
    .orderBy('opportunities.id')
    .execute()) as OpportunityWithNames[];
}

/** A condition of `GET /opportunity/`. */
export type OpportunityCondition =
  | { kind: 'in'; column: 'id' | 'lead_id' | 'contact_id' | 'organization_id' | 'user_id' | 'value_period' | 'status_type'; values: string[] }
  /** The close date compared by day (UTC-midnight ms), or `date_won=` (empty): none. */
  | { kind: 'date_won'; op: RangeOp; dayMs: number }
  | { kind: 'date_won_null' }
  | { kind: 'instant'; column: 'date_created' | 'date_updated'; op: RangeOp; ms: number }
  | { kind: 'none' };

/** Orders of `GET /opportunity/` (`date_won` is the day column). */
export type OpportunityOrderColumn = 'date_created' | 'date_updated' | 'date_won_day' | 'value' | 'confidence';

/** A parsed `GET /opportunity/`. */
export interface OpportunitySelection {
  conditions: OpportunityCondition[];
  order: { column: OpportunityOrderColumn; desc: boolean };
}

/** One page of the organization's opportunities matching `q` (`id` breaks ties), with the total count. */
export async function listOpportunityRows(
  ex: Executor,
  organizationId: string,
  q: OpportunitySelection,
  page: { limit: number; skip: number },
): Promise<{ rows: OpportunityWithNames[]; hasMore: boolean; total: number }> {
  let qb = selectWithNames(ex).where('opportunities.organization_id', '=', organizationId);
  for (const c of q.conditions) {
    switch (c.kind) {
      case 'none':
        qb = qb.where(NOTHING);
        break;
      case 'in':
        qb = c.values.length ? qb.where(`opportunities.${c.column}`, 'in', c.values) : qb.where(NOTHING);
        break;
      case 'date_won':
        qb = qb.where('opportunities.date_won_day', SQL_OP[c.op], c.dayMs);
        break;
      case 'date_won_null':
        qb = qb.where('opportunities.date_won_day', 'is', null);
        break;
      case 'instant':
        qb = qb.where(`opportunities.${c.column}`, SQL_OP[c.op], c.ms);
        break;
    }
  }
  const total = await qb.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const dir = q.order.desc ? 'desc' : 'asc';
  const rows = (await qb
    .orderBy(sql.ref(`opportunities.${q.order.column}`), dir)
    .orderBy('opportunities.id', dir)
    .limit(page.limit + 1)
    .offset(page.skip)
    .execute()) as OpportunityWithNames[];
  return { ...pageOf(rows, page.limit), total: Number(total.n) };
}
