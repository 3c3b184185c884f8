/**
 * The decisions added after the first release, each rule asserted with its value:
 * D33 (a parameter given twice is a 400 naming it, but for the list forms; an empty
 * `_order_by=` is a 400) and the clarifications of D36 (an empty `view=`; a PUT that
 * changes nothing writes nothing; Havana's double midnight; SMS tasks only with
 * `send_to_inbox=true`; a reply archives the follow-up, removing its date deletes it;
 * naive event envelope dates). D34 is in test/tasks/importer.test.ts, D35 in
 * test/crm/accounts.test.ts, D31's 429 body in test/server/ratelimit.test.ts.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { harness, makeLead, makeTask, type Harness } from '../support/helpers.js';
import type { LeadTask, TaskListResponse, TaskBulkResponse } from '../../src/schemas/task-response.js';
import { createApiKey, createUser } from '../../src/crm/accounts.js';

let h: Harness;
let lead: string;
before(async () => {
  h = await harness({ now: Date.parse('2026-03-10T12:00:00Z') });
  lead = await makeLead(h, 'Decisions Co');
});
after(() => h.close());

const T0 = Date.parse('2026-03-10T12:00:00Z');
const fieldErrors = (r: { body: any }) => Object.keys(r.body['field-errors'] ?? {});

test('D33: a parameter that takes one value, given twice, answers 400 naming it and changes nothing', async () => {
  const a = await makeTask(h, { lead_id: lead, text: 'a', date: '2026-03-09' });
  const b = await makeTask(h, { lead_id: lead, text: 'b', date: '2026-03-10' });
  for (const [query, name] of [
    ['_limit=2&_limit=3', '_limit'],
    ['_skip=0&_skip=1', '_skip'],
    ['view=inbox&view=future', 'view'],
    [`lead_id=${lead}&lead_id=${lead}`, 'lead_id'],
    ['is_complete=false&is_complete=true', 'is_complete'],
    ['_order_by=date&_order_by=-date', '_order_by'],
    ['date__gte=2026-03-01&date__gte=2026-03-09', 'date__gte'],
  ] as const) {
    const r = await h.req<typeof TaskListResponse>('GET', `/api/v1/task/?${query}`);
    assert.equal(r.status, 400, `${query}: ${r.raw}`);
    assert.deepEqual(r.body, { errors: [], 'field-errors': { [name]: 'Given 2 times; give it once (only __in lists and _fields may repeat).' } });
  }
  // Other resources too.
  assert.deepEqual(fieldErrors(await h.req('GET', '/api/v1/activity/call/?_limit=1&_limit=2')), ['_limit']);
  assert.deepEqual(fieldErrors(await h.req('GET', `/api/v1/lead/?query=a&query=b`)), ['query']);
  // A bulk update with a repeated filter changes nothing.
  const bulk = await h.req<typeof TaskBulkResponse>('PUT', `/api/v1/task/?lead_id=${lead}&assigned_to=${h.user.id}&assigned_to=${h.colleague.id}`, { body: { priority: 'high' } });
  assert.deepEqual([bulk.status, fieldErrors(bulk)], [400, ['assigned_to']]);
  assert.equal((await h.req<typeof LeadTask>('GET', `/api/v1/task/${a.id}/`)).body.priority, null);
  // The list forms a decision allows may repeat: __in lists (D12, as Python's requests sends lists) and _fields (D9).
  const listed = await h.req<typeof TaskListResponse>('GET', `/api/v1/task/?id__in=${a.id}&id__in=${b.id}&_fields=id&_fields=text`);
  assert.equal(listed.status, 200, listed.raw);
  assert.deepEqual(listed.body.data, [{ id: a.id, text: 'a' }, { id: b.id, text: 'b' }]);
  assert.equal((await h.req<typeof TaskListResponse>('GET', `/api/v1/task/?_type__in=lead&_type__in=missed_call&lead_id=${lead}`)).body.data.length, 2);
  // Unknown parameters are still ignored and listed, repeated or not (D5).
  const unknown = await h.req<typeof TaskListResponse>('GET', `/api/v1/task/?lead_id=${lead}&colour=red&colour=blue`);
  assert.deepEqual([unknown.status, unknown.headers['x-ignored-params']], [200, 'colour']);
});

test('D33/D14: an empty _order_by= is a 400, not the default order, on every list that orders', async () => {
  for (const url of ['/api/v1/task/?_order_by=', '/api/v1/task/?_order_by=%20', '/api/v1/activity/call/?_order_by=', '/api/v1/opportunity/?_order_by=']) {
    const r = await h.req('GET', url);
    assert.equal(r.status, 400, `${url}: ${r.raw}`);
    assert.deepEqual(fieldErrors(r), ['_order_by'], url);
  }
  assert.match((await h.req('GET', '/api/v1/task/?_order_by=')).body['field-errors']._order_by, /^Cannot order by "": use date, -date, date_created or -date_created\.$/);
});

test('D36/D15: an empty view= is a 400 on lists and bulk updates', async () => {
  const r = await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?view=');
  assert.deepEqual([r.status, r.body], [400, { errors: [], 'field-errors': { view: 'Unknown view "": use inbox, future or archive.' } }]);
  const t = await makeTask(h, { lead_id: lead, text: 'view guard' });
  const bulk = await h.req<typeof TaskBulkResponse>('PUT', '/api/v1/task/?view=', { body: { is_complete: true } });
  assert.equal(bulk.status, 400);
  assert.equal((await h.req<typeof LeadTask>('GET', `/api/v1/task/${t.id}/`)).body.is_complete, false);
});

test('D36: a PUT that changes no value writes nothing: date_updated stays and no event is recorded', async () => {
  h.setNow(T0);
  const t = await makeTask(h, { lead_id: lead, text: 'same', date: '2026-03-12', priority: 'high' });
  const events = async () => (await h.req('GET', `/api/v1/event/?object_id=${t.id}`)).body.data.length;
  const before = await events();
  h.setNow(T0 + 60_000);
  const same = await h.req<typeof LeadTask>('PUT', `/api/v1/task/${t.id}/`, { body: { text: 'same', date: '2026-03-12', priority: 'high', assigned_to: h.user.id, is_complete: false } });
  assert.equal(same.status, 200);
  assert.equal(same.body.date_updated, t.date_updated);
  assert.equal(same.body.date_updated, '2026-03-10T12:00:00+00:00');
  assert.equal(await events(), before);
  const bulk = await h.req<typeof TaskBulkResponse>('PUT', `/api/v1/task/?id__in=${t.id}`, { body: { priority: 'high' } });
  assert.deepEqual(bulk.body, { count: 1 }, 'count is the tasks matched, as in Close');
  assert.equal(await events(), before);
  assert.equal((await h.req<typeof LeadTask>('GET', `/api/v1/task/${t.id}/`)).body.date_updated, '2026-03-10T12:00:00+00:00');
  // A real change does write.
  const changed = await h.req<typeof LeadTask>('PUT', `/api/v1/task/${t.id}/`, { body: { priority: 'medium' } });
  assert.equal(changed.body.date_updated, '2026-03-10T12:01:00+00:00');
  assert.equal(await events(), before + 1);
  h.setNow(T0);
});

test('D36/D17: where local midnight occurs twice (America/Havana, 2026-11-01), the later one counts', async () => {
  const u = await createUser(h.db.kysely, h.orgId, { email: 'havana@acme.test', first_name: 'Ha', last_name: 'Vana', timezone: 'America/Havana' }, 0);
  const havana = { id: u.id, key: (await createApiKey(h.db.kysely, h.orgId, u.id, 0)).key };
  const cuba = await makeLead(h, 'Havana Co');
  // 04:30Z is 00:30 of the first midnight (CDT), 05:00Z the second midnight (CST).
  for (const date of ['2026-11-01T05:00:00Z', '2026-11-01', '2026-11-01T04:30:00Z']) await makeTask(h, { lead_id: cuba, text: date, date });
  const order = (await h.req<typeof TaskListResponse>('GET', `/api/v1/task/?lead_id=${cuba}`, { as: havana })).body.data.map((t: any) => t.text);
  assert.deepEqual(order, ['2026-11-01T04:30:00Z', '2026-11-01', '2026-11-01T05:00:00Z'], 'the day starts at 05:00Z; the date-only task sorts first at that instant');
  // A date filter reads the day the same way: 2026-11-01 begins at 05:00Z.
  const before = (await h.req<typeof TaskListResponse>('GET', `/api/v1/task/?lead_id=${cuba}&date__lt=2026-11-01`, { as: havana })).body.data.map((t: any) => t.text);
  assert.deepEqual(before, ['2026-11-01T04:30:00Z']);
  const from = (await h.req<typeof TaskListResponse>('GET', `/api/v1/task/?lead_id=${cuba}&date__gte=2026-11-01`, { as: havana })).body.data.map((t: any) => t.text);
  assert.deepEqual(from, ['2026-11-01', '2026-11-01T05:00:00Z']);
});

test('D36/D29: an inbound SMS logged through the API makes a task only with send_to_inbox=true', async () => {
  const sms = { status: 'inbox', remote_phone: '+1 415 555 0142', text: 'Are you there?' };
  const tasksOf = async (id: string) => (await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?_type=incoming_sms&_limit=1000')).body.data.filter((t) => t.object_id === id);
  const plain = await h.req('POST', '/api/v1/activity/sms/', { body: sms });
  assert.equal(plain.status, 200, plain.raw);
  assert.deepEqual(await tasksOf(plain.body.id), []);
  const off = await h.req('POST', '/api/v1/activity/sms/?send_to_inbox=false', { body: sms });
  assert.deepEqual(await tasksOf(off.body.id), []);
  const on = await h.req('POST', '/api/v1/activity/sms/?send_to_inbox=true', { body: sms });
  const [task] = await tasksOf(on.body.id);
  assert.ok(task?._type === 'incoming_sms', 'an incoming_sms task');
  assert.deepEqual([task._type, task.text, task.remote_phone, task.view], ['incoming_sms', 'Are you there?', '+14155550142', 'inbox']);
});

test('D36/D30: a reply archives the email_followup task; removing the follow-up date deletes it', async () => {
  const followups = async (thread: string) => (await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?_type=email_followup&_limit=1000')).body.data.filter((t: any) => t.object_id === thread);
  const contact = await h.req('POST', '/api/v1/contact/', { body: { lead_id: lead, name: 'Rita Reply', emails: [{ email: 'rita@reply.example' }] } });
  assert.equal(contact.status, 200, contact.raw);
  // A reply arrives: the follow-up is archived (complete), not deleted.
  const sent = (await h.req('POST', '/api/v1/activity/email/', { body: { status: 'sent', lead_id: lead, to: ['rita@reply.example'], subject: 'Offer', body_text: 'Our offer', followup_date: '2026-03-13' } })).body;
  const [open] = await followups(sent.thread_id);
  assert.deepEqual([open.view, open.is_complete], ['future', false]);
  h.advance(60_000);
  const reply = await h.req('POST', '/api/v1/activity/email/', { body: { status: 'inbox', thread_id: sent.thread_id, sender: 'Rita <rita@reply.example>', subject: 'Re: Offer', body_text: 'Yes please' } });
  assert.equal(reply.status, 200, reply.raw);
  const archived = (await h.req<typeof LeadTask>('GET', `/api/v1/task/${open.id}/`)).body;
  assert.deepEqual([archived.is_complete, archived.view], [true, 'archive']);
  // Another follow-up whose date is removed: the task is gone.
  const second = (await h.req('POST', '/api/v1/activity/email/', { body: { status: 'sent', lead_id: lead, to: ['rita@reply.example'], subject: 'Second offer', followup_date: '2026-03-14' } })).body;
  const [pending] = await followups(second.thread_id);
  await h.req('PUT', `/api/v1/activity/email/${second.id}/`, { body: { followup_date: null } });
  assert.equal((await h.req<typeof LeadTask>('GET', `/api/v1/task/${pending.id}/`)).status, 404);
  h.setNow(T0);
});

test('D36: event envelope dates are naive UTC (Close\'s format, exempt from D19); dates inside data keep +00:00', async () => {
  h.setNow(Date.parse('2026-03-10T12:00:00.250Z'));
  const t = await makeTask(h, { lead_id: lead, text: 'envelope' });
  const [ev] = (await h.req('GET', `/api/v1/event/?object_id=${t.id}`)).body.data;
  assert.equal(ev.date_created, '2026-03-10T12:00:00.250000');
  assert.equal(ev.date_updated, '2026-03-10T12:00:00.250000');
  assert.equal(ev.data.date_created, '2026-03-10T12:00:00.250000+00:00');
  h.setNow(T0);
});
