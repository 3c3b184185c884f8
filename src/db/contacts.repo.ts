/**
 * Contact storage (reference §13.5) and the lookups that find a contact by phone
 * number or email address (`contact_phones`, `contact_emails`; migration 0003):
 * every SQL statement about contacts. Functions take the executor first.
 */
import type { ContactRow } from './schema.js';
import type { Executor } from './executor.js';
import { NOTHING, pageOf } from './sql.js';

/** A contact found by a channel, or named by a body: its id and lead. */
export interface ContactRef {
  contact_id: string;
  lead_id: string;
}

/** One contact of the organization, or undefined. */
export async function findContactRow(ex: Executor, organizationId: string, id: string): Promise<ContactRow | undefined> {
  return ex.selectFrom('contacts').selectAll().where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
}

/** The id and lead of a contact of the organization, or undefined. */
export async function findContactRef(ex: Executor, organizationId: string, id: string): Promise<ContactRef | undefined> {
  const c = await ex.selectFrom('contacts').select(['id', 'lead_id']).where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
  return c ? { contact_id: c.id, lead_id: c.lead_id } : undefined;
}

/** A contact's name and organization, whatever the organization (the importer). */
export async function contactNameAndOwner(ex: Executor, id: string): Promise<{ name: string; organization_id: string } | undefined> {
  return ex.selectFrom('contacts').select(['name', 'organization_id']).where('id', '=', id).executeTakeFirst();
}

export async function insertContacts(ex: Executor, rows: ContactRow[]): Promise<void> {
  if (rows.length) await ex.insertInto('contacts').values(rows).execute();
}

export async function updateContactRow(ex: Executor, id: string, patch: Partial<ContactRow>): Promise<void> {
  await ex.updateTable('contacts').set(patch).where('id', '=', id).execute();
}

/** Deletes a contact; its phone and email lookups go by cascade, opportunities stop naming it. */
export async function deleteContactRow(ex: Executor, id: string): Promise<void> {
  await ex.updateTable('opportunities').set({ contact_id: null }).where('contact_id', '=', id).execute();
  await ex.deleteFrom('contacts').where('id', '=', id).execute();
}

/** Contacts of some leads, oldest first. */
export async function contactsOfLeads(ex: Executor, leadIds: string[]): Promise<ContactRow[]> {
  if (!leadIds.length) return [];
  return ex.selectFrom('contacts').selectAll().where('lead_id', 'in', leadIds).orderBy('date_created').orderBy('id').execute();
}

/** Which contacts `GET /contact/` lists. */
export interface ContactSelection {
  leadId?: string;
  /** Ids to match (empty: none), or null for any. */
  ids?: string[] | null;
}

/** One page of the organization's contacts, oldest first. */
export async function listContactRows(ex: Executor, organizationId: string, q: ContactSelection, page: { limit: number; skip: number }): Promise<{ rows: ContactRow[]; hasMore: boolean }> {
  let qb = ex.selectFrom('contacts').selectAll().where('organization_id', '=', organizationId);
  if (q.leadId !== undefined) qb = qb.where('lead_id', '=', q.leadId);
  if (q.ids) qb = q.ids.length ? qb.where('id', 'in', q.ids) : qb.where(NOTHING);
  const rows = await qb.orderBy('date_created').orderBy('id').limit(page.limit + 1).offset(page.skip).execute();
  return pageOf(rows, page.limit);
}

/**
 * Replaces the phone (E.164) and email (lower-cased) lookup rows of contact `c`.
 * `createdMs` orders contacts that share a number (the oldest wins).
 */
export async function replaceContactChannels(ex: Executor, c: Pick<ContactRow, 'id' | 'organization_id' | 'lead_id'>, phones: string[], emails: string[], createdMs: number): Promise<void> {
  await ex.deleteFrom('contact_phones').where('contact_id', '=', c.id).execute();
  await ex.deleteFrom('contact_emails').where('contact_id', '=', c.id).execute();
  if (phones.length) {
    await ex
      .insertInto('contact_phones')
      .values(phones.map((phone_e164) => ({ organization_id: c.organization_id, phone_e164, contact_id: c.id, lead_id: c.lead_id, date_created: createdMs })))
      .execute();
  }
  if (emails.length) {
    await ex
      .insertInto('contact_emails')
      .values(emails.map((email) => ({ organization_id: c.organization_id, email, contact_id: c.id, lead_id: c.lead_id, date_created: createdMs })))
      .execute();
  }
}

/** Contacts of the organization with the number `e164`, oldest first. */
export async function contactsByPhone(ex: Executor, organizationId: string, e164: string): Promise<ContactRef[]> {
  return ex
    .selectFrom('contact_phones')
    .select(['contact_id', 'lead_id'])
    .where('organization_id', '=', organizationId)
    .where('phone_e164', '=', e164)
    .orderBy('date_created')
    .orderBy('contact_id')
    .execute();
}

/** Contacts of the organization with the (lower-cased) address `email`, oldest first. */
export async function contactsByEmail(ex: Executor, organizationId: string, email: string): Promise<ContactRef[]> {
  return ex
    .selectFrom('contact_emails')
    .select(['contact_id', 'lead_id'])
    .where('organization_id', '=', organizationId)
    .where('email', '=', email)
    .orderBy('date_created')
    .orderBy('contact_id')
    .execute();
}

/** Marks a lead updated at `nowMs` (a contact was added to it). */
export async function touchLead(ex: Executor, leadId: string, nowMs: number): Promise<void> {
  await ex.updateTable('leads').set({ date_updated: nowMs }).where('id', '=', leadId).execute();
}
