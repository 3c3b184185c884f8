/**
 * The event log over HTTP on a real database file (issue 5; reference §12.1-§12.2):
 * every task write records its events in its own transaction, `GET /event/` lists
 * them newest first with cursors and filters, `GET /event/{id}/`, and 30-day retention.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { harness, makeLead, makeTask, type Harness } from '../support/helpers.js';
import { pruneEvents } from '../../src/events/eventlog.js';
import { systemSource } from '../../src/events/record.js';
import { insertTasks } from '../../src/tasks/writes.js';
import { newId } from '../../src/close/ids.js';

let h: Harness;
let leadId: string;
before(async () => {
  h = await harness();
  leadId = await makeLead(h);
});
after(() => h.close());

const T0 = Date.parse('2026-03-10T12:00:00Z');

/** Every event of one object, newest first. */
async function eventsOf(objectId: string, as?: Harness['user']) {
  const r = await h.req('GET', `/api/v1/event/?object_id=${objectId}`, { as });
  assert.equal(r.status, 200, r.raw);
  return r.body.data as any[];
}

/** The task JSON as events carry it: the API's JSON seen from UTC, with `view` null. */
const asInEvent = (t: Record<string, unknown>) => ({ ...t, view: null });

test('creating a task records task.lead created with who, how and the object (reference §12.1)', async () => {
  h.setNow(T0);
  const t = await makeTask(h, { lead_id: leadId, text: 'Call Bob', date: '2026-03-12' });
  const [ev] = await eventsOf(t.id);
  assert.match(ev.id, /^ev_[0-9A-Za-z]{22}$/);
  assert.match(ev.request_id, /^req_[0-9A-Za-z]{22}$/);
  assert.match(ev.api_key_id, /^apik_/);
  const { id, request_id, api_key_id, ...rest } = ev;
  assert.deepEqual(rest, {
    action: 'created',
    changed_fields: [],
    data: asInEvent(t),
    date_created: '2026-03-10T12:00:00',
    date_updated: '2026-03-10T12:00:00',
    lead_id: leadId,
    meta: { request_method: 'POST', request_path: '/api/v1/task/' },
    oauth_client_id: null,
    oauth_scope: null,
    object_id: t.id,
    object_type: 'task.lead',
    organization_id: h.orgId,
    previous_data: {},
    user_id: h.user.id,
  });
  // The same event by id, and by the request that made it.
  assert.deepEqual((await h.req('GET', `/api/v1/event/${id}/`)).body, ev);
  const byRequest = await h.req('GET', `/api/v1/event/?request_id=${request_id}`);
  assert.deepEqual(byRequest.body.data.map((e: any) => e.id), [id]);
});

test('an update records changed_fields and the old values in previous_data', async () => {
  h.setNow(T0);
  const t = await makeTask(h, { lead_id: leadId, text: 'Before', date: '2026-03-12' });
  h.setNow(T0 + 1_234);
  const r = await h.req('PUT', `/api/v1/task/${t.id}/`, { body: { text: 'After', priority: 'high' }, as: h.colleague });
  assert.equal(r.status, 200);
  const [updated, created] = await eventsOf(t.id);
  assert.equal(created.action, 'created');
  assert.equal(updated.action, 'updated');
  assert.equal(updated.user_id, h.colleague.id);
  assert.equal(updated.date_created, '2026-03-10T12:00:01.234000');
  assert.deepEqual(updated.changed_fields, ['date_updated', 'priority', 'text', 'updated_by', 'updated_by_name']);
  assert.deepEqual(updated.previous_data, {
    date_updated: '2026-03-10T12:00:00+00:00',
    priority: null,
    text: 'Before',
    updated_by: h.user.id,
    updated_by_name: 'Ann Lee',
  });
  assert.deepEqual(updated.data, asInEvent(r.body));
  assert.deepEqual(updated.meta, { request_method: 'PUT', request_path: `/api/v1/task/${t.id}/` });
});

