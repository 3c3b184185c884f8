/**
 * Names kept beside the per-task cache (`KnownNames`, `tasks/fragments.ts`, SQLite) stay
 * exact while renames race page reads: a page read that began before a rename never
 * leaves its names behind for the pages after it, and one whose kept names are
 * forgotten halfway still answers whole (no name read as null). Every page is compared
 * with the same server over the same database without the cache. Two races are placed
 * exactly with a Kysely plugin that acts between one read's statements; the others are
 * many reads and renames at once over HTTP (found by trying to break the cache).
 */
import { test, after, before, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { harness, makeLead, makeTask, type Harness } from '../support/helpers.js';
import { buildApp } from '../../src/server/app.js';
import { ListCache } from '../../src/server/listcache.js';
import type { FastifyInstance } from 'fastify';
import { openDb } from '../../src/db/connect.js';
import { UTC_ZONE } from '../../src/close/zone.js';
import { sql, type KyselyPlugin } from 'kysely';

let h: Harness;
let plain: FastifyInstance;
let lead: string;
let n = 0;
const auth = () => 'Basic ' + Buffer.from(h.user.key + ':').toString('base64');

before(async () => {
  h = await harness({ now: Date.parse('2026-03-10T12:00:00Z') });
  plain = await buildApp({ db: h.db, clock: h.clock, taskFragments: null, listCache: new ListCache(), rateLimit: false, authFailureLimit: false });
  lead = await makeLead(h, 'Race Co');
  for (let i = 0; i < 12; i++) await makeTask(h, { lead_id: lead, text: `t${i}`, assigned_to: i % 2 ? h.colleague.id : h.user.id, date: '2026-03-09' });
});
after(async () => {
  await plain.close();
  await h.close();
});

async function samePage(q = '_type=all') {
  const url = `/api/v1/task/?${q}&lead_id=${lead}&fresh=${n++}`;
  const cached = await h.req('GET', url);
  const uncached = await plain.inject({ method: 'GET', url, headers: { authorization: auth() } });
  assert.equal(cached.status, 200, cached.raw);
  assert.equal(cached.raw, uncached.body, `page ${q}`);
  return cached.raw;
}

/** Only SQLite has the per-task cache and its kept names. */
const sqliteOnly = (t: TestContext) => (h.backend === 'sqlite' ? false : (t.skip('the per-task cache is SQLite only'), true));

const tick = (k: number) => new Promise<void>((r) => { let i = 0; const step = () => (++i >= k ? r() : setImmediate(step)); step(); });
const micro = async (k: number) => { for (let i = 0; i < k; i++) await null; };

test('a user rename racing page reads leaves no stale name kept', async () => {
  await samePage();
  await samePage();
  for (let round = 0; round < 300; round++) {
    const name = `Ken${round}`;
    const reads = Array.from({ length: 6 }, (_, k) => micro((round * 7 + k * 13) % 40).then(() => h.req('GET', `/api/v1/task/?_type=all&lead_id=${lead}&fresh=${n++}`)));
    const rename = micro(round % 60).then(() => h.db.kysely.updateTable('users').set({ first_name: name }).where('id', '=', h.colleague.id).execute());
    await Promise.all([...reads, rename]);
    const raw = await samePage();
    // After the race the page shows the new name.
    assert.ok(JSON.parse(raw).data.some((t: { assigned_to_name: string }) => t.assigned_to_name === `${name} Sato`), `round ${round}`);
  }
});

test('a rename landing between a page read\'s users and leads lookups: a page read after it shows the new name, and so do later pages', async (t) => {
  if (sqliteOnly(t)) return;
  const f = h.taskFragments!;
  await samePage();
  await samePage(); // rows seen twice: kept from now on
  const rowids = (await sql<{ r: number }>`select rowid as r from tasks where lead_id = ${lead} order by rowid`.execute(h.db.kysely)).rows.map((x) => x.r);
  // Forget everything kept (a name change), so the next read looks up names.
  await h.db.kysely.updateTable('leads').set({ name: 'Race Co' }).where('id', '=', lead).execute();
  await samePage(); // rows read once more (seen): the next clean read keeps their texts
  const other = await openDb(h.db.location);
  let step = 0;
  let third = '';
  const plugin: KyselyPlugin = {
    transformQuery: (a) => a.node,
    async transformResult(a) {
      const r = a.result as { rows: Record<string, unknown>[] };
      const isUsers = r.rows.length && 'first_name' in r.rows[0] && !('text' in r.rows[0]);
      const isLeads = r.rows.length && 'name' in r.rows[0] && !('first_name' in r.rows[0]) && !('text' in r.rows[0]);
      if (isUsers && step === 0) {
        step = 1;
        // The rename commits right after this page read its users (through the app's connection: the triggers fire).
        await h.db.kysely.updateTable('users').set({ first_name: 'Renamed' }).where('id', '=', h.colleague.id).execute();
      } else if (isLeads && step === 1) {
        step = 2;
        // Another page read, after the rename, while the first has not finished.
        third = await f.pageText(h.db.kysely, h.orgId, rowids, UTC_ZONE, h.clock(), false);
      }
      return a.result;
    },
  };
  try {
    await f.pageText(other.kysely.withPlugin(plugin), h.orgId, rowids, UTC_ZONE, h.clock(), false);
  } finally {
    await other.close();
  }
  assert.equal(step, 2);
  const names3 = (JSON.parse(third).data as { assigned_to_name: string }[]).map((t) => t.assigned_to_name);
  assert.ok(names3.includes('Renamed Sato'), 'the page read after the rename shows the new name: ' + [...new Set(names3)].join());
  const later = (JSON.parse(await samePage()).data as { assigned_to_name: string }[]).map((t) => t.assigned_to_name);
  assert.ok(later.includes('Renamed Sato') && !later.some((x) => x.startsWith('Ken')), [...new Set(later)].join());
});

test('one connection: a rename and a page read queued while a page read looks up its users; no name reads as null', async (t) => {
  if (sqliteOnly(t)) return;
  const f = h.taskFragments!;
  const rowids = (await sql<{ r: number }>`select rowid as r from tasks where lead_id = ${lead} order by rowid`.execute(h.db.kysely)).rows.map((x) => x.r);
  await h.db.kysely.updateTable('leads').set({ name: 'Race Co 1' }).where('id', '=', lead).execute(); // drop what the test before left stale
  await samePage(); // seen once
  await h.db.kysely.updateTable('leads').set({ name: 'Race Co 2' }).where('id', '=', lead).execute(); // names forgotten
  let step = 0;
  let third: Promise<string> | null = null;
  let rename: Promise<unknown> | null = null;
  const plugin: KyselyPlugin = {
    transformQuery: (a) => a.node,
    async transformResult(a) {
      const r = a.result as { rows: Record<string, unknown>[] };
      if (step === 0 && r.rows.length && 'first_name' in r.rows[0] && !('text' in r.rows[0])) {
        step = 1;
        // Queued on the connection while the users lookup holds it (not awaited).
        rename = h.db.kysely.updateTable('users').set({ first_name: 'Again' }).where('id', '=', h.colleague.id).execute();
        third = f.pageText(h.db.kysely, h.orgId, rowids, UTC_ZONE, h.clock(), false);
      }
      return a.result;
    },
  };
  await f.pageText(h.db.kysely.withPlugin(plugin), h.orgId, rowids, UTC_ZONE, h.clock(), false);
  await rename;
  const names3 = (JSON.parse(await third!).data as { assigned_to_name: string | null }[]).map((t) => t.assigned_to_name);
  // Every task is assigned to the caller or to Ken Sato (now "Again Sato"): never null.
  assert.ok(names3.length > 0 && !names3.includes(null), 'names read as null: ' + [...new Set(names3)].join());
  assert.ok(names3.includes('Again Sato'), [...new Set(names3)].join());
  await samePage();
});

test('HTTP: pages read while another organization creates leads: no name reads as null', async () => {
  let bad = 0;
  let total = 0;
  for (let round = 0; round < 40 && !bad; round++) {
    const reads = Array.from({ length: 8 }, (_, k) => micro(k * 3).then(() => h.req('GET', `/api/v1/task/?_type=all&lead_id=${lead}&fresh=${n++}`)));
    const writes = Array.from({ length: 3 }, (_, k) => micro(k * 5 + (round % 7)).then(() => h.req('POST', '/api/v1/lead/', { body: { name: `Elsewhere ${round}.${k}` }, as: h.outsider })));
    const answers = await Promise.all([...reads, ...writes]);
    for (const r of answers.slice(0, reads.length)) {
      assert.equal(r.status, 200, r.raw);
      total++;
      const data = JSON.parse(r.raw).data as { assigned_to_name: string | null; created_by_name: string | null; lead_name: string | null }[];
      if (data.some((t) => t.assigned_to_name === null || t.created_by_name === null || t.lead_name === null)) {
        bad++;
      }
    }
  }
  assert.equal(bad, 0, `${bad} of ${total} pages had null names`);
});

test('HTTP sweep: one page read and one write of another organization, the write started d microtasks later: no name reads as null', async () => {
  const hits: number[] = [];
  for (let d = 0; d < 700; d += 1) {
    // Forget the names, so the read looks them up.
    await h.req('POST', '/api/v1/lead/', { body: { name: `Forget ${d}` }, as: h.outsider });
    const url = `/api/v1/task/?_type=all&lead_id=${lead}&fresh=${n++}`;
    const write = h.req('POST', '/api/v1/lead/', { body: { name: `Elsewhere ${d}` }, as: h.outsider });
    const read = (d < 600 ? micro(d) : tick(d - 600)).then(() => h.req('GET', url));
    const [r] = await Promise.all([read, write]);
    const data = JSON.parse(r.raw).data as { assigned_to_name: string | null; lead_name: string | null }[];
    if (data.some((t) => t.assigned_to_name === null || t.lead_name === null)) hits.push(d);
  }
  assert.deepEqual(hits, [], 'delays giving a page with null names');
});

test('HTTP fuzz: many reads and name writes at once: no name reads as null, and the last page equals the uncached one', async () => {
  let bad = 0;
  let total = 0;
  let seed = 7;
  const rnd = (m: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % m);
  const wait = () => (rnd(2) ? micro(rnd(60)) : tick(rnd(6)));
  for (let round = 0; round < 120; round++) {
    const reads = Array.from({ length: 16 }, () => wait().then(() => h.req('GET', `/api/v1/task/?_type=all&lead_id=${lead}&fresh=${n++}`)));
    const writes = Array.from({ length: 4 }, (_, k) =>
      wait().then(() =>
        k % 2
          ? h.req('POST', '/api/v1/lead/', { body: { name: `Elsewhere ${round}.${k}` }, as: h.outsider })
          : h.req('PUT', `/api/v1/lead/${lead}/`, { body: { name: `Race ${round}.${k}` } }),
      ),
    );
    const answers = await Promise.all([...reads, ...writes]);
    for (const r of answers.slice(0, reads.length)) {
      assert.equal(r.status, 200, r.raw);
      total++;
      const data = JSON.parse(r.raw).data as { assigned_to_name: string | null; created_by_name: string | null; lead_name: string | null }[];
      if (data.some((t) => t.assigned_to_name === null || t.created_by_name === null || t.lead_name === null)) bad++;
    }
  }
  await samePage();
  assert.equal(bad, 0, `${bad} of ${total} pages had null names`);
});
