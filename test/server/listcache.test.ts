/**
 * Task lists served from the response cache are never stale (`server/listcache.ts`):
 * a write through the API, a write by another connection to the same database, a
 * rename, the clock passing midnight and another zone all show at once. On SQLite the
 * second identical request is a cache hit; other backends never cache.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { harness, makeLead, makeTask, type Harness, insertTaskRow } from '../support/helpers.js';
import { LeadTask } from '../../src/schemas/task-response.js';
import { ListOf } from '../../src/schemas/response.js';
import type { TaskResponse } from '../../src/schemas/task-response.js';
import { openDb } from '../../src/db/connect.js';
import type { ListCache } from '../../src/server/listcache.js';

/** The type of a page of lead tasks (the harness checks answers against the route's own schema). */
const LeadTaskList = ListOf(LeadTask);

let h: Harness;
let lead: string;
before(async () => {
  h = await harness({ now: Date.parse('2026-03-10T23:59:00Z') });
  lead = await makeLead(h, 'Cached Co');
});
after(() => h.close());

const cacheOf = (hh: Harness): ListCache => hh.listCache;
const texts = async (q = '') => (await h.req<typeof LeadTaskList>('GET', `/api/v1/task/?lead_id=${lead}${q}`)).body.data.map((t) => t.text);

test('a list asked again is kept from its second computation on, a cache hit on SQLite after, and equal everywhere', async () => {
  await makeTask(h, { lead_id: lead, text: 'first', date: '2026-03-08' });
  const once = await h.req<typeof LeadTaskList>('GET', `/api/v1/task/?lead_id=${lead}`);
  const a = await h.req<typeof LeadTaskList>('GET', `/api/v1/task/?lead_id=${lead}`);
  assert.equal(a.raw, once.raw);
  assert.equal(cacheOf(h).stats.hits, 0, 'a list computed once is not kept');
  const hits = cacheOf(h).stats.hits;
  const b = await h.req<typeof LeadTaskList>('GET', `/api/v1/task/?lead_id=${lead}`);
  assert.equal(b.raw, a.raw);
  assert.equal(b.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(cacheOf(h).stats.hits, h.backend === 'sqlite' ? hits + 1 : hits);
});

test('writes through the API, renames and writes by another connection show at once', async () => {
  assert.deepEqual(await texts(), ['first']);
  await makeTask(h, { lead_id: lead, text: 'second', date: '2026-03-09' });
  assert.deepEqual(await texts(), ['first', 'second']);
  await h.req('PUT', `/api/v1/lead/${lead}/`, { body: { name: 'Renamed Co' } });
  assert.deepEqual((await h.req<typeof LeadTaskList>('GET', `/api/v1/task/?lead_id=${lead}`)).body.data.map((t) => t.lead_name), ['Renamed Co', 'Renamed Co']);
  // Another process (here another connection) writes to the same database.
  if (h.backend !== 'pglite') {
    const other = await openDb(h.db.location);
    try {
      const t = await h.db.kysely.selectFrom('tasks').selectAll().where('lead_id', '=', lead).executeTakeFirstOrThrow();
      await insertTaskRow(other.kysely, { ...t, id: 'task_fromAnotherProcess', text: 'third', date_ms: Date.parse('2026-03-10T00:00:00Z') });
    } finally {
      await other.close();
    }
    assert.deepEqual(await texts(), ['first', 'second', 'third']);
  }
});

test('the clock passing midnight and another zone change the answer', async () => {
  const tomorrow = await makeTask(h, { lead_id: lead, text: 'tomorrow', date: '2026-03-11' });
  const inbox = async (headers?: Record<string, string>) => (await h.req<typeof LeadTaskList>('GET', `/api/v1/task/?lead_id=${lead}&view=inbox`, { headers })).body.data.map((t: { id: string }) => t.id);
  assert.ok(!(await inbox()).includes(tomorrow.id));
  assert.ok(!(await inbox()).includes(tomorrow.id));
  assert.ok((await inbox({ 'x-tz-offset': '2' })).includes(tomorrow.id), 'already the 11th at UTC+2');
  h.advance(120_000); // 00:01 UTC on the 11th
  assert.ok((await inbox()).includes(tomorrow.id));
  const one = (await h.req<typeof TaskResponse>('GET', `/api/v1/task/${tomorrow.id}/`)).body;
  assert.equal(one.view, 'inbox');
});

test("a write in another organization leaves this organization's cached pages cached; its own writes and unscoped writes do not (issue 12)", async () => {
  const url = `/api/v1/task/?lead_id=${lead}&_order_by=date`;
  await h.req('GET', url);
  const first = await h.req('GET', url);
  const hits = () => cacheOf(h).stats.hits;
  const again = async () => {
    const before = hits();
    const r = await h.req('GET', url);
    return { hit: hits() === before + 1, raw: r.raw };
  };
  assert.equal((await again()).hit, h.backend === 'sqlite');
  // Another organization creates a lead and tasks, and updates one.
  const theirLead = await makeLead(h, 'Elsewhere Inc', h.outsider);
  const theirs = await makeTask(h, { lead_id: theirLead, text: 'theirs', date: '2026-03-10' }, h.outsider);
  assert.equal((await h.req('PUT', `/api/v1/task/${theirs.id}/`, { body: { text: 'theirs, edited' }, as: h.outsider })).status, 200);
  const afterTheirs = await again();
  assert.equal(afterTheirs.hit, h.backend === 'sqlite', 'still cached after the other organization wrote');
  assert.equal(afterTheirs.raw, first.raw);
  // This organization's own write shows at once.
  const ours = await makeTask(h, { lead_id: lead, text: 'ours, new', date: '2026-03-10' });
  const afterOurs = await again();
  assert.equal(afterOurs.hit, false);
  assert.ok(afterOurs.raw.includes(ours.id));
  // A write outside any request (this process, no organization scope) changes every organization.
  const row = await h.db.kysely.selectFrom('tasks').selectAll().where('id', '=', ours.id).executeTakeFirstOrThrow();
  await insertTaskRow(h.db.kysely, { ...row, id: 'task_unscopedWrite', text: 'unscoped' });
  const afterUnscoped = await again();
  assert.equal(afterUnscoped.hit, false);
  assert.ok(afterUnscoped.raw.includes('task_unscopedWrite'));
});
