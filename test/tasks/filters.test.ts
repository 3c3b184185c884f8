/**
 * Listing, filtering, ordering, paging and bulk-updating tasks over HTTP
 * (reference §3, §5, §8, §9.1, §9.3; decisions D6-D17, D23).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { harness, makeLead, makeTask, type Harness, insertTaskRow } from '../support/helpers.js';
import type { LeadTask, TaskListResponse, TaskBulkResponse } from '../../src/schemas/task-response.js';
import { newId } from '../../src/close/ids.js';

let h: Harness;
let leadId: string;
before(async () => {
  h = await harness();
  leadId = await makeLead(h);
});
after(() => h.close());

/** Makes a separate lead so a test's tasks can be selected by `lead_id` alone. */
async function freshLead(name: string) {
  return makeLead(h, name);
}

async function ids(url: string, headers?: Record<string, string>): Promise<string[]> {
  const r = await h.req('GET', url, { headers });
  assert.equal(r.status, 200, `${url}: ${r.raw}`);
  return r.body.data.map((t: { id: string }) => t.id);
}

test('paging 250 tasks by 100 yields each exactly once, even when all share one date (D8, D14)', async () => {
  const lead = await freshLead('Paging');
  const created = new Set<string>();
  for (let i = 0; i < 250; i++) created.add((await makeTask(h, { lead_id: lead, text: `t${i}`, date: '2026-03-01' })).id);
  const seen: string[] = [];
  const hasMore: boolean[] = [];
  for (let skip = 0; skip < 300; skip += 100) {
    const r = await h.req<typeof TaskListResponse>('GET', `/api/v1/task/?lead_id=${lead}&_limit=100&_skip=${skip}`);
    seen.push(...r.body.data.map((t: { id: string }) => t.id));
    hasMore.push(r.body.has_more);
  }
  assert.equal(seen.length, 250);
  assert.equal(new Set(seen).size, 250);
  assert.deepEqual(new Set(seen), created);
  assert.deepEqual(hasMore, [true, true, false]);
  const exact = await h.req<typeof TaskListResponse>('GET', `/api/v1/task/?lead_id=${lead}&_limit=250`);
  assert.equal(exact.body.has_more, false, 'has_more is exact (D8)');
  assert.deepEqual(Object.keys(exact.body).sort(), ['data', 'has_more'], 'no total_results on tasks');
});

