/**
 * Contacts: the people of a lead, with their phones and emails (reference §13.5).
 * Tasks show a contact's `name` as `contact_name` (an empty string when unnamed).
 */
import type { RequestContext } from '../context.js';
import type { ContactRow } from '../db/schema.js';
import type { Executor } from '../db/tasks.repo.js';
import { writeTransaction } from '../db/transaction.js';
import { CloseError, FIELD_TEXT } from '../close/errors.js';
import { ID_PREFIX, newId } from '../close/ids.js';
import { isoformat } from '../close/dates.js';
import { first, parseList, type Page, type Params } from '../close/params.js';
import { parsePhone } from './phones.js';
import { recordEvents, taskEvent, taskSnapshots } from '../events/record.js';
import { contactsWritten } from './channels.js';

/** A phone as the API accepts it. */
export interface PhoneInput {
  phone: string;
  type?: string;
}

/** An email as the API accepts it. */
export interface EmailInput {
  email: string;
  type?: string;
}

/** A contact body as the API accepts it (unknown keys ignored). */
export interface ContactInput {
  lead_id?: string;
  name?: string;
  title?: string;
  phones?: PhoneInput[];
  emails?: EmailInput[];
}

export const CONTACT_MODEL = 'Contact';

/** A stored phone (reference §13.5). */
interface StoredPhone {
  phone: string;
  phone_formatted: string;
  type: string;
  country: string | null;
}

interface StoredEmail {
  email: string;
  type: string;
  is_unsubscribed: boolean;
}

const EMAIL_RE = /^[^@\s]+@[^@\s]+$/;

/** Close's nested error shape for list items (reference §6.2 item 2). */
function itemErrors(byIndex: Record<string, Record<string, string>>): unknown {
  const errors: Record<string, unknown> = {};
  for (const [i, fe] of Object.entries(byIndex)) errors[i] = { errors: [], 'field-errors': fe };
  return { errors };
}

/**
 * Normalizes phones and emails of a contact body. Phones become E.164 with
 * libphonenumber's international format.
 * @returns the stored forms and the field errors (Close's nested shape), if any.
 */
export function normalizeChannels(
  input: Pick<ContactInput, 'phones' | 'emails'>,
): { phones?: StoredPhone[]; emails?: StoredEmail[]; fieldErrors: Record<string, unknown> } {
  const fieldErrors: Record<string, unknown> = {};
  let phones: StoredPhone[] | undefined;
  let emails: StoredEmail[] | undefined;
  if (input.phones !== undefined) {
    const bad: Record<string, Record<string, string>> = {};
    phones = [];
    input.phones.forEach((p, i) => {
      const info = parsePhone(p.phone);
      if (!info) bad[String(i)] = { phone: 'Invalid phone number.' };
      else phones!.push({ phone: info.e164, phone_formatted: info.formatted, type: p.type ?? 'office', country: info.country });
    });
    if (Object.keys(bad).length) fieldErrors.phones = itemErrors(bad);
  }
  if (input.emails !== undefined) {
    const bad: Record<string, Record<string, string>> = {};
    emails = [];
    input.emails.forEach((e, i) => {
      if (!EMAIL_RE.test(e.email)) bad[String(i)] = { email: 'Invalid email address.' };
      else emails!.push({ email: e.email, type: e.type ?? 'office', is_unsubscribed: false });
    });
    if (Object.keys(bad).length) fieldErrors.emails = itemErrors(bad);
  }
  return { phones, emails, fieldErrors };
}

/** Close's JSON for a contact. */
export function serializeContact(c: ContactRow): Record<string, unknown> {
  return {
    created_by: c.created_by,
    date_created: isoformat(Number(c.date_created)),
    date_updated: isoformat(Number(c.date_updated)),
    display_name: c.name,
    emails: JSON.parse(c.emails),
    id: c.id,
    lead_id: c.lead_id,
    name: c.name,
    organization_id: c.organization_id,
    phones: JSON.parse(c.phones),
    title: c.title,
    updated_by: c.updated_by,
    urls: [],
  };
}

/**
 * Builds a contact row for `leadId` from a validated body, without writing it.
 * @throws CloseError 400 with Close's nested field errors for bad phones or emails.
 */
export function buildContactRow(ctx: RequestContext, leadId: string, input: ContactInput, nowMs: number, id?: string): ContactRow {
  const { phones, emails, fieldErrors } = normalizeChannels(input);
  if (Object.keys(fieldErrors).length) throw CloseError.validation(fieldErrors);
  return {
    id: id ?? newId(ID_PREFIX.contact),
    organization_id: ctx.organizationId,
    lead_id: leadId,
    name: input.name ?? '',
    title: input.title ?? '',
    phones: JSON.stringify(phones ?? []),
    emails: JSON.stringify(emails ?? []),
    created_by: ctx.userId,
    updated_by: ctx.userId,
    date_created: nowMs,
    date_updated: nowMs,
  };
}

async function findContactRow(ex: Executor, organizationId: string, id: string): Promise<ContactRow | undefined> {
  return ex.selectFrom('contacts').selectAll().where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
}

/** Contacts of some leads, oldest first. */
export async function contactsOfLeads(ex: Executor, leadIds: string[]): Promise<ContactRow[]> {
  if (!leadIds.length) return [];
  return ex.selectFrom('contacts').selectAll().where('lead_id', 'in', leadIds).orderBy('date_created').orderBy('id').execute();
}

/**
 * `POST /contact/`: a new contact on an existing lead of the organization.
 * @throws CloseError 400 `{"field-errors": {"lead": ...}}` for a missing or foreign lead.
 */
