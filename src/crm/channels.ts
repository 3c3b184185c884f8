/**
 * Finding a contact (and its lead) by phone number or email address (issue 3:
 * "a call or SMS from a number finds its contact and lead").
 *
 * The lookups `contact_phones` (E.164) and `contact_emails` (lower-cased) are kept in
 * step with contacts by `contactsWritten`, called in the same transaction as every
 * contact insert or update; deleting a contact removes its rows by cascade. A number
 * in national, E.164 or messy form (`(650) 333-4444`, `650.333.4444`,
 * `+1 650 333 4444`) is parsed by libphonenumber before the lookup, so all find the
 * same contact.
 *
 * When several contacts share a number or address, the one on the lead the caller
 * named wins; otherwise the oldest contact.
 */
import type { RequestContext } from '../context.js';
import type { ContactRow } from '../db/schema.js';
import type { Executor } from '../db/executor.js';
import { contactsByEmail, contactsByPhone, replaceContactChannels, type ContactRef } from '../db/contacts.repo.js';
import { attachDetachedActivities } from '../db/activities.repo.js';
import { findTaskRows } from '../db/tasks.repo.js';
import { parsePhone } from '../close/phones.js';
import { contactPhoneEffects } from '../tasks/generated/calls.js';
import { phoneKey } from '../tasks/generated/rules.js';
import { applyTaskEffects, openKnownTasks } from '../tasks/effects.js';

export type { ContactRef };

/**
 * The address inside an email header value: `"John Smith" <john@acme.test>` ->
 * `john@acme.test`; a bare address is returned trimmed. Lower-cased.
 * @returns the address, or null when there is none.
 */
export function emailAddressOf(text: string | null | undefined): string | null {
  if (!text) return null;
  const m = /<([^<>\s]+@[^<>\s]+)>/.exec(text);
  const addr = (m ? m[1] : text).trim().toLowerCase();
  return /^[^@\s]+@[^@\s]+$/.test(addr) ? addr : null;
}

function phonesOf(c: ContactRow): string[] {
  const out = new Set<string>();
  for (const p of JSON.parse(c.phones) as { phone?: unknown }[]) {
    if (typeof p.phone !== 'string') continue;
    const info = parsePhone(p.phone);
    out.add(info ? info.e164 : p.phone);
  }
  return [...out];
}

function emailsOf(c: ContactRow): string[] {
  const out = new Set<string>();
  for (const e of JSON.parse(c.emails) as { email?: unknown }[]) {
    const a = typeof e.email === 'string' ? emailAddressOf(e.email) : null;
    if (a) out.add(a);
  }
  return [...out];
}

/**
 * Rewrites the lookup rows of contacts just inserted or updated, then attaches their
 * numbers: open `answered_detached_call` tasks of any of those numbers complete and
 * take the contact and its lead, and so do their calls (D30). Runs in the caller's
 * transaction.
 */
export async function contactsWritten(ex: Executor, ctx: RequestContext, contacts: ContactRow[]): Promise<void> {
  for (const c of contacts) {
    const phones = phonesOf(c);
    await replaceContactChannels(ex, c, phones, emailsOf(c), Number(c.date_created) || ctx.now());
    for (const phone of phones) {
      const detached = await openKnownTasks(ex, ctx, phoneKey(phone), ['answered_detached_call']);
      if (!detached.length) continue;
      await applyTaskEffects(ex, ctx, contactPhoneEffects({ id: c.id, lead_id: c.lead_id }, detached, ctx.userId));
      // The detached calls themselves now belong to the contact's lead.
      const tasks = await findTaskRows(ex, ctx.organizationId, detached.map((t) => t.id));
      const callIds = tasks.flatMap((t) => (t.object_id ? [t.object_id] : []));
      await attachDetachedActivities(ex, ctx.organizationId, callIds, c.lead_id, c.id, ctx.now());
    }
  }
}

/**
 * The contact whose phones include `e164`, in the organization.
 * @param preferLeadId a lead whose contact wins over others with the same number
 */
export async function findContactByPhone(ex: Executor, organizationId: string, e164: string, preferLeadId?: string | null): Promise<ContactRef | null> {
  const rows = await contactsByPhone(ex, organizationId, e164);
  return rows.find((r) => r.lead_id === preferLeadId) ?? rows[0] ?? null;
}

/**
 * The lead and contact of an activity with the number `e164`: the ones the body named;
 * else, when no contact was named, the contact the number belongs to, provided it is
 * on the named lead or no lead was named.
 */
export async function refsOfNumber(
  ex: Executor,
  organizationId: string,
  named: { lead_id?: string | null; contact_id?: string | null },
  e164: string | null,
): Promise<{ leadId: string | null; contactId: string | null }> {
  const leadId = named.lead_id ?? null;
  const contactId = named.contact_id ?? null;
  if (!e164 || contactId) return { leadId, contactId };
  const found = await findContactByPhone(ex, organizationId, e164, leadId);
  if (found && (!leadId || found.lead_id === leadId)) return { leadId: found.lead_id, contactId: found.contact_id };
  return { leadId, contactId };
}

/**
 * The contact whose emails include `address` (any case, or a `Name <address>` form), in the organization.
 * @param preferLeadId a lead whose contact wins over others with the same address
 */
export async function findContactByEmail(ex: Executor, organizationId: string, address: string, preferLeadId?: string | null): Promise<ContactRef | null> {
  const a = emailAddressOf(address);
  if (!a) return null;
  const rows = await contactsByEmail(ex, organizationId, a);
  return rows.find((r) => r.lead_id === preferLeadId) ?? rows[0] ?? null;
}