test('bulk update of 150 matching tasks updates all 150 in one request (D23)', async () => {
  const lead = await freshLead('Bulk');
  for (let i = 0; i < 150; i++) await makeTask(h, { lead_id: lead, text: `b${i}`, date: '2026-03-02' });
  const r = await h.req<typeof TaskBulkResponse>('PUT', `/api/v1/task/?lead_id=${lead}`, { body: { assigned_to: h.colleague.id, date: '2026-03-20' } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { count: 150 });
  const after = await h.req<typeof TaskListResponse>('GET', `/api/v1/task/?lead_id=${lead}&_limit=1000`);
  assert.equal(after.body.data.length, 150);
  assert.ok(after.body.data.every((t: any) => t.assigned_to === h.colleague.id && t.date === '2026-03-20' && t.updated_by === h.user.id));
  // _limit does not narrow a bulk update; _params carries the filter (D3, D23).
  const c = await h.req<typeof TaskBulkResponse>('PUT', '/api/v1/task/?_limit=1', { body: { _params: { lead_id: lead }, is_complete: true } });
  assert.deepEqual(c.body, { count: 150 });
  assert.equal((await h.req<typeof TaskListResponse>('GET', `/api/v1/task/?lead_id=${lead}&view=archive&_limit=1000`)).body.data.length, 150);
});

test('bulk update refuses no filter, more than 1000 matches, and any invalid task: nothing changes (D23)', async () => {
  const r = await h.req('PUT', '/api/v1/task/', { body: { is_complete: true } });
  assert.equal(r.status, 400);
  assert.ok(r.body.error);

  const lead = await freshLead('Too many');
  const now = Date.parse('2026-03-10T12:00:00Z');
  await h.db.kysely.transaction().execute(async (trx) => {
    for (let i = 0; i < 1001; i++) {
      await insertTaskRow(trx, {
        id: newId('task_'), organization_id: h.orgId, type: 'lead', lead_id: lead, contact_id: null, assigned_to: h.user.id,
        created_by: h.user.id, updated_by: h.user.id, text: `m${i}`, is_complete: 0, is_dateless: 0, date_ms: Date.parse('2026-03-03'),
        date_is_day: 1, priority: null, resolution: null, object_type: null, object_id: null, extra: null,
        date_created: now, date_updated: now,
      });
    }
  });
  const big = await h.req<typeof TaskBulkResponse>('PUT', `/api/v1/task/?lead_id=${lead}`, { body: { is_complete: true } });
  assert.equal(big.status, 400);
  assert.deepEqual(big.body, { errors: ["It's not allowed to update more than 1000 objects at once"] });
  assert.equal((await h.req<typeof TaskListResponse>('GET', `/api/v1/task/?lead_id=${lead}&view=archive`)).body.data.length, 0);

  const mixed = await freshLead('Mixed');
  const a = await makeTask(h, { lead_id: mixed, text: 'a' });
  await makeTask(h, { lead_id: mixed, _type: 'outgoing_call' });
  const bad = await h.req<typeof TaskBulkResponse>('PUT', `/api/v1/task/?lead_id=${mixed}&_type=all`, { body: { text: 'changed', is_complete: true } });
  assert.equal(bad.status, 400);
  const still = (await h.req<typeof LeadTask>('GET', `/api/v1/task/${a.id}/`)).body;
  assert.equal(still.text, 'a');
  assert.equal(still.is_complete, false);
});

test('without _type only lead tasks are listed; _type=all lists every type; unknown types are refused (D10)', async () => {
  const lead = await freshLead('Types');
  const a = await makeTask(h, { lead_id: lead, text: 'lead task' });
  const b = await makeTask(h, { lead_id: lead, _type: 'outgoing_call' });
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}`), [a.id]);
  assert.deepEqual(new Set(await ids(`/api/v1/task/?lead_id=${lead}&_type=all`)), new Set([a.id, b.id]));
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&_type=outgoing_call`), [b.id]);
  assert.deepEqual(new Set(await ids(`/api/v1/task/?lead_id=${lead}&_type__in=lead, outgoing_call`)), new Set([a.id, b.id]));
  const r = await h.req('GET', '/api/v1/task/?_type=meeting');
  assert.equal(r.status, 400);
  assert.deepEqual(Object.keys(r.body['field-errors']), ['_type']);
  const r2 = await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?_type__in=lead,bogus');
  assert.equal(r2.status, 400);
});

test('booleans: False, 0, TRUE work; anything else is a 400 naming the parameter (D11)', async () => {
  const lead = await freshLead('Booleans');
  const open = await makeTask(h, { lead_id: lead, text: 'open' });
  const done = await makeTask(h, { lead_id: lead, text: 'done', is_complete: true });
  for (const f of ['False', 'false', '0']) assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&is_complete=${f}`), [open.id], f);
  for (const t of ['True', 'TRUE', '1']) assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&is_complete=${t}`), [done.id], t);
  const r = await h.req('GET', `/api/v1/task/?lead_id=${lead}&is_complete=yes`);
  assert.equal(r.status, 400);
  assert.deepEqual(r.body.errors, []);
  assert.ok(r.body['field-errors'].is_complete);
});

test('id__in trims and drops empty items; an empty list matches nothing (D12)', async () => {
  const lead = await freshLead('Lists');
  const a = await makeTask(h, { lead_id: lead, text: 'a' });
  h.advance();
  const b = await makeTask(h, { lead_id: lead, text: 'b' });
  assert.deepEqual(new Set(await ids(`/api/v1/task/?id__in=${a.id},%20${b.id},,`)), new Set([a.id, b.id]));
  assert.deepEqual(await ids(`/api/v1/task/?id__in=${a.id}&id__in=${b.id}&_order_by=date_created`), [a.id, b.id], 'repeated keys, as Python requests sends lists');
  assert.deepEqual(await ids('/api/v1/task/?id__in=,'), []);
  assert.deepEqual(await ids(`/api/v1/task/?id=${a.id}`), [a.id]);
});

