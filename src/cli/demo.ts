/**
 * `tasklane demo`: a fresh database holding a demo organization, two users in
 * different time zones, leads with contacts, the eight seed tasks of Close's
 * documentation imported, lead tasks spread over yesterday, today and next week, and
 * generated tasks made the way Close makes them (issue 3): through the same services
 * the activity and opportunity endpoints call, a missed call, a voicemail, an answered
 * call from an unknown number, an inbound email thread of two emails, a sent email
 * awaiting a follow-up, an inbound SMS and an opportunity due today.
 *
 * The demo organization has the id of the seed example's organization, so the seed
 * tasks are served with the example's values (under D34: every task with its type's
 * keys and current names).
 */
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPgliteUrl, isPostgresUrl, openDb, sqlitePathFromUrl, type Db } from '../db/connect.js';
import { assertNotOwned } from '../db/ownerlock.js';
import { writeTransaction } from '../db/executor.js';
import { emptyTables } from '../db/dialect.js';
import { dataTables } from '../db/admin.repo.js';
import { organizationIds } from '../db/accounts.repo.js';
import { countGeneratedTasksCreatedAt } from '../db/tasks.repo.js';
import { createApiKey, createOrganization, createUser } from '../crm/accounts.js';
import { createLead } from '../crm/leads.js';
import { createTask } from '../tasks/service.js';
import { ianaZone } from '../close/zone.js';
import { MS_PER_DAY, dayString } from '../close/dates.js';
import { todayDayMs } from '../close/localday.js';
import type { RequestContext } from '../context.js';
import { importTaskDump } from '../tasks/importer.js';
import { readDumpFile } from './dumpfile.js';
import { createCall } from '../crm/calls.js';
import { createEmail } from '../crm/emails.js';
import { createSms } from '../crm/sms.js';
import { createOpportunity } from '../crm/opportunities.js';

export const DEMO_ORG_ID = 'orga_RbREgmiiwcr1w2b4cOnCMQaQPSIFxMqAD2Dh243uxcH';
export const SEED_FIXTURE = fileURLToPath(new URL('../../fixtures/seed-task-list.json', import.meta.url));

export interface DemoUser {
  id: string;
  name: string;
  timezone: string;
  api_key: string;
}

export interface DemoResult {
  database: string;
  organization_id: string;
  users: DemoUser[];
  /** All tasks, generated ones included. */
  tasks: number;
  /** Tasks generated from the demo's calls, emails, SMS and opportunity. */
  generated: number;
}

/**
 * Removes an old demo at `url` so the demo starts fresh: a SQLite file is deleted; on
 * PostgreSQL (or a PGlite folder) every row is deleted in one transaction, keeping
 * the schema.
 * @throws Error when the database holds anything but the demo organization (never destroy real data).
 */
