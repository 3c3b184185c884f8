/**
 * Importing Close task dumps: the seed example is served as D34 has it (the file's
 * values, with the keys of each type and current names); a second run changes
 * nothing; a bad record stops the import with its index and keeps nothing; a record
 * lacking keys gets a new task's values; the CLI does the same from a file.
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
import { taskKeysOf } from '../../src/tasks/serialize.js';
import { openDb } from '../../src/db/connect.js';
import { BULK_LOAD_MIN_ROWS } from '../../src/db/bulkload.js';
import { sql } from 'kysely';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixturePath = join(root, 'fixtures', 'seed-task-list.json');
const fixture = JSON.parse(readFileSync(fixturePath, 'utf8')) as { data: Record<string, unknown>[]; has_more: boolean };
const SEED_ORG = fixture.data[0].organization_id as string;
const records = (data: unknown[]): DumpRecord[] => data.map((value, index) => ({ index, value }));
const sortKeys = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

/**
 * What Tasklane serves for a task of the seed file under D34. Three things differ
 * from the file, all three because a task's keys depend on its type alone and names
 * are current:
 * - every task also carries `priority` and `resolution` (null: the file sets neither);
 * - the lead task also carries `due_date`, equal to its `date` (it is not dateless),
 *   as every lead task does;
 * - the opportunity_due task's `created_by_name` is the user's current name, "John
 *   Doe" (the first name the file gives user_N6Kh...), where the file shows "Stefan
 *   Wojcik" for the same user.
 */
function servedUnderD34(t: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...t, priority: null, resolution: null };
  if (t._type === 'lead') out.due_date = t.is_dateless ? null : t.date;
  if (t._type === 'opportunity_due') out.created_by_name = 'John Doe';
  return sortKeys(out);
}

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