test('events of the same millisecond list newest first, in the order they were recorded', async () => {
  h.setNow(T0);
  const t = await makeTask(h, { lead_id: leadId, text: 'Same ms' });
  for (const text of ['one', 'two', 'three']) await h.req('PUT', `/api/v1/task/${t.id}/`, { body: { text } });
  const events = await eventsOf(t.id);
  assert.deepEqual(
    events.map((e) => [e.action, e.data.text]),
    [
      ['updated', 'three'],
      ['updated', 'two'],
      ['updated', 'one'],
      ['created', 'Same ms'],
    ],
  );
  assert.ok(events.every((e) => e.date_updated === '2026-03-10T12:00:00'));
});

test('completing a task records updated, completed and activity.task_completed created; reopening deletes the activity (reference §12.2)', async () => {
  h.setNow(T0);
  const t = await makeTask(h, { lead_id: leadId, text: 'Finish', assigned_to: h.colleague.id });
  h.setNow(T0 + 60_000);
  const done = (await h.req('PUT', `/api/v1/task/${t.id}/`, { body: { is_complete: true } })).body;
  const activityId = done.object_id;
  const r = await h.req('GET', `/api/v1/event/?lead_id=${leadId}&date_updated__gte=2026-03-10T12:01:00Z`);
  const [activity, completed, updated] = r.body.data;
  assert.deepEqual([activity.object_type, activity.action], ['activity.task_completed', 'created']);
  assert.deepEqual([completed.object_type, completed.action], ['task.lead', 'completed']);
  assert.deepEqual([updated.object_type, updated.action], ['task.lead', 'updated']);
  assert.equal(r.body.data.length, 3);
  assert.deepEqual(updated.changed_fields, ['date_updated', 'is_complete', 'object_id', 'object_type']);
  assert.deepEqual([updated.previous_data.is_complete, updated.previous_data.object_type], [false, null]);
  assert.deepEqual(completed.data, asInEvent(done));
  assert.deepEqual(completed.changed_fields, []);
  assert.equal(activity.object_id, activityId);
  assert.equal(activity.lead_id, leadId);
  assert.deepEqual(activity.data, {
    _type: 'TaskCompleted',
    activity_at: '2026-03-10T12:01:00+00:00',
    contact_id: null,
    created_by: h.user.id,
    created_by_name: 'Ann Lee',
    date_created: '2026-03-10T12:01:00+00:00',
    date_updated: '2026-03-10T12:01:00+00:00',
    id: activityId,
    lead_id: leadId,
    organization_id: h.orgId,
    task_assigned_to: h.colleague.id,
    task_assigned_to_name: 'Ken Sato',
    task_id: t.id,
    task_text: 'Finish',
    updated_by: h.user.id,
    updated_by_name: 'Ann Lee',
    user_id: h.user.id,
    user_name: 'Ann Lee',
    users: [h.user.id],
  });
  // The event carries the activity as its endpoint shows it.
  assert.deepEqual((await h.req('GET', `/api/v1/activity/task_completed/${activityId}/`)).body, activity.data);

  h.setNow(T0 + 120_000);
  await h.req('PUT', `/api/v1/task/${t.id}/`, { body: { is_complete: false } });
  const deleted = (await eventsOf(activityId))[0];
  assert.equal(deleted.action, 'deleted');
  assert.equal(deleted.data, null);
  assert.deepEqual(deleted.previous_data, activity.data);
  const reopened = (await eventsOf(t.id))[0];
  assert.equal(reopened.action, 'updated');
  assert.deepEqual(reopened.changed_fields, ['date_updated', 'is_complete', 'object_id', 'object_type']);
  assert.equal(reopened.previous_data.object_id, activityId);
});

test('deleting a task records deleted with the full object in previous_data', async () => {
  h.setNow(T0);
  const t = await makeTask(h, { lead_id: leadId, _type: 'outgoing_call' });
  await h.req('DELETE', `/api/v1/task/${t.id}/`);
  const [deleted] = await eventsOf(t.id);
  assert.equal(deleted.object_type, 'task.outgoing_call');
  assert.equal(deleted.action, 'deleted');
  assert.equal(deleted.data, null);
  assert.deepEqual(deleted.previous_data, asInEvent(t));
  assert.deepEqual(deleted.meta, { request_method: 'DELETE', request_path: `/api/v1/task/${t.id}/` });
});

