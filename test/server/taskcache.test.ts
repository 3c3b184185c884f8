/**
 * The per-task JSON cache (`tasks/fragments.ts`, issue 12) never serves a stale task:
 * every page is byte for byte the page an app without the cache writes over the same
 * database, after writes through the API, writes in SQL on the same connection (what
 * the triggers report), a foreign-key cascade, renames of a user, a lead and a contact,
 * a deleted row whose rowid a new task takes, and a commit by another connection. The
 * list response cache is kept out of the way by a parameter of each request's own. On
 * SQLite the second computed page takes its tasks from the cache; other backends have none.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { harness, insertTaskRow, makeLead, makeTask, type Harness } from '../support/helpers.js';
import { buildApp } from '../../src/server/app.js';
import { ListCache } from '../../src/server/listcache.js';
import { openDb } from '../../src/db/connect.js';
import type { FastifyInstance } from 'fastify';

let h: Harness;
let plain: FastifyInstance;
let lead: string;
let n = 0;

before(async () => {
  h = await harness({ now: Date.parse('2026-03-10T12:00:00Z') });
  // The same database served without the per-task cache (and without a list cache hit).
  plain = await buildApp({ db: h.db, clock: h.clock, taskFragments: null, listCache: new ListCache(), rateLimit: false, authFailureLimit: false });
  lead = await makeLead(h, 'Fragment Co');
});
after(async () => {
  await plain.close();
  await h.close();
});

const PAGES = [
  `_type=all`,
  `_type=all&_order_by=-date`,
  `_type=all&_order_by=date_created&_limit=3&_skip=1`,
  `view=inbox`,
  `view=future`,
  `view=archive`,
  `_type=all&_fields=id,text,view`,
];

/** Every page of `PAGES` from the cached app and from `plain`, which must be equal; returns the cached ones. */
async function samePages(headers: Record<string, string> = {}): Promise<string[]> {
  const out: string[] = [];
  for (const q of PAGES) {
    const url = `/api/v1/task/?${q}&lead_id=${lead}&fresh=${n++}`;
    const cached = await h.req('GET', url, { headers });
    const uncached = await plain.inject({ method: 'GET', url, headers: { authorization: 'Basic ' + Buffer.from(h.user.key + ':').toString('base64'), ...headers } });
    assert.equal(cached.status, 200, cached.raw);
    assert.equal(cached.raw, uncached.body, `page ${q}`);
    out.push(cached.raw);
  }
  return out;
}

const textsOf = (raw: string) => (JSON.parse(raw).data as { text: string }[]).map((t) => t.text);

test('pages from kept texts equal pages built from rows, in any zone; the second page is served from the cache on SQLite', async () => {
  for (let i = 0; i < 6; i++) await makeTask(h, { lead_id: lead, text: `task ${i}`, date: i % 2 ? `2026-03-${String(8 + i).padStart(2, '0')}` : `2026-03-${String(8 + i).padStart(2, '0')}T15:30:00.250Z` });
  await makeTask(h, { lead_id: lead, text: 'with "quotes" \\ and \u2028 and émoji 🎉', date: '2026-03-10T12:00:00Z', is_complete: true });
  await samePages();
  const hits = h.taskFragments?.stats.hits ?? 0;
  await samePages({ 'x-tz-offset': '-11' });
  await samePages({ 'x-tz-offset': '14' });
  if (h.backend === 'sqlite') assert.ok(h.taskFragments!.stats.hits > hits, 'kept texts were used');
  else assert.equal(h.taskFragments, null);
});

test('writes through the API show at once: edit, complete, reassign, delete', async () => {
  const [first] = JSON.parse((await samePages())[0]).data as { id: string }[];
  await h.req('PUT', `/api/v1/task/${first.id}/`, { body: { text: 'edited once' } });
  assert.ok(textsOf((await samePages())[0]).includes('edited once'));
  await h.req('PUT', `/api/v1/task/${first.id}/`, { body: { is_complete: true } });
  await h.req('PUT', `/api/v1/task/?lead_id=${lead}&is_complete=false`, { body: { assigned_to: h.colleague.id } });
  const pages = await samePages();
  assert.ok((JSON.parse(pages[0]).data as { assigned_to: string; is_complete: boolean }[]).filter((t) => !t.is_complete).every((t) => t.assigned_to === h.colleague.id));
  await h.req('DELETE', `/api/v1/task/${first.id}/`);
  assert.ok(!textsOf((await samePages())[0]).includes('edited once'));
});