export async function createContact(ctx: RequestContext, input: ContactInput): Promise<Record<string, unknown>> {
  if (!input.lead_id) throw CloseError.field('lead', FIELD_TEXT.required);
  return writeTransaction(ctx.db, async (trx) => {
    const lead = await trx.selectFrom('leads').select('id').where('id', '=', input.lead_id!).where('organization_id', '=', ctx.organizationId).executeTakeFirst();
    if (!lead) throw CloseError.field('lead', FIELD_TEXT.doesNotExist);
    const now = ctx.now();
    const row = buildContactRow(ctx, lead.id, input, now);
    await trx.insertInto('contacts').values(row).execute();
    await contactsWritten(trx, ctx, [row]);
    await trx.updateTable('leads').set({ date_updated: now }).where('id', '=', lead.id).execute();
    return serializeContact(row);
  });
}

/** `GET /contact/{id}/`. @throws CloseError 404. */
export async function getContact(ctx: RequestContext, id: string): Promise<Record<string, unknown>> {
  const row = await findContactRow(ctx.db.kysely, ctx.organizationId, id);
  if (!row) throw CloseError.notFound(CONTACT_MODEL);
  return serializeContact(row);
}

/** Parameters of `GET /contact/`. */
export const CONTACT_LIST_PARAMS: ReadonlySet<string> = new Set(['_limit', '_skip', '_fields', 'lead_id', 'id', 'id__in']);

/** `GET /contact/`: the organization's contacts, oldest first, filtered by `lead_id`, `id`, `id__in`. */
export async function listContacts(ctx: RequestContext, params: Params, page: Page): Promise<{ data: Record<string, unknown>[]; has_more: boolean }> {
  let qb = ctx.db.kysely.selectFrom('contacts').selectAll().where('organization_id', '=', ctx.organizationId);
  const leadId = first(params, 'lead_id');
  if (leadId !== undefined) qb = qb.where('lead_id', '=', leadId.trim());
  const id = first(params, 'id');
  if (id !== undefined) qb = qb.where('id', '=', id.trim());
  const idIn = params.get('id__in');
  if (idIn) {
    const ids = parseList(idIn, 'id__in');
    qb = ids.length ? qb.where('id', 'in', ids) : qb.where('id', '=', '');
  }
  const rows = await qb.orderBy('date_created').orderBy('id').limit(page.limit + 1).offset(page.skip).execute();
  const hasMore = rows.length > page.limit;
  if (hasMore) rows.pop();
  return { data: rows.map(serializeContact), has_more: hasMore };
}

/**
 * `PUT /contact/{id}/`: partial update of name, title, phones, emails, lead_id.
 * @throws CloseError 404, or 400 for bad phones, emails or a foreign lead.
 */
export async function updateContact(ctx: RequestContext, id: string, input: ContactInput): Promise<Record<string, unknown>> {
  return writeTransaction(ctx.db, async (trx) => {
    const row = await findContactRow(trx, ctx.organizationId, id);
    if (!row) throw CloseError.notFound(CONTACT_MODEL);
    const { phones, emails, fieldErrors } = normalizeChannels(input);
    if (input.lead_id !== undefined) {
      const lead = await trx.selectFrom('leads').select('id').where('id', '=', input.lead_id).where('organization_id', '=', ctx.organizationId).executeTakeFirst();
      if (!lead) fieldErrors.lead = FIELD_TEXT.doesNotExist;
    }
    if (Object.keys(fieldErrors).length) throw CloseError.validation(fieldErrors);
    const patch: Partial<ContactRow> = { updated_by: ctx.userId, date_updated: ctx.now() };
    if (input.name !== undefined) patch.name = input.name;
    if (input.title !== undefined) patch.title = input.title;
    if (phones) patch.phones = JSON.stringify(phones);
    if (emails) patch.emails = JSON.stringify(emails);
    if (input.lead_id !== undefined) patch.lead_id = input.lead_id;
    await trx.updateTable('contacts').set(patch).where('id', '=', id).execute();
    await contactsWritten(trx, ctx, [{ ...row, ...patch }]);
    return serializeContact({ ...row, ...patch });
  });
}

/**
 * `DELETE /contact/{id}/`: answers `{}`; tasks and opportunities that pointed at the
 * contact no longer do, and each such task records an `updated` event (`contact_id`,
 * `contact_name`) in the same transaction (issue 5); its phone and email lookups go
 * with it (cascade).
 */
export async function deleteContact(ctx: RequestContext, id: string): Promise<Record<string, never>> {
  await writeTransaction(ctx.db, async (trx) => {
    const row = await findContactRow(trx, ctx.organizationId, id);
    if (!row) throw CloseError.notFound(CONTACT_MODEL);
    const taskIds = (await trx.selectFrom('tasks').select('id').where('contact_id', '=', id).orderBy('id').execute()).map((t) => t.id);
    const before = await taskSnapshots(trx, ctx.organizationId, taskIds);
    await trx.updateTable('tasks').set({ contact_id: null }).where('contact_id', '=', id).execute();
    await trx.updateTable('opportunities').set({ contact_id: null }).where('contact_id', '=', id).execute();
    await trx.deleteFrom('contacts').where('id', '=', id).execute();
    const after = await taskSnapshots(trx, ctx.organizationId, taskIds);
    await recordEvents(
      trx,
      ctx,
      taskIds.map((t) => taskEvent('updated', { before: before.get(t), after: after.get(t) })),
    );
  });
  return {};
}