test('date filters: dates are local midnight in the request zone, a + may arrive as a space (D13)', async () => {
  const lead = await freshLead('Dates');
  const t1 = await makeTask(h, { lead_id: lead, text: '1', date: '2015-01-12T07:00:00' });
  const d = await makeTask(h, { lead_id: lead, text: 'd', date: '2015-01-12' });
  const t2 = await makeTask(h, { lead_id: lead, text: '2', date: '2015-01-12T08:00:00' });
  const pst = { 'x-tz-offset': '-8' };
  // Local midnight of 2015-01-12 at -8 is 08:00Z: strictly before it is only t1.
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&date__lt=2015-01-12`, pst), [t1.id]);
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&date__gte=2015-01-12`, pst), [d.id, t2.id]);
  // In UTC, midnight is 00:00Z: all three are on or after it.
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&date__gte=2015-01-12`), [d.id, t1.id, t2.id]);
  // 07:30-08:00 written with an unencoded '+' offset (arrives as a space).
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&date__gt=2015-01-11T23:30:00-08:00&date__lte=2015-01-12T08:00:00+00:00`, pst), [d.id, t2.id]);
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&date=2015-01-12`, pst), [d.id, t2.id]);
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&date_created__gte=2026-03-10T12:00:00%2B00:00`), [d.id, t1.id, t2.id]);
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&date_created__lt=2026-03-10T12:00:00Z`), []);
  const bad = await h.req('GET', '/api/v1/task/?date__lt=yesterday&due_date__gt=2015-13-01');
  assert.equal(bad.status, 400);
  assert.deepEqual(Object.keys(bad.body['field-errors']).sort(), ['date__lt', 'due_date__gt']);
});

test("Close's ordering example over HTTP: x-tz-offset -8 puts 2015-01-12 between 07:00 and 08:00 UTC (D17)", async () => {
  const lead = await freshLead('Ordering');
  const t2 = await makeTask(h, { lead_id: lead, text: '2', date: '2015-01-12T08:00:00' });
  h.advance();
  const d = await makeTask(h, { lead_id: lead, text: 'd', date: '2015-01-12' });
  h.advance();
  const t1 = await makeTask(h, { lead_id: lead, text: '1', date: '2015-01-12T07:00:00' });
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&_order_by=date`, { 'x-tz-offset': '-8' }), [t1.id, d.id, t2.id]);
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&_order_by=-date`, { 'x-tz-offset': '-8' }), [t2.id, d.id, t1.id]);
  // At UTC the date-only task is the earliest.
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}`), [d.id, t1.id, t2.id]);
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&_order_by=date_created`), [t2.id, d.id, t1.id]);
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&_order_by=-date_created`), [t1.id, d.id, t2.id]);
  const bad = await h.req('GET', '/api/v1/task/?_order_by=text');
  assert.equal(bad.status, 400);
  assert.ok(bad.body['field-errors']._order_by);
});

test('view=inbox|future|archive, the per-object view, and inbox replacing date__lt/date__gte (D15, D17)', async () => {
  const lead = await freshLead('Views');
  // now = 2026-03-10T12:00Z.
  const today = await makeTask(h, { lead_id: lead, text: 'today', date: '2026-03-10' });
  const tonight = await makeTask(h, { lead_id: lead, text: 'tonight', date: '2026-03-10T23:00:00Z' });
  const tomorrow = await makeTask(h, { lead_id: lead, text: 'tomorrow', date: '2026-03-11' });
  const done = await makeTask(h, { lead_id: lead, text: 'done', date: '2026-03-01', is_complete: true });
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&view=inbox`), [today.id, tonight.id]);
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&view=future`), [tomorrow.id]);
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&view=archive`), [done.id]);
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&view=inbox&is_complete=true`), []);
  // The view replaces date__lt and date__gte...
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&view=inbox&date__gte=2026-03-11&date__lt=2000-01-01`), [today.id, tonight.id]);
  // ...but not date__gt or date__lte.
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&view=inbox&date__gt=2026-03-10T12:00:00Z`), [tonight.id]);
  // At UTC+14 (2026-03-11 02:00 local) tonight's 23:00Z is tomorrow's 13:00 local: still inbox; tomorrow's date is today there.
  const east = await h.req<typeof TaskListResponse>('GET', `/api/v1/task/?lead_id=${lead}&view=inbox`, { headers: { 'x-tz-offset': '14' } });
  assert.deepEqual(east.body.data.map((t: any) => t.id), [today.id, tomorrow.id, tonight.id]);
  assert.ok(east.body.data.every((t: any) => t.view === 'inbox'));
  // At UTC-11 (2026-03-10 01:00 local) 23:00Z is 12:00 local on the 10th: inbox; the 11th is future.
  const west = await h.req<typeof TaskListResponse>('GET', `/api/v1/task/?lead_id=${lead}&_order_by=date`, { headers: { 'x-tz-offset': '-11' } });
  assert.deepEqual(Object.fromEntries(west.body.data.map((t: any) => [t.text, t.view])), { today: 'inbox', tonight: 'inbox', tomorrow: 'future', done: 'archive' });
  const bad = await h.req('GET', '/api/v1/task/?view=later');
  assert.equal(bad.status, 400);
  assert.ok(bad.body['field-errors'].view);
});

