/**
 * Lead storage (reference §13.4): every SQL statement about leads. Functions take the
 * executor first. Deleting a lead's tasks is `tasks/writes.ts`'s (it records their
 * events); `deleteLeadRows` removes the rest of what hangs on the lead.
 */
import { sql } from 'kysely';
import type { LeadRow } from './schema.js';
import type { Executor } from './executor.js';
import { NOTHING, pageOf } from './sql.js';

/** One lead of the organization, or undefined. */
export async function findLeadRow(ex: Executor, organizationId: string, id: string): Promise<LeadRow | undefined> {
  return ex.selectFrom('leads').selectAll().where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
}

/** True when the organization has lead `id`. */
export async function leadExists(ex: Executor, organizationId: string, id: string): Promise<boolean> {
  return (await ex.selectFrom('leads').select('id').where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst()) !== undefined;
}

/** A lead's name and organization, whatever the organization (the importer tells "another organization's" apart). */
export async function leadNameAndOwner(ex: Executor, id: string): Promise<{ name: string; organization_id: string } | undefined> {
  return ex.selectFrom('leads').select(['name', 'organization_id']).where('id', '=', id).executeTakeFirst();
}

export async function insertLead(ex: Executor, row: LeadRow): Promise<void> {
  await ex.insertInto('leads').values(row).execute();
}

export async function updateLeadRow(ex: Executor, id: string, patch: Partial<LeadRow>): Promise<void> {
  await ex.updateTable('leads').set(patch).where('id', '=', id).execute();
}

/** Which leads `GET /lead/` lists: names containing `nameContains` (any case), and/or the ids `ids` (empty: none). */
export interface LeadSelection {
  nameContains?: string;
  ids?: string[] | null;
}

/**
 * One page of the organization's leads, newest first (`id` breaks ties), with the
 * total count of matches (leads report `total_results`, reference §3.1).
 */
export async function listLeadRows(
  ex: Executor,
  organizationId: string,
  q: LeadSelection,
  page: { limit: number; skip: number },
): Promise<{ rows: LeadRow[]; hasMore: boolean; total: number }> {
  let qb = ex.selectFrom('leads').where('organization_id', '=', organizationId);
  if (q.nameContains) {
    // LIKE metacharacters in the term match themselves.
    const pattern = `%${q.nameContains.replace(/[\\%_]/g, (ch) => '\\' + ch)}%`;
    qb = qb.where(sql<boolean>`lower(name) like lower(${pattern}) escape '\\'`);
  }
  if (q.ids) qb = q.ids.length ? qb.where('id', 'in', q.ids) : qb.where(NOTHING);
  const total = await qb.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await qb.selectAll().orderBy('date_created', 'desc').orderBy('id', 'desc').limit(page.limit + 1).offset(page.skip).execute();
  return { ...pageOf(rows, page.limit), total: Number(total.n) };
}

/**
 * Deletes lead `id` with its activities, opportunities and contacts (their phone and
 * email lookups go by cascade). Its tasks must be deleted first (`tasks/writes.ts`).
 */
export async function deleteLeadRows(ex: Executor, id: string): Promise<void> {
  await ex.deleteFrom('activities').where('lead_id', '=', id).execute();
  await ex.deleteFrom('opportunities').where('lead_id', '=', id).execute();
  await ex.deleteFrom('contacts').where('lead_id', '=', id).execute();
  await ex.deleteFrom('leads').where('id', '=', id).execute();
}