async function clearOldDemo(url: string, poolMax?: number): Promise<void> {
  const server = isPostgresUrl(url) || isPgliteUrl(url);
  const path = sqlitePathFromUrl(url);
  if (url === 'pglite:' || (!server && (path === ':memory:' || !existsSync(path)))) return;
  // Never delete the file under a running server (issue 13): it would go on serving a deleted file.
  if (!server) assertNotOwned(resolve(path), 'rebuilding the demo');
  const db = await openDb(url, { poolMax });
  try {
    if ((await organizationIds(db.kysely)).some((id) => id !== DEMO_ORG_ID)) {
      throw new Error(`${db.location} holds data that is not the demo's; choose another database with --db`);
    }
    if (server) {
      const tables = await dataTables(db.kysely);
      await writeTransaction(db, (trx) => emptyTables(db.dialect, trx, tables));
    }
  } finally {
    await db.close();
  }
  if (!server) for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

function ctxFor(db: Db, organizationId: string, user: { id: string; timezone: string }, now: number): RequestContext {
  return { db, organizationId, userId: user.id, apiKeyId: null, zone: ianaZone(user.timezone), now: () => now, requestId: null, requestMethod: null, requestPath: null };
}

/**
 * Builds the demo database at `url` (a SQLite file, `postgres://...` or `pglite:PATH`).
 * @param poolMax most PostgreSQL connections to open (config `DATABASE_POOL_MAX`)
 * @returns what was made, API keys included.
 */
export async function buildDemo(url: string, now: number = Date.now(), poolMax?: number): Promise<DemoResult> {
  await clearOldDemo(url, poolMax);
  const db = await openDb(url, { poolMax });
  try {
    const org = await createOrganization(db.kysely, { id: DEMO_ORG_ID, name: 'Tasklane Demo' }, now);
    const people = [
      { email: 'ann@demo.tasklane.dev', first_name: 'Ann', last_name: 'Lee', timezone: 'America/Los_Angeles' },
      { email: 'kenji@demo.tasklane.dev', first_name: 'Kenji', last_name: 'Sato', timezone: 'Asia/Tokyo' },
    ];
    const users: DemoUser[] = [];
    for (const p of people) {
      const u = await createUser(db.kysely, org.id, p, now);
      const { key } = await createApiKey(db.kysely, org.id, u.id, now);
      users.push({ id: u.id, name: `${p.first_name} ${p.last_name}`, timezone: p.timezone, api_key: key });
    }
    const leads = [
      { name: 'Bluth Company', contacts: [{ name: 'Michael Bluth', title: 'CEO', phones: [{ phone: '+1 415 555 0134', type: 'office' }], emails: [{ email: 'michael@bluth.example', type: 'office' }] }] },
      { name: 'Dunder Mifflin', contacts: [{ name: 'Pam Beesly', title: 'Office Manager', phones: [{ phone: '(570) 555-0187', type: 'office' }], emails: [{ email: 'pam@dundermifflin.example', type: 'office' }] }] },
      { name: 'Nakatomi Trading', contacts: [{ name: 'Joseph Takagi', title: 'President', phones: [{ phone: '+81 3-5555-0100', type: 'office' }] }] },
    ];
    let tasks = 0;
    const leadIds: string[] = [];
    for (const [i, l] of leads.entries()) {
      const owner = users[i % users.length];
      const ctx = ctxFor(db, org.id, owner, now);
      const lead = (await createLead(ctx, l)) as { id: string; contacts: { id: string }[] };
      leadIds.push(lead.id);
      const today = todayDayMs(now, ctx.zone);
      const plan = [
        { text: `Follow up with ${l.contacts[0].name} about the proposal`, date: dayString(today - MS_PER_DAY) },
        { text: `Call ${l.contacts[0].name}`, date: new Date(now + 2 * 3600_000).toISOString() },
        { text: `Send pricing to ${l.name}`, date: dayString(today) },
        { text: `Quarterly review with ${l.name}`, date: dayString(today + 7 * MS_PER_DAY) },
        { text: `Collect feedback from ${l.name}`, date: dayString(today - 2 * MS_PER_DAY), is_complete: true },
      ];
      for (const t of plan) {
        await createTask(ctx, { lead_id: lead.id, contact_id: lead.contacts[0].id, ...t });
        tasks++;
      }
      // One task for the colleague in the other time zone, due tomorrow in their zone.
      const other = users[(i + 1) % users.length];
      const theirTomorrow = dayString(todayDayMs(now, ianaZone(other.timezone)) + MS_PER_DAY);
      await createTask(ctx, { lead_id: lead.id, text: `Introduce ${other.name} to ${l.name}`, assigned_to: other.id, date: theirTomorrow });
      tasks++;
    }
    const summary = await importTaskDump(db, org.id, readDumpFile(SEED_FIXTURE), { now });
    tasks += summary.inserted;
    const generated = await makeGeneratedTasks(db, org.id, users, leadIds, now);
    tasks += generated;
    return { database: db.location, organization_id: org.id, users, tasks, generated };
  } finally {
    await db.close();
  }
}

/**
 * Logs the demo's communications and opportunity through the services behind
 * `/activity/call/`, `/activity/email/`, `/activity/sms/` and `/opportunity/`, so their
 * tasks arise as they do in use (D29, D32).
 * @returns how many generated tasks exist afterwards.
 */
async function makeGeneratedTasks(db: Db, organizationId: string, users: DemoUser[], leadIds: string[], now: number): Promise<number> {
  const [ann, kenji] = users;
  const asAnn = ctxFor(db, organizationId, ann, now);
  const asKenji = ctxFor(db, organizationId, kenji, now);
  const ago = (minutes: number) => new Date(now - minutes * 60_000).toISOString();
  const annLine = '+1 415 555 0100';
  const kenjiLine = '+81 3-5555-0199';

  // Michael Bluth (Bluth Company) called Ann and nobody picked up: missed_call.
  await createCall(asAnn, { direction: 'inbound', status: 'no-answer', phone: '(415) 555-0134', local_phone: annLine, date_created: ago(95) });
  // An unknown caller left Kenji a voicemail: voicemail, on no lead.
  await createCall(asKenji, {
    direction: 'inbound',
    status: 'completed',
    phone: '+1 631-423-8017',
    local_phone: kenjiLine,
    voicemail_duration: 21,
    voicemail_url: 'https://recordings.demo.tasklane.dev/voicemail-1.mp3',
    date_created: ago(80),
  });
  // Ann answered a call from a number on no contact: answered_detached_call.
  await createCall(asAnn, {
    direction: 'inbound',
    status: 'completed',
    duration: 185,
    phone: '650-429-8174',
    local_phone: annLine,
    recording_url: 'https://recordings.demo.tasklane.dev/call-2.mp3',
    date_created: ago(60),
  });
  // Two emails from Michael on one thread: one incoming_email whose emails list holds both.
  for (const [minutes, text] of [
    [50, 'Hi Ann, does your company provide metrics for last quarter?'],
    [20, 'Following up on my question below: we need the numbers by Friday.\n\nThanks, Michael'],
  ] as const) {
    await createEmail(asAnn, {
      status: 'inbox',
      sender: 'Michael Bluth <michael@bluth.example>',
      to: ['ann@demo.tasklane.dev'],
      subject: minutes === 50 ? 'Quarterly metrics' : 'Re: Quarterly metrics',
      body_text: text,
      date_created: ago(minutes),
    });
  }
  // Kenji sent Pam an offer and wants to follow up in two days if she does not answer: email_followup (Future).
  await createEmail(asKenji, {
    status: 'sent',
    sender: 'Kenji Sato <kenji@demo.tasklane.dev>',
    to: ['pam@dundermifflin.example'],
    subject: 'I have an offer for you',
    body_text: "Pam, we can match last year's paper price for another twelve months.\n\nPlease respond if you're interested.",
    followup_date: new Date(now + 2 * 86_400_000).toISOString(),
    date_created: ago(30),
  });
  // Pam texted Kenji's number: incoming_sms (with a picture: MMS).
  await createSms(
    asKenji,
    {
      status: 'inbox',
      remote_phone: '570.555.0187',
      local_phone: kenjiLine,
      text: 'Got your email. Can we talk tomorrow morning?',
      attachments: [{ url: 'https://media.demo.tasklane.dev/mms/photo-1.png', filename: 'photo-1.png', content_type: 'image/png', size: 15148 }],
      date_created: ago(10),
    },
    true,
  );
  // Nakatomi's renewal is expected to close today: opportunity_due, assigned to Ann.
  await createOpportunity(asKenji, {
    lead_id: leadIds[2],
    user_id: ann.id,
    value: 130000,
    value_period: 'one_time',
    note: 'Renewal, two-year term',
    date_won: dayString(todayDayMs(now, asAnn.zone)),
  });
  return countGeneratedTasksCreatedAt(db.kysely, organizationId, now);
}
