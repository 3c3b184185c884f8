/**
 * Migration 0003: what generated tasks need (issue 3; decisions D29, D30).
 *
 * - `opportunities`: Close's opportunity object (reference §13.6). Money in minor
 *   units (`value`, cents for USD), `date_won_day` is the expected close date as UTC
 *   midnight ms of that calendar day (a date, D18), `date_lost` an instant.
 * - `contact_phones` / `contact_emails`: normalized lookups kept in step with
 *   contacts (create, update, delete; rows go with their contact by cascade), so a
 *   call or SMS from a number in any format, or an email from an address, finds its
 *   contact and lead. Phones are E.164, emails lower-cased.
 * - `tasks.match_key`: what automatic completion (D30) matches on:
 *   `phone:+16503334444` for call and SMS tasks, `thread:acti_…` for email tasks,
 *   `opportunity:oppo_…` for `opportunity_due`. Null for lead and outgoing_call tasks.
 * - `activities.thread_id`: the email thread an `Email` activity belongs to.
 *
 * Calls, emails, email threads and SMS are rows of the existing `activities` table
 * (type `Call`, `Email`, `EmailThread`, `SMS`; type-specific fields in `data`).
 *
 * Existing contacts are copied into the lookups. Written with Kysely's schema
 * builder so it runs on SQLite and PostgreSQL.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('opportunities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('lead_id', 'text', (c) => c.notNull().references('leads.id').onDelete('cascade'))
    .addColumn('contact_id', 'text')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('status_type', 'text', (c) => c.notNull())
    .addColumn('value', 'bigint')
    .addColumn('value_currency', 'text', (c) => c.notNull())
    .addColumn('value_period', 'text', (c) => c.notNull())
    .addColumn('confidence', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('date_won_day', 'bigint')
    .addColumn('date_lost', 'bigint')
    .addColumn('created_by', 'text')
    .addColumn('updated_by', 'text')
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addColumn('date_updated', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('opportunities_org_created').on('opportunities').columns(['organization_id', 'date_created', 'id']).execute();
  await db.schema.createIndex('opportunities_lead').on('opportunities').columns(['lead_id']).execute();

  await db.schema
    .createTable('contact_phones')
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('phone_e164', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('lead_id', 'text', (c) => c.notNull())
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_phones_pk', ['contact_id', 'phone_e164'])
    .execute();
  await db.schema.createIndex('contact_phones_lookup').on('contact_phones').columns(['organization_id', 'phone_e164']).execute();

  await db.schema
    .createTable('contact_emails')
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('lead_id', 'text', (c) => c.notNull())
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_emails_pk', ['contact_id', 'email'])
    .execute();
  await db.schema.createIndex('contact_emails_lookup').on('contact_emails').columns(['organization_id', 'email']).execute();

  await db.schema.alterTable('tasks').addColumn('match_key', 'text').execute();
  await db.schema.createIndex('tasks_match').on('tasks').columns(['organization_id', 'match_key', 'is_complete']).execute();
  await db.schema.createIndex('tasks_object').on('tasks').columns(['object_id']).execute();

  await db.schema.alterTable('activities').addColumn('thread_id', 'text').execute();
  await db.schema.createIndex('activities_thread').on('activities').columns(['thread_id']).execute();

  // Backfill the lookups from the contacts that exist (phones are stored E.164 already).
  const contacts = await db.selectFrom('contacts').select(['id', 'organization_id', 'lead_id', 'phones', 'emails', 'date_created']).execute();
  for (const c of contacts) {
    const phones = new Set<string>();
    const emails = new Set<string>();
    try {
      for (const p of JSON.parse(c.phones) as { phone?: unknown }[]) if (typeof p.phone === 'string') phones.add(p.phone);
      for (const e of JSON.parse(c.emails) as { email?: unknown }[]) if (typeof e.email === 'string') emails.add(e.email.toLowerCase());
    } catch {
      continue; // a contact whose JSON does not parse has no channels to index
    }
    for (const phone_e164 of phones) {
      await db.insertInto('contact_phones').values({ organization_id: c.organization_id, phone_e164, contact_id: c.id, lead_id: c.lead_id, date_created: c.date_created }).execute();
    }
    for (const email of emails) {
      await db.insertInto('contact_emails').values({ organization_id: c.organization_id, email, contact_id: c.id, lead_id: c.lead_id, date_created: c.date_created }).execute();
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('activities_thread').ifExists().execute();
  await db.schema.alterTable('activities').dropColumn('thread_id').execute();
  await db.schema.dropIndex('tasks_object').ifExists().execute();
  await db.schema.dropIndex('tasks_match').ifExists().execute();
  await db.schema.alterTable('tasks').dropColumn('match_key').execute();
  for (const t of ['contact_emails', 'contact_phones', 'opportunities']) await db.schema.dropTable(t).ifExists().execute();
}
