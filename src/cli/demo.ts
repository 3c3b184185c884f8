/**
 * `tasklane demo`: a fresh database holding a demo organization, two users in
 * different time zones, leads with contacts, the eight seed tasks of Close's
 * documentation imported, and lead tasks spread over yesterday, today and next week.
 *
 * The demo organization has the id of the seed example's organization, so the seed
 * tasks are served exactly as the example shows them.
 */
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isPgliteUrl, isPostgresUrl, openDb, sqlitePathFromUrl, type Db } from '../db/connect.js';
import { createApiKey, createOrganization, createUser } from '../crm/accounts.js';
import { createLead } from '../crm/leads.js';
import { createTask } from '../tasks/service.js';
import { ianaZone } from '../close/zone.js';
import { MS_PER_DAY, dayString } from '../close/dates.js';
import { todayDayMs } from '../tasks/time.js';
import type { RequestContext } from '../context.js';
import { importTaskDump } from '../tasks/importer.js';
import { readDumpFile } from './dumpfile.js';

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
  tasks: number;
}

/** Tables in an order that deleting them one by one never breaks a foreign key. */
const DEMO_TABLES = ['activities', 'tasks', 'contacts', 'leads', 'api_keys', 'memberships', 'users', 'organizations'] as const;

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
  const db = await openDb(url, { poolMax });
  try {
    const orgs = await db.kysely.selectFrom('organizations').select('id').execute();
    if (orgs.some((o) => o.id !== DEMO_ORG_ID)) {
      throw new Error(`${db.location} holds data that is not the demo's; choose another database with --db`);
    }
    if (server) {
      await db.kysely.transaction().execute(async (trx) => {
        for (const t of DEMO_TABLES) await trx.deleteFrom(t).execute();
      });
    }
  } finally {
    await db.close();
  }
  if (!server) for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

function ctxFor(db: Db, organizationId: string, user: { id: string; timezone: string }, now: number): RequestContext {
  return { db, organizationId, userId: user.id, apiKeyId: null, zone: ianaZone(user.timezone), now: () => now };
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
      { name: 'Dunder Mifflin', contacts: [{ name: 'Pam Beesly', title: 'Office Manager', phones: [{ phone: '(570) 555-0187', type: 'office' }] }] },
      { name: 'Nakatomi Trading', contacts: [{ name: 'Joseph Takagi', title: 'President', phones: [{ phone: '+81 3-5555-0100', type: 'office' }] }] },
    ];
    let tasks = 0;
    for (const [i, l] of leads.entries()) {
      const owner = users[i % users.length];
      const ctx = ctxFor(db, org.id, owner, now);
      const lead = (await createLead(ctx, l)) as { id: string; contacts: { id: string }[] };
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
      // One task for the colleague in the other time zone.
      const other = users[(i + 1) % users.length];
      await createTask(ctx, { lead_id: lead.id, text: `Introduce ${other.name} to ${l.name}`, assigned_to: other.id, date: dayString(today + MS_PER_DAY) });
      tasks++;
    }
    const summary = await importTaskDump(db, org.id, readDumpFile(SEED_FIXTURE), { now });
    tasks += summary.inserted;
    return { database: db.location, organization_id: org.id, users, tasks };
  } finally {
    await db.close();
  }
}