test('the seed dump imports and GET /task/?_type=all serves all eight tasks with the file\'s values under D34', async () => {
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
    // The keys of its type (sorted), the file's values but for the three D34 differences; view is computed now and agrees.
    assert.deepEqual(Object.keys(got), taskKeysOf(String(expected._type)), `${expected._type} keys`);
    assert.deepEqual(got, servedUnderD34(expected), `${expected._type} values`);
  }
  // Each one also fetches singly, the same.
  for (const expected of fixture.data) {
    const one = await h.app.inject({ method: 'GET', url: `/api/v1/task/${expected.id}/`, headers: { authorization: basic(key) } });
    assert.deepEqual(JSON.parse(one.body), servedUnderD34(expected));
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

test('D34: an imported task lacking keys gets a new task\'s values, keeps the values it has, and has exactly its type\'s keys', async () => {
  const org = await createOrganization(h.db.kysely, { name: 'Sparse' }, Date.now());
  const u = await createUser(h.db.kysely, org.id, { email: 'sparse@sparse.test', first_name: 'Spa', last_name: 'Rse' }, Date.now());
  const k = (await createApiKey(h.db.kysely, org.id, u.id, Date.now())).key;
  const base = { assigned_to: u.id, date_created: '2026-03-01T10:00:00+00:00', lead_id: 'lead_sparse1', lead_name: 'Sparse Co' };
  const dump = [
    // No view, text, is_dateless, due_date, names or object fields; a key lead tasks do not have.
    { ...base, id: 'task_sparseLead', _type: 'lead', date: '2026-03-10', favourite_colour: 'blue' },
    // An outgoing_call without text, and one with (its text is kept; the API cannot set one, D21).
    { ...base, id: 'task_sparseCall1', _type: 'outgoing_call', date: '2026-03-12' },
    { ...base, id: 'task_sparseCall2', _type: 'outgoing_call', date: '2026-03-12', text: 'Call about the renewal', is_dateless: true },
    // A missed call with its phone but without phone_formatted and description; its priority set.
    { ...base, id: 'noti_sparseMissed', _type: 'missed_call', date: '2026-03-09T08:00:00+00:00', phone: '+16503334444', priority: 'high' },
  ];
  await importTaskDump(h.db, org.id, records(dump), { now: Date.now() });
  const get = async (id: string) => JSON.parse((await h.app.inject({ method: 'GET', url: `/api/v1/task/${id}/`, headers: { authorization: basic(k) } })).body);
  const lead = await get('task_sparseLead');
  const call1 = await get('task_sparseCall1');
  const call2 = await get('task_sparseCall2');
  const missed = await get('noti_sparseMissed');
  // Exactly the type's keys: the same as a task of that type made through the API.
  const auth = { authorization: basic(k), 'content-type': 'application/json' };
  const made = async (body: Record<string, unknown>) =>
    JSON.parse((await h.app.inject({ method: 'POST', url: '/api/v1/task/', headers: auth, payload: JSON.stringify({ lead_id: 'lead_sparse1', ...body }) })).body);
  assert.deepEqual(Object.keys(lead), Object.keys(await made({ text: 'x', date: '2026-03-10' })));
  assert.deepEqual(Object.keys(call1), Object.keys(await made({ _type: 'outgoing_call', date: '2026-03-12' })));
  assert.deepEqual(Object.keys(call2), Object.keys(call1));
  assert.deepEqual(Object.keys(missed), taskKeysOf('missed_call'));
  // view is always there, computed for the reader (2026-03-10 12:00 UTC).
  assert.deepEqual([lead.view, call1.view, missed.view], ['inbox', 'future', 'inbox']);
  // What a new task would have where the file is silent...
  assert.deepEqual(
    { text: lead.text, is_dateless: lead.is_dateless, due_date: lead.due_date, priority: lead.priority, resolution: lead.resolution, object_type: lead.object_type, contact_id: lead.contact_id, created_by_name: lead.created_by_name },
    { text: '', is_dateless: false, due_date: '2026-03-10', priority: null, resolution: null, object_type: null, contact_id: null, created_by_name: null },
  );
  assert.equal(lead.assigned_to_name, 'Spa Rse', 'names are current names');
  assert.equal('favourite_colour' in lead, false, 'a key the type does not have is dropped');
  assert.deepEqual([call1.text, call2.text], [null, 'Call about the renewal'], 'an outgoing_call has text: null as when made, or the text the file has');
  assert.deepEqual([call2.is_dateless, call2.due_date], [true, null], 'values the file has are kept');
  assert.deepEqual([missed.phone_formatted, missed.phone_number_description, missed.local_phone], [null, null, null]);
  // ...and the values it has, kept.
  assert.deepEqual([missed.phone, missed.priority, missed.date], ['+16503334444', 'high', '2026-03-09T08:00:00+00:00']);
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
    assert.deepEqual({ ...t, organization_id: src.organization_id }, servedUnderD34(src));
  }
});

test('tasklane import from the command line: JSON summary, and a clear error naming the file for a bad one', async () => {
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
  const hello = run('import', notJson, '--org', SEED_ORG);
  assert.equal(hello.status, 1);
  assert.match(hello.stderr, /not\.json: not a task list; expected a JSON array of tasks, or an object with a "data" array of tasks/);
  // JSON that is not a task list is an error naming what was expected, not "0 tasks imported".
  const foo = join(h.dir, 'foo.json');
  writeFileSync(foo, '{"foo": 1}');
  const fooRun = run('import', foo, '--org', SEED_ORG);
  assert.equal(fooRun.status, 1);
  assert.match(fooRun.stderr, /foo\.json: the object has no "data" key; expected a JSON array of tasks, or an object with a "data" array of tasks/);
  const dataNotList = join(h.dir, 'data5.json');
  writeFileSync(dataNotList, '{"data": 5, "has_more": false}');
  assert.match(run('import', dataNotList, '--org', SEED_ORG).stderr, /data5\.json: "data" is not a list of tasks/);
  // A truncated file names the file and where it stops, and keeps nothing of what came before.
  const truncated = join(h.dir, 'truncated.json');
  const full = JSON.stringify({ data: [{ ...fixture.data[0], id: 'task_beforeTheCut' }, fixture.data[1]] }, null, 2);
  writeFileSync(truncated, full.slice(0, full.indexOf('"missed_call"') + 5));
  const cut = run('import', truncated, '--org', SEED_ORG);
  assert.equal(cut.status, 1);
  const lines = full.slice(0, full.indexOf('"missed_call"') + 5).split('\n');
  assert.match(cut.stderr, new RegExp(`truncated\\.json: not valid JSON, it ends at line ${lines.length}, column ${lines.at(-1)!.length + 1} before the JSON is complete \\(is the file truncated\\?\\)`));
  assert.match(cut.stderr, /nothing was imported/);
  const cliDb = await openDb(dbFile);
  try {
    assert.deepEqual(await cliDb.kysely.selectFrom('tasks').select('id').where('id', '=', 'task_beforeTheCut').execute(), []);
  } finally {
    await cliDb.close();
  }
  // A break in the middle names its line and column.
  const broken = join(h.dir, 'broken.json');
  writeFileSync(broken, '[\n  {"id": "task_x"}\n  {"id": "task_y"}\n]');
  assert.match(run('import', broken, '--org', SEED_ORG).stderr, /broken\.json: not valid JSON, at line 3, column 3 \(expected ',' or ']'\)/);
  // Where V8 names no position, the reader's own: line and column, counting characters.
  const trailing = join(h.dir, 'trailing.json');
  writeFileSync(trailing, '[\n  {"id": "task_x", "text": "😀😀"},\n]');
  assert.match(run('import', trailing, '--org', SEED_ORG).stderr, /trailing\.json: not valid JSON, at line 3, column 1 \(expected a task\)/);
  const badKey = join(h.dir, 'badkey.json');
  writeFileSync(badKey, '{"a\\x": 1, "data": []}');
  assert.match(run('import', badKey, '--org', SEED_ORG).stderr, /badkey\.json: not valid JSON, at line 1, column 5 \(a key is not valid JSON: .*\); nothing was imported/);
  const twice = join(h.dir, 'twice.json');
  writeFileSync(twice, JSON.stringify({ data: [fixture.data[0]] }).replace(/}$/, ', "data": []}'));
  assert.match(run('import', twice, '--org', SEED_ORG).stderr, /twice\.json: the object has more than one "data" key/);
  // Bytes that are not UTF-8 are refused, not read as U+FFFD.
  const latin1 = join(h.dir, 'latin1.json');
  writeFileSync(latin1, Buffer.concat([Buffer.from('[{"id": "task_latin1", "text": "caf'), Buffer.from([0xe9]), Buffer.from('"}]')]));
  assert.match(run('import', latin1, '--org', SEED_ORG).stderr, /latin1\.json: not UTF-8 text .*; nothing was imported/);
  // A value nested deeper than it can be stored again stops the import at its record.
  const deep = join(h.dir, 'deep.json');
  const missed = fixture.data.find((t) => t._type === 'missed_call')!;
  writeFileSync(deep, `[${JSON.stringify({ ...missed, id: 'noti_deep', phone_number_description: null }).replace('"phone_number_description":null', `"phone_number_description":${'['.repeat(20000)}${']'.repeat(20000)}`)}]`);
  const deepRun = run('import', deep, '--org', SEED_ORG);
  assert.match(deepRun.stderr, /deep\.json: import stopped at record 0: a field value is nested too deeply; nothing was imported/);
  assert.match(run('import', join(h.dir, 'missing.json'), '--org', SEED_ORG).stderr, /missing\.json: no such file/);
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

test('a large import loads without its indexes and builds them again: same pages, the same indexes, and a failure keeps nothing', async () => {
  const org = await createOrganization(h.db.kysely, { name: 'Bulk' }, Date.now());
  const u = await createUser(h.db.kysely, org.id, { email: 'bulk@bulk.test', first_name: 'Bu', last_name: 'Lk' }, Date.now());
  const k = (await createApiKey(h.db.kysely, org.id, u.id, Date.now())).key;
  const indexes = async () =>
    h.db.dialect === 'sqlite'
      ? (await sql`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks' ORDER BY name`.execute(h.db.kysely)).rows
      : (await sql`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tasks' ORDER BY indexname`.execute(h.db.kysely)).rows;
  const journal = async () => (h.db.dialect === 'sqlite' ? (await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(h.db.kysely)).rows[0].journal_mode : 'n/a');
  const before = await indexes();
  const journalBefore = await journal();
  assert.ok(before.length >= 10);
  if (h.db.dialect === 'sqlite') assert.equal(journalBefore, 'wal');
  const template = fixture.data[0];
  const n = BULK_LOAD_MIN_ROWS + 500;
  const day = Date.parse('2026-03-01T00:00:00Z');
  const big = Array.from({ length: n }, (_, i) => ({
    ...template,
    id: `task_bulk${String(i).padStart(6, '0')}`,
    assigned_to: u.id,
    lead_id: `lead_bulk${i % 40}`,
    text: `Task ${i}`,
    is_complete: i % 3 === 0,
    date: new Date(day + (i % 20) * 86_400_000 + (i % 7) * 3_600_000).toISOString(),
  }));
  const taskCount = async () => Number((await h.db.kysely.selectFrom('tasks').select((eb) => eb.fn.countAll().as('n')).where('organization_id', '=', org.id).executeTakeFirstOrThrow()).n);
  // A bad last record: nothing is kept, and the indexes dropped for the load are back.
  const bad = [...big.slice(0, n - 1), { ...template, id: 'task_bulkBad', date_created: 'yesterday' }];
  await assert.rejects(importTaskDump(h.db, org.id, records(bad), { now: Date.now(), expectedRecords: n }), (e: unknown) => e instanceof ImportError && e.index === n - 1);
  assert.equal(await taskCount(), 0);
  assert.deepEqual(await indexes(), before);
  assert.equal(await journal(), journalBefore);
  const summary = await importTaskDump(h.db, org.id, records(big), { now: Date.now(), expectedRecords: n });
  assert.equal(summary.inserted, n);
  assert.deepEqual(await indexes(), before, 'every index is built again from its own definition');
  assert.equal(await journal(), journalBefore, 'the journal mode is back (WAL on a SQLite file)');
  // Pages read through the rebuilt indexes are the rows in the D14 order.
  const app = await buildApp({ db: h.db, clock: () => Date.parse('2026-03-10T12:00:00Z') });
  try {
    const get = async (q: string) => JSON.parse((await app.inject({ method: 'GET', url: `/api/v1/task/?${q}`, headers: { authorization: basic(k) } })).body);
    const lead7 = big.filter((t) => t.lead_id === 'lead_bulk7' && !t.is_complete).sort((a, b) => (a.date === b.date ? (a.id < b.id ? -1 : 1) : a.date < b.date ? -1 : 1));
    const page = await get('lead_id=lead_bulk7&is_complete=false&_order_by=date&_limit=100&_fields=id');
    assert.deepEqual(page.data.map((t: { id: string }) => t.id), lead7.slice(0, 100).map((t) => t.id));
    const inbox = await get(`view=inbox&assigned_to=${u.id}&_limit=5&_fields=id,date`);
    assert.equal(inbox.data.length, 5);
  } finally {
    await app.close();
  }
  // A second run of the same file skips every task.
  assert.equal((await importTaskDump(h.db, org.id, records(big), { now: Date.now(), expectedRecords: n })).skipped, n);
});
