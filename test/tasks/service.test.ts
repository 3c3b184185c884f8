/**
 * The task endpoints over HTTP on a real database file: create, fetch, update,
 * complete, bulk update and delete (reference §9; decisions D2, D8, D20-D26).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { harness, makeLead, makeTask, type Harness } from '../support/helpers.js';
import type { LeadTask, TaskListResponse } from '../../src/schemas/task-response.js';

let h: Harness;
let leadId: string;
before(async () => {
  h = await harness();
  leadId = await makeLead(h);
});
after(() => h.close());

test('POST /task/ without a date makes a dateless lead task dated today in the request zone (D20)', async () => {
  // 2026-03-10T12:00Z is already 2026-03-11 at UTC+14.
  const r = await h.req<typeof LeadTask>('POST', '/api/v1/task/', { body: { lead_id: leadId, text: 'Call back' }, headers: { 'x-tz-offset': '14' } });
  assert.equal(r.status, 200);
  const t = r.body;
  assert.match(t.id, /^task_[0-9A-Za-z]{43}$/);
  assert.equal(t._type, 'lead');
  assert.equal(t.date, '2026-03-11');
  assert.equal(t.is_dateless, true);
  assert.equal(t.due_date, null);
  assert.equal(t.is_complete, false);
  assert.equal(t.view, 'inbox');
  assert.equal(t.assigned_to, h.user.id);
  assert.equal(t.assigned_to_name, 'Ann Lee');
  assert.equal(t.created_by, h.user.id);
  assert.equal(t.updated_by, h.user.id);
  assert.equal(t.lead_name, 'Bluth Company');
  assert.equal(t.contact_id, null);
  assert.equal(t.contact_name, null);
  assert.equal(t.object_type, null);
  assert.equal(t.object_id, null);
  assert.equal(t.organization_id, h.orgId);
  assert.equal(t.date_created, '2026-03-10T12:00:00+00:00');
  assert.equal(t.date_created, t.date_updated);
  assert.deepEqual([t.priority, t.resolution], [null, null], 'priority and resolution are on every task, null when unset (D34)');
  assert.deepEqual(Object.keys(t), [...Object.keys(t)].sort(), 'keys come sorted, as Close sends them');
});

test('POST /task/ with a date: is_dateless false, due_date mirrors date (D20, reference §8.2)', async () => {
  const t = await makeTask(h, { lead_id: leadId, text: 'Dated', date: '2026-04-01' });
  assert.equal(t.date, '2026-04-01');
  assert.equal(t.due_date, '2026-04-01');
  assert.equal(t.is_dateless, false);
  assert.equal(t.view, 'future');
  const u = await makeTask(h, { lead_id: leadId, text: 'Timed', date: '2026-03-10T09:30:00-05:00' });
  assert.equal(u.date, '2026-03-10T14:30:00+00:00');
});

test('POST /task/ ignores unknown and read-only keys, as restore scripts post whole objects back (D20)', async () => {
  const t = await makeTask(h, { lead_id: leadId, text: 'Restored', id: 'task_x', view: 'archive', lead_name: 'Nope', organization_id: 'orga_other', date_created: '2000-01-01', whatever: [1, 2] });
  assert.notEqual(t.id, 'task_x');
  assert.equal(t.lead_name, 'Bluth Company');
  assert.equal(t.organization_id, h.orgId);
});

test('POST /task/ refuses bad input with Close field errors and creates nothing (D20, D21, D26)', async () => {
  const before = (await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?_type=all&_limit=1000')).body.data.length;
  const cases: [unknown, Record<string, unknown>][] = [
    [{ text: 'no lead' }, { lead: 'This field is required.' }],
    [{ lead_id: 'lead_missing', text: 'x' }, { lead: 'Object does not exist.' }],
    [{ lead_id: leadId, _type: 'missed_call' }, { _type: 'Only tasks of type lead and outgoing_call can be created (got "missed_call").' }],
    [{ lead_id: leadId, _type: 'outgoing_call', text: 'x' }, { text: 'Only lead tasks have text; this task is of type outgoing_call.' }],
    [{ lead_id: leadId, assigned_to: h.outsider.id }, { assigned_to: 'Object does not exist.' }],
    [{ lead_id: leadId, date: 'next tuesday' }, { date: 'Not a valid date or datetime. Use YYYY-MM-DD or an ISO 8601 date-time (got "next tuesday").' }],
    [{ lead_id: leadId, priority: 'urgent' }, { priority: 'Expected "high" or "medium" or null.' }],
    [{ lead_id: leadId, is_complete: 'yes' }, { is_complete: 'Expected boolean.' }],
    [{ lead_id: 7 }, { lead_id: 'Expected string or null.' }],
  ];
  for (const [body, fieldErrors] of cases) {
    const r = await h.req<typeof LeadTask>('POST', '/api/v1/task/', { body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.deepEqual(r.body, { errors: [], 'field-errors': fieldErrors }, JSON.stringify(body));
  }
  // A lead of another organization does not exist for this caller.
  const foreignLead = await makeLead(h, 'Foreign', h.outsider);
  const r = await h.req<typeof LeadTask>('POST', '/api/v1/task/', { body: { lead_id: foreignLead } });
  assert.deepEqual(r.body, { errors: [], 'field-errors': { lead: 'Object does not exist.' } });
  assert.equal((await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?_type=all&_limit=1000')).body.data.length, before);
});

test('outgoing_call tasks can be created and assigned to a colleague', async () => {
  const t = await makeTask(h, { lead_id: leadId, _type: 'outgoing_call', assigned_to: h.colleague.id, date: '2026-03-10' });
  assert.equal(t._type, 'outgoing_call');
  assert.equal(t.assigned_to_name, 'Ken Sato');
  assert.equal(t.text, null, 'an outgoing_call made through the API has no text (D21, D34)');
  assert.equal(t.is_dateless, false);
});

test('GET /task/{id}/ answers any type; another organization sees 404 (D26)', async () => {
  const t = await makeTask(h, { lead_id: leadId, text: 'Mine' });
  const r = await h.req<typeof LeadTask>('GET', `/api/v1/task/${t.id}/`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, t);
  const o = await h.req<typeof LeadTask>('GET', `/api/v1/task/${t.id}/`, { as: h.outsider });
  assert.equal(o.status, 404);
  assert.deepEqual(o.body, { error: 'Empty query: Task matching query does not exist.' });
  for (const [method, body] of [['PUT', { text: 'stolen' }], ['DELETE', undefined]] as const) {
    const x = await h.req(method, `/api/v1/task/${t.id}/`, { as: h.outsider, body });
    assert.equal(x.status, 404);
  }
  assert.equal((await h.req<typeof LeadTask>('GET', `/api/v1/task/${t.id}/`)).body.text, 'Mine');
  assert.equal((await h.req('GET', '/api/v1/task/task_doesnotexist/')).status, 404);
});

test('PUT /task/{id}/ is a partial update; updated_by and date_updated move (D2)', async () => {
  const t = await makeTask(h, { lead_id: leadId, text: 'Original', date: '2026-03-12', priority: 'high' });
  h.setNow(Date.parse('2026-03-10T13:00:00Z'));
  const r = await h.req<typeof LeadTask>('PUT', `/api/v1/task/${t.id}/`, { body: { date: '2026-03-09' }, as: h.colleague });
  assert.equal(r.status, 200);
  assert.equal(r.body.text, 'Original');
  assert.equal(r.body.priority, 'high');
  assert.equal(r.body.date, '2026-03-09');
  assert.equal(r.body.view, 'inbox');
  assert.equal(r.body.updated_by, h.colleague.id);
  assert.equal(r.body.updated_by_name, 'Ken Sato');
  assert.equal(r.body.created_by, h.user.id);
  assert.equal(r.body.date_updated, '2026-03-10T13:00:00+00:00');
  const cleared = await h.req<typeof LeadTask>('PUT', `/api/v1/task/${t.id}/`, { body: { date: null, priority: null } });
  assert.equal(cleared.body.is_dateless, true);
  assert.equal(cleared.body.due_date, null);
  assert.equal(cleared.body.date, '2026-03-10');
  assert.equal(cleared.body.priority, null);
  h.setNow(Date.parse('2026-03-10T12:00:00Z'));
});

test('completing a lead task records a TaskCompleted activity; reopening removes it (D22)', async () => {
  const t = await makeTask(h, { lead_id: leadId, text: 'Finish me' });
  const done = await h.req<typeof LeadTask>('PUT', `/api/v1/task/${t.id}/`, { body: { is_complete: true } });
  assert.equal(done.body.is_complete, true);
  assert.equal(done.body.view, 'archive');
  assert.equal(done.body.object_type, 'taskcompleted');
  assert.match(done.body.object_id ?? '', /^acti_[0-9A-Za-z]{43}$/);
  const activity = await h.db.kysely.selectFrom('activities').selectAll().where('id', '=', done.body.object_id).executeTakeFirst();
  assert.equal(activity?.type, 'TaskCompleted');
  assert.deepEqual(JSON.parse(activity!.data), { task_id: t.id, task_text: 'Finish me', task_assigned_to: h.user.id });
  const reopened = await h.req<typeof LeadTask>('PUT', `/api/v1/task/${t.id}/`, { body: { is_complete: false } });
  assert.equal(reopened.body.object_type, null);
  assert.equal(reopened.body.object_id, null);
  assert.equal(reopened.body.view, 'inbox');
  assert.equal(await h.db.kysely.selectFrom('activities').select('id').where('id', '=', done.body.object_id).executeTakeFirst(), undefined);
});

test('a resolution completes the task; reopening clears it (D21)', async () => {
  const t = await makeTask(h, { lead_id: leadId, text: 'Maybe' });
  const r = await h.req<typeof LeadTask>('PUT', `/api/v1/task/${t.id}/`, { body: { resolution: 'skipped' } });
  assert.equal(r.body.is_complete, true);
  assert.equal(r.body.resolution, 'skipped');
  const back = await h.req<typeof LeadTask>('PUT', `/api/v1/task/${t.id}/`, { body: { is_complete: false } });
  assert.equal(back.body.resolution, null);
  const bad = await h.req<typeof LeadTask>('PUT', `/api/v1/task/${t.id}/`, { body: { resolution: 'skipped', is_complete: false } });
  assert.equal(bad.status, 400);
});

test('creating a task already complete archives it at once', async () => {
  const t = await makeTask(h, { lead_id: leadId, text: 'Done already', date: '2018-01-01', is_complete: true, assigned_to: h.colleague.id });
  assert.equal(t.view, 'archive');
  assert.equal(t.object_type, 'taskcompleted');
  assert.equal(t.due_date, '2018-01-01');
  assert.equal(t.is_dateless, false);
});

test('DELETE /task/{id}/ answers {} and the task is gone (D24)', async () => {
  const t = await makeTask(h, { lead_id: leadId, text: 'Temp' });
  const r = await h.req('DELETE', `/api/v1/task/${t.id}/`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {});
  assert.equal((await h.req<typeof LeadTask>('GET', `/api/v1/task/${t.id}/`)).status, 404);
  assert.equal((await h.req('DELETE', `/api/v1/task/${t.id}/`)).status, 404);
});

test('_fields applies to the object returned by GET, POST and PUT (D9)', async () => {
  const t = (await h.req<typeof LeadTask>('POST', '/api/v1/task/?_fields=id,text,nope', { body: { lead_id: leadId, text: 'F' } })).body;
  assert.deepEqual(Object.keys(t), ['id', 'text']);
  assert.deepEqual(Object.keys((await h.req<typeof LeadTask>('GET', `/api/v1/task/${t.id}/?_fields=view`)).body), ['view']);
  assert.deepEqual((await h.req<typeof LeadTask>('PUT', `/api/v1/task/${t.id}/?_fields=text`, { body: { text: 'G' } })).body, { text: 'G' });
});

test('text may change only on lead tasks (D21)', async () => {
  const t = await makeTask(h, { lead_id: leadId, _type: 'outgoing_call' });
  const r = await h.req('PUT', `/api/v1/task/${t.id}/`, { body: { text: 'nope' } });
  assert.equal(r.status, 400);
  assert.ok(r.body['field-errors'].text);
});

test('deleting a lead deletes its tasks', async () => {
  const lead = await makeLead(h, 'Short-lived');
  const t = await makeTask(h, { lead_id: lead, text: 'Orphan to be' });
  assert.deepEqual((await h.req('DELETE', `/api/v1/lead/${lead}/`)).body, {});
  assert.equal((await h.req<typeof LeadTask>('GET', `/api/v1/task/${t.id}/`)).status, 404);
  assert.equal((await h.req('GET', `/api/v1/lead/${lead}/`)).body.error, 'Empty query: Lead matching query does not exist.');
});

test('names follow the current names of lead and contact', async () => {
  const lead = await makeLead(h, 'Old Name');
  const c = await h.req('POST', '/api/v1/contact/', { body: { lead_id: lead, name: 'Gob', phones: [{ phone: '(650) 333-4444' }] } });
  assert.equal(c.status, 200);
  assert.deepEqual(c.body.phones, [{ phone: '+16503334444', phone_formatted: '+1 650-333-4444', type: 'office', country: 'US' }]);
  const t = await makeTask(h, { lead_id: lead, contact_id: c.body.id, text: 'Rename' });
  assert.equal(t.contact_name, 'Gob');
  await h.req('PUT', `/api/v1/lead/${lead}/`, { body: { name: 'New Name' } });
  await h.req('PUT', `/api/v1/contact/${c.body.id}/`, { body: { name: 'George Oscar' } });
  const again = (await h.req<typeof LeadTask>('GET', `/api/v1/task/${t.id}/`)).body;
  assert.equal(again.lead_name, 'New Name');
  assert.equal(again.contact_name, 'George Oscar');
});