test('a bulk update records one event per task, all with the request id; a refused bulk update records none', async () => {
  h.setNow(T0);
  const lead = await makeLead(h, 'Bulk Co');
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push((await makeTask(h, { lead_id: lead, text: `bulk ${i}` })).id);
  h.advance(1000);
  const r = await h.req('PUT', `/api/v1/task/?lead_id=${lead}`, { body: { assigned_to: h.colleague.id } });
  assert.deepEqual(r.body, { count: 3 });
  const updates = (await h.req('GET', `/api/v1/event/?lead_id=${lead}&action=updated`)).body.data;
  assert.deepEqual(updates.map((e: any) => e.object_id).sort(), [...ids].sort());
  assert.equal(new Set(updates.map((e: any) => e.request_id)).size, 1);
  for (const e of updates) {
    assert.deepEqual(e.changed_fields, ['assigned_to', 'assigned_to_name', 'date_updated']);
    assert.equal(e.data.assigned_to, h.colleague.id);
    assert.deepEqual(e.meta, { request_method: 'PUT', request_path: '/api/v1/task/' });
  }
  // One bad value: 400, no task changes, and no event is written (one transaction).
  const before = (await h.req('GET', `/api/v1/event/?lead_id=${lead}`)).body.data.length;
  const bad = await h.req('PUT', `/api/v1/task/?lead_id=${lead}`, { body: { assigned_to: 'user_nobody' } });
  assert.equal(bad.status, 400);
  assert.equal((await h.req('GET', `/api/v1/event/?lead_id=${lead}`)).body.data.length, before);
});

test('X-HTTP-Method-Override: the event names the method that ran', async () => {
  h.setNow(T0);
  const t = await makeTask(h, { lead_id: leadId, text: 'Override' });
  await h.req('POST', `/api/v1/task/${t.id}/`, { body: { text: 'Overridden' }, headers: { 'x-http-method-override': 'PUT' } });
  assert.deepEqual((await eventsOf(t.id))[0].meta, { request_method: 'PUT', request_path: `/api/v1/task/${t.id}/` });
});

test('deleting a lead records deleted events for its tasks and their activities', async () => {
  h.setNow(T0);
  const lead = await makeLead(h, 'Gone Inc');
  const a = await makeTask(h, { lead_id: lead, text: 'a' });
  const b = await makeTask(h, { lead_id: lead, text: 'b', is_complete: true });
  const before = { a: (await h.req('GET', `/api/v1/task/${a.id}/`)).body, b: (await h.req('GET', `/api/v1/task/${b.id}/`)).body };
  h.advance(5_000);
  assert.deepEqual((await h.req('DELETE', `/api/v1/lead/${lead}/`)).body, {});
  const deleted = (await h.req('GET', `/api/v1/event/?lead_id=${lead}&action=deleted`)).body.data;
  const byObject = new Map(deleted.map((e: any) => [e.object_id, e]));
  assert.equal(deleted.length, 3);
  assert.deepEqual((byObject.get(a.id) as any).previous_data, asInEvent(before.a));
  assert.deepEqual((byObject.get(b.id) as any).previous_data, asInEvent(before.b));
  const activity = byObject.get(before.b.object_id) as any;
  assert.equal(activity.object_type, 'activity.task_completed');
  assert.equal(activity.previous_data.task_id, b.id);
  assert.ok(deleted.every((e: any) => e.meta.request_path === `/api/v1/lead/${lead}/` && e.meta.request_method === 'DELETE'));
  h.setNow(T0);
});

test('deleting a contact records an updated event on each task that pointed at it', async () => {
  h.setNow(T0);
  const c = await h.req('POST', '/api/v1/contact/', { body: { lead_id: leadId, name: 'Gob' } });
  const t = await makeTask(h, { lead_id: leadId, contact_id: c.body.id, text: 'With contact' });
  await h.req('DELETE', `/api/v1/contact/${c.body.id}/`);
  const [ev] = await eventsOf(t.id);
  assert.equal(ev.action, 'updated');
  assert.deepEqual(ev.changed_fields, ['contact_id', 'contact_name']);
  assert.deepEqual(ev.previous_data, { contact_id: c.body.id, contact_name: 'Gob' });
});