test('SQL on the same connection, renames of a user, a lead and a contact, and a cascade show at once', async () => {
  await samePages();
  await h.db.kysely.updateTable('tasks').set({ text: 'changed in SQL' }).where('lead_id', '=', lead).where('text', '=', 'task 1').execute();
  assert.ok(textsOf((await samePages())[0]).includes('changed in SQL'));
  await h.db.kysely.updateTable('users').set({ first_name: 'Kenji' }).where('id', '=', h.colleague.id).execute();
  assert.ok(JSON.parse((await samePages())[0]).data.some((t: { assigned_to_name: string }) => t.assigned_to_name === 'Kenji Sato'));
  await h.req('PUT', `/api/v1/lead/${lead}/`, { body: { name: 'Fragment Renamed' } });
  assert.ok(JSON.parse((await samePages())[0]).data.every((t: { lead_name: string }) => t.lead_name === 'Fragment Renamed'));
  // A contact of the lead, named by a task, renamed.
  const contact = await h.req('POST', '/api/v1/contact/', { body: { lead_id: lead, name: 'Cora' } });
  assert.equal(contact.status, 200, contact.raw);
  await h.db.kysely.updateTable('tasks').set({ contact_id: contact.body.id }).where('lead_id', '=', lead).execute();
  await samePages();
  await h.req('PUT', `/api/v1/contact/${contact.body.id}/`, { body: { name: 'Cora Renamed' } });
  assert.ok(JSON.parse((await samePages())[0]).data.every((t: { contact_name: string }) => t.contact_name === 'Cora Renamed'));
  // Deleting the lead in SQL cascades to its tasks; a new lead's tasks may take their rowids.
  const other = await makeLead(h, 'Second Co');
  await samePages();
  const before = await h.db.kysely.selectFrom('tasks').selectAll().where('lead_id', '=', lead).execute();
  await h.db.kysely.deleteFrom('leads').where('id', '=', lead).execute();
  assert.deepEqual(textsOf((await samePages())[0]), []);
  lead = other;
  for (const [i, t] of before.entries()) await insertTaskRow(h.db.kysely, { ...t, id: `task_reused${i}`, lead_id: other, contact_id: null, text: `reused ${i}` });
  const texts = textsOf((await samePages())[0]);
  assert.equal(texts.length, before.length);
  assert.ok(texts.every((t) => t.startsWith('reused ')));
});

test('a commit by another connection to the same file shows at once', { skip: false }, async (t) => {
  if (h.backend === 'pglite') return t.skip('PGlite has one connection');
  await samePages();
  const other = await openDb(h.db.location);
  try {
    await other.kysely.updateTable('tasks').set({ text: 'from another process' }).where('lead_id', '=', lead).where('text', '=', 'reused 0').execute();
    assert.ok(textsOf((await samePages())[0]).includes('from another process'));
    // A rename there: the names kept for rows read (not only the kept texts) are forgotten.
    await samePages();
    await other.kysely.updateTable('leads').set({ name: 'Renamed Elsewhere' }).where('id', '=', lead).execute();
    await other.kysely.updateTable('users').set({ last_name: 'Elsewhere' }).where('id', '=', h.user.id).execute();
  } finally {
    await other.close();
  }
  const data = JSON.parse((await samePages())[0]).data as { lead_name: string; created_by_name: string }[];
  assert.ok(data.length > 0 && data.every((t) => t.lead_name === 'Renamed Elsewhere'));
  assert.ok(data.every((t) => t.created_by_name.endsWith(' Elsewhere')), JSON.stringify(data.map((t) => t.created_by_name)));
});

test('a _fields page reads only what its fields need and equals the whole page cut to those fields, whatever the names', async () => {
  for (const f of ['id,text', 'id,view,due_date', 'assigned_to_name,lead_name,contact_name,updated_by_name,created_by_name', '__proto__,constructor,toString,id', 'phone,local_phone,id,priority']) {
    const whole = JSON.parse((await h.req('GET', `/api/v1/task/?_type=all&lead_id=${lead}&fresh=${n++}`)).raw).data as Record<string, unknown>[];
    const r = await h.req('GET', `/api/v1/task/?_type=all&lead_id=${lead}&_fields=${f}&fresh=${n++}`);
    assert.equal(r.status, 200, r.raw);
    const wanted = new Set(f.split(','));
    const cut = whole.map((t) => Object.fromEntries(Object.entries(t).filter(([k]) => wanted.has(k))));
    assert.deepEqual(JSON.parse(r.raw).data, cut, `_fields=${f}`);
  }
});
