/**
 * Migration 0003 (src/db/migrations/0003_generated.ts) on a database that already
 * holds contacts: their phones and emails are copied into the lookups; and the
 * migration is reversible (down, then up again), as are 0004 (inactive memberships) and
 * 0005 (the assignee's date index) and 0009 (the covering list indexes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, sql, type Migration } from 'kysely';
import { openDb, migrate } from '../../src/db/connect.js';
import * as m0001 from '../../src/db/migrations/0001_core.js';
import * as m0002 from '../../src/db/migrations/0002_events.js';
import * as m0003 from '../../src/db/migrations/0003_generated.js';
import * as m0004 from '../../src/db/migrations/0004_memberships.js';
import * as m0005 from '../../src/db/migrations/0005_operations.js';
import * as m0006 from '../../src/db/migrations/0006_lead_open_tasks.js';
import * as m0007 from '../../src/db/migrations/0007_list_indexes.js';
import * as m0008 from '../../src/db/migrations/0008_filter_indexes.js';
import * as m0009 from '../../src/db/migrations/0009_covering_indexes.js';

test('0003 backfills the phone and email lookups of existing contacts, and goes down and up again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tasklane-migration-'));
  const db = await openDb(join(dir, 'old.db'), { migrate: false });
  try {
    const only = (names: Record<string, Migration>) => new Migrator({ db: db.kysely, provider: { getMigrations: async () => names } });
    const first = await only({ '0001_core': m0001 }).migrateToLatest();
    assert.equal(first.error, undefined);
    const t = 1_700_000_000_000;
    await db.kysely.insertInto('organizations').values({ id: 'orga_old', name: 'Old', currency: 'USD', date_created: t, date_updated: t }).execute();
    await db.kysely.insertInto('leads').values({ id: 'lead_old', organization_id: 'orga_old', name: 'Old Lead', description: '', url: null, status_label: 'Potential', created_by: null, updated_by: null, date_created: t, date_updated: t }).execute();
    await db.kysely
      .insertInto('contacts')
      .values({
        id: 'cont_old',
        organization_id: 'orga_old',
        lead_id: 'lead_old',
        name: 'Olde',
        title: '',
        phones: JSON.stringify([{ phone: '+16503334444', phone_formatted: '+1 650-333-4444', type: 'office', country: 'US' }]),
        emails: JSON.stringify([{ email: 'Olde@Old.example', type: 'office', is_unsubscribed: false }]),
        created_by: null,
        updated_by: null,
        date_created: t,
        date_updated: t,
      })
      .execute();
    await migrate(db);
    assert.deepEqual(await db.kysely.selectFrom('contact_phones').selectAll().execute(), [
      { organization_id: 'orga_old', phone_e164: '+16503334444', contact_id: 'cont_old', lead_id: 'lead_old', date_created: t },
    ]);
    assert.deepEqual(await db.kysely.selectFrom('contact_emails').select(['email', 'contact_id']).execute(), [{ email: 'olde@old.example', contact_id: 'cont_old' }]);

    const both = only({ '0001_core': m0001, '0002_events': m0002, '0003_generated': m0003, '0004_memberships': m0004, '0005_operations': m0005, '0006_lead_open_tasks': m0006, '0007_list_indexes': m0007, '0008_filter_indexes': m0008, '0009_covering_indexes': m0009 });
    const down = await both.migrateTo('0002_events');
    assert.equal(down.error, undefined);
    assert.deepEqual(down.results?.map((r) => [r.migrationName, r.direction]), [['0009_covering_indexes', 'Down'], ['0008_filter_indexes', 'Down'], ['0007_list_indexes', 'Down'], ['0006_lead_open_tasks', 'Down'], ['0005_operations', 'Down'], ['0004_memberships', 'Down'], ['0003_generated', 'Down']]);
    assert.ok(!(await db.kysely.introspection.getTables()).find((x) => x.name === 'memberships')!.columns.some((c) => c.name === 'date_deactivated'));
    const taskIndexes = async () => (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'tasks' and sql is not null order by name`.execute(db.kysely)).rows.map((r) => r.name);
    assert.ok(!(await taskIndexes()).some((n) => n.endsWith('_cover')), 'down drops the covering indexes of 0009');
    const tables = (await db.kysely.introspection.getTables()).map((x) => x.name);
    assert.ok(!tables.includes('opportunities') && !tables.includes('contact_phones'));
    assert.ok(!(await db.kysely.introspection.getTables()).find((x) => x.name === 'tasks')!.columns.some((c) => c.name === 'match_key'));
    assert.equal((await db.kysely.selectFrom('contacts').select('id').execute()).length, 1, 'down keeps the core data');
    const up = await both.migrateToLatest();
    assert.equal(up.error, undefined);
    // 0009 replaced three list indexes by covering ones with the same leading columns.
    const after = await taskIndexes();
    for (const n of ['tasks_created_cover', 'tasks_assignee_created_cover', 'tasks_lead_date_cover']) assert.ok(after.includes(n), `${n} in ${after}`);
    for (const n of ['tasks_created', 'tasks_assignee_created', 'tasks_lead_date', 'tasks_lead']) assert.ok(!after.includes(n), `${n} dropped`);
    assert.ok((await db.kysely.introspection.getTables()).find((x) => x.name === 'memberships')!.columns.some((c) => c.name === 'date_deactivated'));
    assert.equal((await db.kysely.selectFrom('contact_phones').selectAll().execute()).length, 1);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