test('GET /event/ pages newest first with _cursor: cursor_next goes back, cursor_previous forward, nothing repeats or drops', async () => {
  const lead = await makeLead(h, 'Paging Ltd');
  const made: string[] = [];
  for (let i = 0; i < 7; i++) {
    h.setNow(T0 + 10_000 + (i % 3) * 1000); // several events share a millisecond
    made.push((await makeTask(h, { lead_id: lead, text: `p${i}` })).id);
  }
  const all = (await h.req('GET', `/api/v1/event/?lead_id=${lead}`)).body;
  assert.equal(all.data.length, 7);
  assert.equal(all.cursor_next, null);
  assert.equal(all.cursor_previous, null);
  const order = all.data.map((e: any) => e.id);
  const dates = all.data.map((e: any) => e.date_updated);
  assert.deepEqual(dates, [...dates].sort().reverse(), 'newest first');

  const p1 = (await h.req('GET', `/api/v1/event/?lead_id=${lead}&_limit=3`)).body;
  assert.equal(p1.cursor_previous, null);
  const p2 = (await h.req('GET', `/api/v1/event/?lead_id=${lead}&_limit=3&_cursor=${p1.cursor_next}`)).body;
  const p3 = (await h.req('GET', `/api/v1/event/?lead_id=${lead}&_limit=3&_cursor=${p2.cursor_next}`)).body;
  assert.equal(p3.cursor_next, null);
  assert.deepEqual([...p1.data, ...p2.data, ...p3.data].map((e: any) => e.id), order);
  assert.deepEqual(p3.data.length, 1);
  // Back from page 3 to page 2, then page 1.
  const back2 = (await h.req('GET', `/api/v1/event/?lead_id=${lead}&_limit=3&_cursor=${p3.cursor_previous}`)).body;
  assert.deepEqual(back2.data.map((e: any) => e.id), p2.data.map((e: any) => e.id));
  const back1 = (await h.req('GET', `/api/v1/event/?lead_id=${lead}&_limit=3&_cursor=${back2.cursor_previous}`)).body;
  assert.deepEqual(back1.data.map((e: any) => e.id), p1.data.map((e: any) => e.id));
  assert.equal(back1.cursor_previous, null);
  assert.ok(back1.cursor_next);
  h.setNow(T0);
});

test('GET /event/ filters: object_type with action, object_id, user_id, date_updated ranges', async () => {
  const lead = await makeLead(h, 'Filters Co');
  h.setNow(Date.parse('2026-03-11T08:00:00Z'));
  const mine = await makeTask(h, { lead_id: lead, text: 'mine' });
  h.setNow(Date.parse('2026-03-11T09:00:00Z'));
  const theirs = await makeTask(h, { lead_id: lead, _type: 'outgoing_call' }, h.colleague);
  h.setNow(Date.parse('2026-03-11T10:00:00Z'));
  await h.req('PUT', `/api/v1/task/${mine.id}/`, { body: { text: 'mine 2' } });

  const ids = async (qs: string) => (await h.req('GET', `/api/v1/event/?lead_id=${lead}&${qs}`)).body.data.map((e: any) => `${e.object_id === mine.id ? 'mine' : 'theirs'}:${e.action}`);
  assert.deepEqual(await ids('object_type=task.lead&action=created'), ['mine:created']);
  assert.deepEqual(await ids('object_type=task.outgoing_call'), ['theirs:created']);
  assert.deepEqual(await ids(`object_id=${mine.id}`), ['mine:updated', 'mine:created']);
  assert.deepEqual(await ids(`user_id=${h.colleague.id}`), ['theirs:created']);
  assert.deepEqual(await ids('date_updated__gt=2026-03-11T08:00:00Z'), ['mine:updated', 'theirs:created']);
  assert.deepEqual(await ids('date_updated__lt=2026-03-11T10:00:00%2B00:00&date_updated__gte=2026-03-11T08:00:00'), ['theirs:created', 'mine:created']);
  // A date alone is local midnight in the request's zone (D13): at UTC-9, 2026-03-11 begins at 09:00Z.
  const local = await h.req('GET', `/api/v1/event/?lead_id=${lead}&date_updated__gte=2026-03-11`, { headers: { 'x-tz-offset': '-9' } });
  assert.equal(local.body.data.length, 2);
  h.setNow(T0);
});