test('the caller\'s stored zone applies without X-TZ-Offset, across a DST change (D16)', async () => {
  const la = await harness({ timezone: 'America/Los_Angeles', now: Date.parse('2026-03-08T07:30:00Z') }); // 23:30 PST 03-07
  try {
    const lead = await makeLead(la);
    const sat = await makeTask(la, { lead_id: lead, text: 'sat', date: '2026-03-07' });
    const sun = await makeTask(la, { lead_id: lead, text: 'sun', date: '2026-03-08' });
    const late = await makeTask(la, { lead_id: lead, text: 'late', date: '2026-03-08T07:59:00Z' });
    const inbox = await la.req('GET', `/api/v1/task/?lead_id=${lead}&view=inbox`);
    assert.deepEqual(inbox.body.data.map((t: any) => t.id), [sat.id, late.id]);
    // A dateless task created now is dated the local day.
    assert.equal((await makeTask(la, { lead_id: lead, text: 'dateless' })).date, '2026-03-07');
    // After the jump to PDT, 2026-03-09 starts at 07:00Z.
    la.setNow(Date.parse('2026-03-09T06:59:00Z'));
    const mon = await makeTask(la, { lead_id: lead, text: 'mon', date: '2026-03-09' });
    assert.equal((await la.req('GET', `/api/v1/task/${mon.id}/`)).body.view, 'future');
    la.setNow(Date.parse('2026-03-09T07:00:00Z'));
    assert.equal((await la.req('GET', `/api/v1/task/${mon.id}/`)).body.view, 'inbox');
    // The header wins over the stored zone.
    assert.equal((await la.req('GET', `/api/v1/task/${sun.id}/`, { headers: { 'x-tz-offset': '-12' } })).body.view, 'inbox');
    const bad = await la.req('GET', '/api/v1/task/', { headers: { 'x-tz-offset': 'PST' } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /X-TZ-Offset/);
  } finally {
    await la.close();
  }
});

test('filters by assigned_to, organization_id and lead_id; lead_id= means no lead (D12)', async () => {
  const lead = await freshLead('Owners');
  const mine = await makeTask(h, { lead_id: lead, text: 'mine' });
  h.advance();
  const theirs = await makeTask(h, { lead_id: lead, text: 'theirs', assigned_to: h.colleague.id });
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&assigned_to=${h.colleague.id}`), [theirs.id]);
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&organization_id=${h.orgId}&_order_by=date_created`), [mine.id, theirs.id]);
  assert.deepEqual(await ids(`/api/v1/task/?lead_id=${lead}&organization_id=${h.outsider.orgId}`), []);
  assert.deepEqual(await ids('/api/v1/task/?lead_id=&_type=all'), []);
  // The other organization sees none of them, whatever it asks.
  assert.deepEqual((await h.req<typeof TaskListResponse>('GET', `/api/v1/task/?lead_id=${lead}&_type=all`, { as: h.outsider })).body.data, []);
});

test('unknown parameters are ignored and named in X-Ignored-Params; strict mode refuses them (D5)', async () => {
  const r = await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?foo=1&_limit=1&bar=2');
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-ignored-params'], 'foo,bar');
  assert.equal((await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?_limit=1')).headers['x-ignored-params'], undefined);
  const strict = await harness({ strictParams: true });
  try {
    const s = await strict.req('GET', '/api/v1/task/?foo=1');
    assert.equal(s.status, 400);
    assert.deepEqual(s.body, { errors: [], 'field-errors': { foo: 'Unknown parameter.' } });
    assert.equal((await strict.req('GET', '/api/v1/task/?format=json&_limit=5')).status, 200);
  } finally {
    await strict.close();
  }
});

test('_limit and _skip errors answer 400 in the framework wording (D6, D7)', async () => {
  assert.deepEqual((await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?_limit=1001')).body, {
    error: 'The limit you set is larger than the maximum limit for this resource (max_limit = 1000).',
  });
  assert.equal((await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?_limit=1000')).status, 200);
  assert.equal((await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?_skip=-5')).status, 400);
  assert.equal((await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?_limit=')).status, 400);
  assert.equal((await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?_skip=999999999')).body.data.length, 0);
});
