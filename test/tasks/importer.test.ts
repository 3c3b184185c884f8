/**
 * Importing Close task dumps: the seed example is served exactly; a second run changes
 * nothing; a bad record stops the import with its index and keeps nothing; the CLI
 * does the same from a file.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { harness, basic, type Harness } from '../support/helpers.js';
import { createApiKey, createOrganization, createUser } from '../../src/crm/accounts.js';
import { ImportError, importTaskDump, type DumpRecord } from '../../src/tasks/importer.js';
import { buildApp } from '../../src/server/app.js';
import { readDumpFile } from '../../src/cli/dumpfile.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixturePath = join(root, 'fixtures', 'seed-task-list.json');
const fixture = JSON.parse(readFileSync(fixturePath, 'utf8')) as { data: Record<string, unknown>[]; has_more: boolean };
const SEED_ORG = fixture.data[0].organization_id as string;
const records = (data: unknown[]): DumpRecord[] => data.map((value, index) => ({ index, value }));

let h: Harness;
let key: string;
before(async () => {
  h = await harness({ now: Date.parse('2026-03-10T12:00:00Z') });
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  await createOrganization(h.db.kysely, { id: SEED_ORG, name: 'Seed' }, t0);
  const u = await createUser(h.db.kysely, SEED_ORG, { email: 'importer@seed.test', first_name: 'Imp', last_name: 'Orter' }, t0);
  key = (await createApiKey(h.db.kysely, SEED_ORG, u.id, t0)).key;
});
after(() => h.close());

async function counts() {
  const n = async (t: 'tasks' | 'users' | 'leads' | 'contacts' | 'memberships') =>
    Number((await h.db.kysely.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { tasks: await n('tasks'), users: await n('users'), leads: await n('leads'), contacts: await n('contacts'), memberships: await n('memberships') };
}

test('the seed dump imports and GET /task/?_type=all serves all eight tasks exactly as the file', async () => {
  const summary = await importTaskDump(h.db, SEED_ORG, readDumpFile(fixturePath), { now: Date.parse('2026-03-01T00:00:00Z') });
  assert.deepEqual(summary, { records: 8, inserted: 8, skipped: 0, users: 3, leads: 5, contacts: 4 });
  const r = await h.app.inject({ method: 'GET', url: '/api/v1/task/?_type=all&_limit=100', headers: { authorization: basic(key) } });
  assert.equal(r.statusCode, 200);
  const served = JSON.parse(r.body) as { data: Record<string, unknown>[]; has_more: boolean };
  assert.equal(served.has_more, false);
  assert.equal(served.data.length, 8);
  const byId = new Map(served.data.map((t) => [t.id, t]));
  for (const expected of fixture.data) {
    const got = byId.get(expected.id);
    assert.ok(got, `missing ${expected.id}`);
    // Same keys, in the same (sorted) order, with the same values; view is computed now and agrees.
    assert.deepEqual(Object.keys(got), Object.keys(expected), `${expected._type} keys`);
    assert.deepEqual(got, expected, `${expected._type} values`);
  }
  // Each one also fetches singly, exactly.
  for (const expected of fixture.data) {
    const one = await h.app.inject({ method: 'GET', url: `/api/v1/task/${expected.id}/`, headers: { authorization: basic(key) } });
    assert.deepEqual(JSON.parse(one.body), expected);
  }
  // lead_id= (empty) means IS NULL (D12): the two calls from unknown numbers.
  const noLead = JSON.parse((await h.app.inject({ method: 'GET', url: '/api/v1/task/?_type=all&lead_id=', headers: { authorization: basic(key) } })).body);
  assert.deepEqual(noLead.data.map((t: { _type: string }) => t._type).sort(), ['answered_detached_call', 'voicemail']);
  // A date stays a date whatever the zone (D18).
  for (const offset of ['14', '-12', '5.5']) {
    const sms = JSON.parse((await h.app.inject({ method: 'GET', url: '/api/v1/task/?_type=incoming_sms', headers: { authorization: basic(key), 'x-tz-offset': offset } })).body);
    assert.equal(sms.data[0].date, '2016-09-21');
  }
  // Without _type only the lead task is listed (D10).
  const leadsOnly = JSON.parse((await h.app.inject({ method: 'GET', url: '/api/v1/task/', headers: { authorization: basic(key) } })).body);
  assert.deepEqual(leadsOnly.data.map((t: { _type: string }) => t._type), ['lead']);
});

test('importing the same file again changes nothing', async () => {
  const before = await counts();
  const snapshot = await h.db.kysely.selectFrom('tasks').selectAll().orderBy('id').execute();
  const summary = await importTaskDump(h.db, SEED_ORG, records(fixture.data), { now: Date.parse('2026-03-05T00:00:00Z') });
  assert.deepEqual(summary, { records: 8, inserted: 0, skipped: 8, users: 0, leads: 0, contacts: 0 });
  assert.deepEqual(await counts(), before);
  assert.deepEqual(await h.db.kysely.selectFrom('tasks').selectAll().orderBy('id').execute(), snapshot);
});

test('a bad record stops the import with its index and reason, and nothing of the file is kept', async () => {
  const before = await counts();
  const fresh = fixture.data.map((t, i) => ({ ...t, id: `task_freshImport${i}` }));
  const cases: [unknown, RegExp][] = [
    [{ ...fresh[5], date: 'someday' }, /date must be/],
    [{ ...fresh[5], _type: 'meeting' }, /unknown _type/],
    [{ ...fresh[5], is_complete: 'no' }, /is_complete must be true or false/],
    ['not an object', /not a JSON object/],
    [{ ...fresh[5], id: 'oops' }, /id must be a task_ or noti_ id/],
    [{ ...fresh[5], assigned_to: null }, /assigned_to is required/],
  ];
  for (const [bad, reason] of cases) {
    const data = [...fresh.slice(0, 5), bad, ...fresh.slice(6)];
    await assert.rejects(
      importTaskDump(h.db, SEED_ORG, records(data), { now: Date.now() }),
      (e: unknown) => e instanceof ImportError && e.index === 5 && reason.test(e.reason),
    );
    assert.deepEqual(await counts(), before, 'nothing kept');
  }
  // A task id that another organization owns is refused too.
  const other = await createOrganization(h.db.kysely, { name: 'Elsewhere' }, Date.now());
  await assert.rejects(importTaskDump(h.db, other.id, records(fixture.data), { now: Date.now() }), (e: unknown) => e instanceof ImportError && e.index === 0);
  assert.deepEqual(await counts(), before);
});

test('a whole task object read back and PUT with a change works; other types keep their text (D2, D21)', async () => {
  const auth = { authorization: basic(key), 'content-type': 'application/json' };
  const sms = fixture.data.find((t) => t._type === 'incoming_sms')!;
  const put = await h.app.inject({ method: 'PUT', url: `/api/v1/task/${sms.id}/`, headers: auth, payload: JSON.stringify({ ...sms, is_complete: true }) });
  assert.equal(put.statusCode, 200, put.body);
  const done = JSON.parse(put.body);
  assert.equal(done.view, 'archive');
  assert.equal(done.text, sms.text);
  assert.equal(done.object_type, 'sms', 'generated tasks keep pointing at their activity');
  const edit = await h.app.inject({ method: 'PUT', url: `/api/v1/task/${sms.id}/`, headers: auth, payload: JSON.stringify({ text: 'rewritten' }) });
  assert.equal(edit.statusCode, 400);
  const back = await h.app.inject({ method: 'PUT', url: `/api/v1/task/${sms.id}/`, headers: auth, payload: JSON.stringify({ is_complete: false }) });
  assert.equal(JSON.parse(back.body).view, 'inbox');
});

test('a dump imported into another organization keeps everything but the organization', async () => {
  const org = await createOrganization(h.db.kysely, { name: 'Copy' }, Date.now());
  const u = await createUser(h.db.kysely, org.id, { email: 'copy@copy.test', first_name: 'Co', last_name: 'Py' }, Date.now());
  const k = (await createApiKey(h.db.kysely, org.id, u.id, Date.now())).key;
  const renamed: Record<string, unknown>[] = fixture.data.map((t) => ({ ...t, id: String(t.id) + 'Copy', lead_id: t.lead_id ? String(t.lead_id) + 'Copy' : null, contact_id: t.contact_id ? String(t.contact_id) + 'Copy' : null }));
  await importTaskDump(h.db, org.id, records(renamed), { now: Date.now() });
  const app = await buildApp({ db: h.db, clock: () => Date.parse('2026-03-10T12:00:00Z') });
  const served = JSON.parse((await app.inject({ method: 'GET', url: '/api/v1/task/?_type=all', headers: { authorization: basic(k) } })).body).data;
  await app.close();
  assert.equal(served.length, 8);
  for (const t of served) {
    const src = renamed.find((r) => r.id === t.id)!;
    assert.deepEqual({ ...t, organization_id: src.organization_id }, src);
  }
});

test('tasklane import from the command line: JSON summary, and a clear error for a bad file', () => {
  const dbFile = join(h.dir, 'cli.db');
  const run = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin', 'tasklane.js'), ...args, '--db', dbFile], { encoding: 'utf8' });
  const org = run('org', 'create', '--name', 'CLI', '--id', SEED_ORG, '--json');
  assert.equal(org.status, 0, org.stderr);
  assert.deepEqual(JSON.parse(org.stdout), { id: SEED_ORG, name: 'CLI' });
  const ok = run('import', fixturePath, '--org', SEED_ORG, '--json');
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).inserted, 8);
  const again = run('import', fixturePath, '--org', SEED_ORG, '--json');
  assert.equal(JSON.parse(again.stdout).inserted, 0);
  const badFile = join(h.dir, 'bad.json');
  writeFileSync(badFile, JSON.stringify([fixture.data[0], { ...fixture.data[1], id: 'noti_new', date_created: 'yesterday' }]));
  const bad = run('import', badFile, '--org', SEED_ORG);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /record 1: date_created must be an ISO 8601 date-time/);
  assert.match(bad.stderr, /nothing was imported/);
  const notJson = join(h.dir, 'not.json');
  writeFileSync(notJson, 'hello');
  assert.equal(run('import', notJson, '--org', SEED_ORG).status, 1);
  assert.equal(run('import', fixturePath, '--org', 'orga_missing').status, 1);
});

test('large dumps stream: 20,000 records as a bare array', async () => {
  const org = await createOrganization(h.db.kysely, { name: 'Big' }, Date.now());
  const template = fixture.data[0];
  const big = Array.from({ length: 20_000 }, (_, i) => ({ ...template, id: `task_big${i}`, lead_id: `lead_big${i % 50}`, text: `Task ${i}` }));
  const file = join(h.dir, 'big.json');
  writeFileSync(file, JSON.stringify(big));
  const summary = await importTaskDump(h.db, org.id, readDumpFile(file), { now: Date.now() });
  assert.equal(summary.inserted, 20_000);
  assert.equal(summary.leads, 50);
});