test('GET /event/ refuses bad parameters; _limit is capped at 50; _skip is ignored and reported (D5)', async () => {
  const bad = [
    ['_limit=abc', { error: '_limit must be an integer (got "abc" instead).' }],
    ['_limit=0', { error: '_limit must be a positive integer (got "0" instead).' }],
  ] as const;
  for (const [qs, body] of bad) {
    const r = await h.req('GET', `/api/v1/event/?${qs}`);
    assert.equal(r.status, 400, qs);
    assert.deepEqual(r.body, body);
  }
  const cursor = await h.req('GET', '/api/v1/event/?_cursor=not-a-cursor');
  assert.equal(cursor.status, 400);
  assert.ok(cursor.body['field-errors']._cursor);
  const date = await h.req('GET', '/api/v1/event/?date_updated__gt=yesterday');
  assert.equal(date.status, 400);
  assert.ok(date.body['field-errors'].date_updated__gt);

  const lead = await makeLead(h, 'Many Events');
  h.setNow(T0);
  const t = await makeTask(h, { lead_id: lead, text: 'x0' });
  for (let i = 1; i <= 55; i++) await h.req('PUT', `/api/v1/task/${t.id}/`, { body: { text: `x${i}` } });
  const capped = await h.req('GET', `/api/v1/event/?object_id=${t.id}&_limit=100&_skip=5`);
  assert.equal(capped.status, 200);
  assert.equal(capped.body.data.length, 50);
  assert.equal(capped.body.data[0].data.text, 'x55');
  assert.ok(capped.body.cursor_next);
  assert.equal(capped.headers['x-ignored-params'], '_skip');
});

test("another organization's events are invisible (D26)", async () => {
  h.setNow(T0);
  const t = await makeTask(h, { lead_id: leadId, text: 'Private' });
  const [ev] = await eventsOf(t.id);
  const r = await h.req('GET', `/api/v1/event/${ev.id}/`, { as: h.outsider });
  assert.equal(r.status, 404);
  assert.deepEqual(r.body, { error: 'Empty query: Event matching query does not exist.' });
  assert.deepEqual(await eventsOf(t.id, h.outsider), []);
  assert.equal((await h.req('GET', '/api/v1/event/', { as: h.outsider })).body.data.length, 0);
  assert.equal((await h.req('GET', '/api/v1/event/ev_doesnotexist/')).status, 404);
});

test('events are kept 30 days: older ones are not listed, and pruneEvents deletes them', async () => {
  const lead = await makeLead(h, 'Old News');
  h.setNow(Date.parse('2026-04-01T00:00:00Z'));
  const old = await makeTask(h, { lead_id: lead, text: 'old' });
  h.setNow(Date.parse('2026-04-20T00:00:00Z'));
  const recent = await makeTask(h, { lead_id: lead, text: 'recent' });
  const [oldEvent] = await eventsOf(old.id);

  h.setNow(Date.parse('2026-05-01T00:00:01Z')); // 30 days and a second after the first
  assert.deepEqual((await eventsOf(old.id)).length, 0);
  assert.equal((await h.req('GET', `/api/v1/event/${oldEvent.id}/`)).status, 404);
  assert.equal((await eventsOf(recent.id)).length, 1);

  const stored = async (id: string) => h.db.kysely.selectFrom('events').select('id').where('object_id', '=', id).execute();
  assert.equal((await stored(old.id)).length, 1, 'still stored until the prune runs');
  const pruned = await pruneEvents(h.db, h.clock(), 2);
  assert.ok(pruned >= 1);
  assert.equal((await stored(old.id)).length, 0);
  assert.equal((await stored(recent.id)).length, 1);
  assert.equal(await pruneEvents(h.db, h.clock()), 0, 'a second run finds nothing');
  h.setNow(T0);
});

