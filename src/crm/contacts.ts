/**
 * Contacts: the people of a lead, with their phones and emails (reference §13.5).
 * Tasks show a contact's `name` as `contact_name` (an empty string when unnamed).
 */
import type { RequestContext } from '../context.js';
import type { ContactRow } from '../db/schema.js';
import { lockRows, writeTransaction } from '../db/executor.js';
import { leadExists } from '../db/leads.repo.js';
import { deleteContactRow, findContactRow, insertContacts, listContactRows, touchLead, updateContactRow } from '../db/contacts.repo.js';
import { CloseError, FIELD_TEXT } from '../close/errors.js';
import { ID_PREFIX, newId } from '../close/ids.js';
import { isoformat } from '../close/dates.js';
import { first, type Page, type Params } from '../close/params.js';
import { parseIdFilter } from '../close/filters.js';
import { parsePhone } from '../close/phones.js';
import type { ContactWriteBody } from '../schemas/lead.js';
import { detachContactFromTasks } from '../tasks/service.js';
import { contactsWritten } from './channels.js';
import type { Contact } from '../schemas/crm-response.js';

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
  input: Pick<ContactWriteBody, 'phones' | 'emails'>,
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
export function serializeContact(c: ContactRow): Contact {
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
export function buildContactRow(ctx: RequestContext, leadId: string, input: ContactWriteBody, nowMs: number, id?: string): ContactRow {
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

/**
 * `POST /contact/`: a new contact on an existing lead of the organization.
 * @throws CloseError 400 `{"field-errors": {"lead": ...}}` for a missing or foreign lead.
 */
export async function createContact(ctx: RequestContext, input: ContactWriteBody): Promise<Record<string, unknown>> {
  if (!input.lead_id) throw CloseError.field('lead', FIELD_TEXT.required);
  const leadId = input.lead_id;
  return writeTransaction(ctx.db, async (trx) => {
    if (!(await leadExists(trx, ctx.organizationId, leadId))) throw CloseError.field('lead', FIELD_TEXT.doesNotExist);
    const now = ctx.now();
    const row = buildContactRow(ctx, leadId, input, now);
    await insertContacts(trx, [row]);
    await contactsWritten(trx, ctx, [row]);
    await touchLead(trx, leadId, now);
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
  const leadId = first(params, 'lead_id')?.trim();
  const { rows, hasMore } = await listContactRows(ctx.db.kysely, ctx.organizationId, { leadId, ids: parseIdFilter(params) }, page);
  return { data: rows.map(serializeContact), has_more: hasMore };
}

/**
 * `PUT /contact/{id}/`: partial update of name, title, phones, emails, lead_id.
 * @throws CloseError 404, or 400 for bad phones, emails or a foreign lead.
 */
export async function updateContact(ctx: RequestContext, id: string, input: ContactWriteBody): Promise<Record<string, unknown>> {
  return writeTransaction(ctx.db, async (trx) => {
    await lockRows(trx, 'contacts', [id], ctx.organizationId);
    const row = await findContactRow(trx, ctx.organizationId, id);
    if (!row) throw CloseError.notFound(CONTACT_MODEL);
    const { phones, emails, fieldErrors } = normalizeChannels(input);
    if (input.lead_id !== undefined && !(await leadExists(trx, ctx.organizationId, input.lead_id))) fieldErrors.lead = FIELD_TEXT.doesNotExist;
    if (Object.keys(fieldErrors).length) throw CloseError.validation(fieldErrors);
    const patch: Partial<ContactRow> = { updated_by: ctx.userId, date_updated: ctx.now() };
    if (input.name !== undefined) patch.name = input.name;
    if (input.title !== undefined) patch.title = input.title;
    if (phones) patch.phones = JSON.stringify(phones);
    if (emails) patch.emails = JSON.stringify(emails);
    if (input.lead_id !== undefined) patch.lead_id = input.lead_id;
    await updateContactRow(trx, id, patch);
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
    await lockRows(trx, 'contacts', [id], ctx.organizationId);
    const row = await findContactRow(trx, ctx.organizationId, id);
    if (!row) throw CloseError.notFound(CONTACT_MODEL);
    await detachContactFromTasks(trx, ctx, id);
    await deleteContactRow(trx, id);
  });
  return {};
}