test('work no request caused (a generated task) records events with null actor fields and empty meta', async () => {
  h.setNow(T0);
  const id = newId('noti_');
  await h.db.kysely.transaction().execute(async (trx) => {
    const [row] = await insertTasks(trx, systemSource(h.orgId, h.clock), [{ row: {
      id, organization_id: h.orgId, type: 'missed_call', lead_id: leadId, contact_id: null, assigned_to: h.user.id,
      created_by: null, updated_by: null, text: null, is_complete: 0, is_dateless: 0, date_ms: T0, date_is_day: 0,
      priority: null, resolution: null, object_type: null, object_id: null,
      extra: JSON.stringify({ phone: '+16503334444', local_phone: '+16505550000', phone_formatted: '+1 650-333-4444', phone_number_description: 'California' }),
      date_created: T0, date_updated: T0,
    } }]);
    assert.equal(row.type, 'missed_call');
  });
  const [ev] = await eventsOf(id);
  assert.deepEqual(
    [ev.object_type, ev.action, ev.user_id, ev.api_key_id, ev.request_id, ev.meta, ev.lead_id],
    ['task.missed_call', 'created', null, null, null, {}, leadId],
  );
  assert.deepEqual(ev.data, { ...(await h.req('GET', `/api/v1/task/${id}/`)).body, view: null });
  assert.equal(ev.data.phone_formatted, '+1 650-333-4444');
});

test('generated tasks record their events: a missed call makes task.missed_call created, a call back updated and completed', async () => {
  h.setNow(T0);
  const lead = await makeLead(h, 'Caller Co');
  const c = await h.req('POST', '/api/v1/contact/', { body: { lead_id: lead, name: 'Cal', phones: [{ phone: '+1 415 555 0199' }] } });
  assert.equal(c.status, 200, c.raw);
  const missed = await h.req('POST', '/api/v1/activity/call/', { body: { direction: 'inbound', status: 'no-answer', phone: '(415) 555-0199' } });
  assert.equal(missed.status, 200, missed.raw);
  const task = (await h.req('GET', `/api/v1/task/?_type=missed_call&lead_id=${lead}`)).body.data[0];
  assert.ok(task, 'the missed call made a task');
  const created = await eventsOf(task.id);
  assert.deepEqual(created.map((e) => [e.object_type, e.action]), [['task.missed_call', 'created']]);
  assert.deepEqual(created[0].data, asInEvent(task));
  assert.equal(created[0].user_id, h.user.id);
  assert.deepEqual(created[0].meta, { request_method: 'POST', request_path: '/api/v1/activity/call/' });

  h.advance(60_000);
  const back = await h.req('POST', '/api/v1/activity/call/', { body: { direction: 'outbound', status: 'completed', duration: 30, phone: '4155550199' } });
  assert.equal(back.status, 200, back.raw);
  const all = await eventsOf(task.id);
  assert.deepEqual(all.map((e) => e.action), ['completed', 'updated', 'created']);
  assert.ok(all[1].changed_fields.includes('is_complete'));
  assert.equal(all[1].previous_data.is_complete, false);
  assert.equal(all[0].data.is_complete, true);
});

test('a write that changes nothing keeps date_updated and records no event', async () => {
  h.setNow(T0);
  const t = await makeTask(h, { lead_id: leadId, text: 'Same', date: '2026-03-20', is_complete: true });
  const before = await eventsOf(t.id);
  h.advance(60_000);
  for (const body of [{}, { text: 'Same' }, { is_complete: true }, { date: '2026-03-20' }]) {
    const r = await h.req('PUT', `/api/v1/task/${t.id}/`, { body });
    assert.equal(r.status, 200);
    assert.equal(r.body.date_updated, t.date_updated, JSON.stringify(body));
  }
  const bulk = await h.req('PUT', `/api/v1/task/?id=${t.id}`, { body: { text: 'Same' } });
  assert.deepEqual(bulk.body, { count: 1 });
  assert.deepEqual((await eventsOf(t.id)).map((e) => e.id), before.map((e) => e.id));
  // A real change still records one.
  await h.req('PUT', `/api/v1/task/${t.id}/`, { body: { text: 'Different' } });
  assert.equal((await eventsOf(t.id)).length, before.length + 1);
});
