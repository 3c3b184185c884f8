/**
 * The activity endpoints over HTTP (issue 3): calls, emails, email threads, SMS and
 * TaskCompleted activities; the contact lookups by phone and email; and the lifecycle
 * of the tasks they make beyond the seed scenarios (D29, D30, D32).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { harness, makeLead, makeTask, type Harness } from '../support/helpers.js';

let h: Harness;
before(async () => {
  h = await harness();
});
after(() => h.close());

async function post(url: string, body: unknown, as = h.user): Promise<any> {
  const r = await h.req('POST', url, { body, as });
  assert.equal(r.status, 200, `${url}: ${r.raw}`);
  return r.body;
}

async function put(url: string, body: unknown, as = h.user): Promise<any> {
  const r = await h.req('PUT', url, { body, as });
  assert.equal(r.status, 200, `${url}: ${r.raw}`);
  return r.body;
}

/** Tasks of the given types whose object is `objectId`. */
async function tasksOf(objectId: string, types = 'all'): Promise<any[]> {
  const r = await h.req('GET', `/api/v1/task/?_type${types === 'all' ? '' : '__in'}=${types}&_limit=1000`);
  return r.body.data.filter((t: any) => t.object_id === objectId);
}

async function contactWithPhone(leadName: string, phone: string, name = ''): Promise<{ lead: string; contact: string }> {
  const lead = await makeLead(h, leadName);
  const c = await post('/api/v1/contact/', { lead_id: lead, name, phones: [{ phone }] });
  return { lead, contact: c.id };
}

test('a number in national, E.164 or messy form finds the same contact and lead, for calls and SMS', async () => {
  const { lead, contact } = await contactWithPhone('Normal Co', ' (415) 867-5309 ');
  const rows = await h.db.kysely.selectFrom('contact_phones').selectAll().where('contact_id', '=', contact).execute();
  assert.deepEqual(rows.map((r) => [r.phone_e164, r.lead_id]), [['+14158675309', lead]]);
  for (const phone of ['4158675309', '415-867-5309', '415.867.5309', '(415) 867 5309', '+14158675309', '+1 (415) 867-5309', '1 415 867 5309']) {
    const call = await post('/api/v1/activity/call/', { direction: 'outbound', phone });
    assert.deepEqual([call.phone, call.contact_id, call.lead_id], ['+14158675309', contact, lead], phone);
    const sms = await post('/api/v1/activity/sms/', { status: 'sent', remote_phone: phone, text: 'hi' });
    assert.deepEqual([sms.remote_phone, sms.remote_phone_formatted, sms.contact_id, sms.lead_id], ['+14158675309', '+1 415-867-5309', contact, lead], phone);
  }
  // Contacts made inside a lead are found too.
  const made = await post('/api/v1/lead/', { name: 'Nested Co', contacts: [{ name: 'Nes', phones: [{ phone: '+1 212 555 0142' }] }] });
  const call = await post('/api/v1/activity/call/', { direction: 'outbound', phone: '(212) 555-0142' });
  assert.deepEqual([call.lead_id, call.contact_id], [made.id, made.contacts[0].id]);
});

test('contact updates and deletes keep the phone and email lookups in step', async () => {
  const { contact } = await contactWithPhone('Moving Co', '+1 503 555 0171');
  await put(`/api/v1/contact/${contact}/`, { phones: [{ phone: '503-555-0172' }], emails: [{ email: 'Mover@Moving.example' }] });
  assert.equal((await post('/api/v1/activity/call/', { direction: 'outbound', phone: '5035550171' })).contact_id, null, 'the old number no longer matches');
  assert.equal((await post('/api/v1/activity/call/', { direction: 'outbound', phone: '5035550172' })).contact_id, contact);
  const email = await post('/api/v1/activity/email/', { status: 'inbox', sender: 'mover@moving.example', subject: 'Hello' });
  assert.equal(email.contact_id, contact, 'emails match whatever their case');
  assert.deepEqual((await h.req('DELETE', `/api/v1/contact/${contact}/`)).body, {});
  assert.equal((await post('/api/v1/activity/call/', { direction: 'outbound', phone: '5035550172' })).contact_id, null);
  assert.equal(await h.db.kysely.selectFrom('contact_phones').select('contact_id').where('contact_id', '=', contact).executeTakeFirst(), undefined);
});

test('inbound emails on one thread make one task whose emails list grows; a reply completes it; the next email starts anew (D29, D30)', async () => {
  const lead = await makeLead(h, 'Thread Co');
  await post('/api/v1/contact/', { lead_id: lead, name: 'Tess', emails: [{ email: 'tess@thread.example' }] });
  const e1 = await post('/api/v1/activity/email/', { status: 'inbox', sender: 'Tess <tess@thread.example>', subject: 'Pricing', body_text: 'First question' });
  h.advance(60_000);
  const e2 = await post('/api/v1/activity/email/', { status: 'inbox', sender: 'tess@thread.example', in_reply_to_id: e1.id, subject: 'Re: Pricing', body_text: 'Second' });
  h.advance(60_000);
  const e3 = await post('/api/v1/activity/email/', { status: 'inbox', sender: 'tess@thread.example', subject: 'RE: pricing', body_text: 'Third\n\nline' });
  assert.equal(e2.thread_id, e1.thread_id);
  assert.equal(e3.thread_id, e1.thread_id, 'same subject without Re: joins the thread');
  const tasks = await tasksOf(e1.thread_id, 'incoming_email');
  assert.equal(tasks.length, 1, 'one task per thread');
  const t = tasks[0];
  assert.deepEqual(t.emails, [e1.id, e2.id, e3.id]);
  assert.deepEqual([t.subject, t.body_preview, t.date, t.lead_id], ['RE: pricing', 'Third line', e1.date_created, lead]);

  const thread = (await h.req('GET', `/api/v1/activity/emailthread/${e1.thread_id}/`)).body;
  assert.deepEqual([thread._type, thread.n_emails, thread.emails.map((e: any) => e.id), thread.subject, thread.latest_normalized_subject], ['EmailThread', 3, [e1.id, e2.id, e3.id], 'Pricing', 'pricing']);
  const threads = (await h.req('GET', `/api/v1/activity/emailthread/?lead_id=${lead}`)).body;
  assert.deepEqual(threads.data.map((x: any) => x.id), [e1.thread_id]);

  h.advance(60_000);
  await post('/api/v1/activity/email/', { status: 'sent', thread_id: e1.thread_id, to: ['tess@thread.example'], subject: 'Re: Pricing', body_text: 'Answers' });
  assert.equal((await h.req('GET', `/api/v1/task/${t.id}/`)).body.is_complete, true);
  h.advance(60_000);
  const e4 = await post('/api/v1/activity/email/', { status: 'inbox', sender: 'tess@thread.example', thread_id: e1.thread_id, subject: 'Re: Pricing', body_text: 'Thanks!' });
  const after = await tasksOf(e1.thread_id, 'incoming_email');
  assert.equal(after.length, 2);
  const fresh = after.find((x) => !x.is_complete);
  assert.deepEqual(fresh.emails, [e4.id]);
  assert.notEqual(fresh.id, t.id);
});

test('deleting emails shrinks the task, and the last one takes the thread and its task along', async () => {
  const lead = await makeLead(h, 'Delete Co');
  const a = await post('/api/v1/activity/email/', { lead_id: lead, status: 'inbox', sender: 'x@delete.example', subject: 'Gone soon' });
  const b = await post('/api/v1/activity/email/', { lead_id: lead, status: 'inbox', sender: 'x@delete.example', subject: 'Gone soon' });
  const [t] = await tasksOf(a.thread_id);
  assert.deepEqual(t.emails, [a.id, b.id]);
  assert.deepEqual((await h.req('DELETE', `/api/v1/activity/email/${a.id}/`)).body, {});
  assert.deepEqual((await h.req('GET', `/api/v1/task/${t.id}/`)).body.emails, [b.id]);
  await h.req('DELETE', `/api/v1/activity/email/${b.id}/`);
  assert.equal((await h.req('GET', `/api/v1/task/${t.id}/`)).status, 404);
  assert.equal((await h.req('GET', `/api/v1/activity/emailthread/${a.thread_id}/`)).status, 404);
  assert.equal((await h.req('GET', `/api/v1/activity/email/${a.id}/`)).body.error, 'Empty query: Email matching query does not exist.');
});

test('follow-ups: made only for sent emails, moved and withdrawn with the email, never duplicated (D29, D30)', async () => {
  const lead = await makeLead(h, 'Follow Co');
  const due = '2026-03-13';
  const draft = await post('/api/v1/activity/email/', { lead_id: lead, status: 'draft', to: ['f@follow.example'], subject: 'Offer', body_text: 'Our offer', followup_date: due });
  assert.equal((await tasksOf(draft.thread_id)).length, 0, 'a draft asks for nothing yet');
  await put(`/api/v1/activity/email/${draft.id}/`, { status: 'sent' });
  let tasks = await tasksOf(draft.thread_id);
  assert.equal(tasks.length, 1);
  const f = tasks[0];
  assert.deepEqual([f._type, f.date, f.view, f.email_id, f.body_preview], ['email_followup', due, 'future', draft.id, 'Our offer']);
  await put(`/api/v1/activity/email/${draft.id}/`, { followup_date: '2026-03-16T09:00:00Z', subject: 'Offer (revised)' });
  tasks = await tasksOf(draft.thread_id);
  assert.deepEqual(tasks.map((t) => [t.id, t.date, t.subject]), [[f.id, '2026-03-16T09:00:00+00:00', 'Offer (revised)']], 'moved, not duplicated');
  // A later email on the thread with its own follow-up takes the thread's follow-up over.
  h.advance(60_000);
  const second = await post('/api/v1/activity/email/', { status: 'sent', thread_id: draft.thread_id, to: ['f@follow.example'], subject: 'Re: Offer', body_text: 'Bump', followup_date: '2026-03-20' });
  tasks = await tasksOf(draft.thread_id);
  assert.deepEqual(tasks.map((t) => [t.id, t.date, t.email_id]), [[f.id, '2026-03-20', second.id]]);
  // Removing the date withdraws it.
  await put(`/api/v1/activity/email/${second.id}/`, { followup_date: null });
  assert.equal((await tasksOf(draft.thread_id)).length, 0);
  // No follow-up when the contact already replied after the email (a back-filled thread).
  const old = await post('/api/v1/activity/email/', { lead_id: lead, status: 'inbox', sender: 'f@follow.example', subject: 'Backfill', date_created: '2026-03-09T10:00:00Z' });
  await post('/api/v1/activity/email/', { status: 'sent', thread_id: old.thread_id, subject: 'Backfill', date_created: '2026-03-08T10:00:00Z', followup_date: '2026-03-12' });
  assert.deepEqual((await tasksOf(old.thread_id)).map((t) => t._type), ['incoming_email'], 'the back-dated email is no reply, and asks for no follow-up');
});

test('calls: a ringing call makes its task when it ends, once; deleting the call deletes it; attaching a detached call completes it', async () => {
  const ringing = await post('/api/v1/activity/call/', { direction: 'inbound', status: 'in-progress', phone: '+1 303 555 0190' });
  assert.equal((await tasksOf(ringing.id)).length, 0);
  const ended = await put(`/api/v1/activity/call/${ringing.id}/`, { status: 'no-answer' });
  assert.equal(ended.status, 'no-answer');
  await put(`/api/v1/activity/call/${ringing.id}/`, { note: 'they hung up' });
  const [missed] = await tasksOf(ringing.id);
  assert.equal((await tasksOf(ringing.id)).length, 1);
  assert.deepEqual([missed._type, missed.lead_id, missed.phone_formatted, missed.phone_number_description], ['missed_call', null, '+1 303-555-0190', 'Colorado']);
  assert.deepEqual((await h.req('DELETE', `/api/v1/activity/call/${ringing.id}/`)).body, {});
  assert.equal((await h.req('GET', `/api/v1/task/${missed.id}/`)).status, 404);

  const detached = await post('/api/v1/activity/call/', { direction: 'inbound', status: 'completed', duration: 12, phone: '+1 303 555 0191' });
  const [d] = await tasksOf(detached.id);
  assert.equal(d._type, 'answered_detached_call');
  const lead = await makeLead(h, 'Attach Co');
  const attached = await put(`/api/v1/activity/call/${detached.id}/`, { lead_id: lead }, h.colleague);
  assert.equal(attached.lead_id, lead);
  const done = (await h.req('GET', `/api/v1/task/${d.id}/`)).body;
  assert.deepEqual([done.is_complete, done.lead_id, done.updated_by], [true, lead, h.colleague.id]);
});

test('completion matches the number and the type: calls complete calls, texts complete texts (D30)', async () => {
  const a = '+1 720 555 0111';
  const b = '+1 720 555 0122';
  const missedA = await post('/api/v1/activity/call/', { direction: 'inbound', status: 'busy', phone: a });
  const missedB = await post('/api/v1/activity/call/', { direction: 'inbound', status: 'busy', phone: b });
  const smsA = await post('/api/v1/activity/sms/?send_to_inbox=1', { status: 'inbox', remote_phone: a, text: 'call me' });
  const unsent = await post('/api/v1/activity/sms/', { status: 'inbox', remote_phone: b, text: 'not sent to the inbox' });
  assert.equal((await tasksOf(unsent.id)).length, 0, 'without send_to_inbox no task (Close)');
  const [tA] = await tasksOf(missedA.id);
  const [tB] = await tasksOf(missedB.id);
  const [sA] = await tasksOf(smsA.id);
  assert.equal(sA._type, 'incoming_sms');

  await post('/api/v1/activity/sms/', { status: 'draft', remote_phone: a, text: 'draft' });
  await post('/api/v1/activity/call/', { direction: 'outbound', status: 'completed', duration: 10, phone: '7205550111' });
  const state = async () => Promise.all([tA, tB, sA].map(async (t) => (await h.req('GET', `/api/v1/task/${t.id}/`)).body.is_complete));
  assert.deepEqual(await state(), [true, false, false]);
  const draft = await post('/api/v1/activity/sms/', { status: 'draft', remote_phone: a, text: 'on my way' });
  assert.deepEqual(await state(), [true, false, false], 'a draft is no reply');
  await put(`/api/v1/activity/sms/${draft.id}/`, { status: 'outbox' });
  assert.deepEqual(await state(), [true, false, true]);
});

test('activity lists filter, order and page like Close lists; other organizations see nothing', async () => {
  const lead = await makeLead(h, 'List Co');
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    h.advance(1000);
    ids.push((await post('/api/v1/activity/call/', { lead_id: lead, direction: 'outbound', phone: '+1 720 555 0199', note: `n${i}` }, i === 2 ? h.colleague : h.user)).id);
  }
  const list = (q: string) => h.req('GET', `/api/v1/activity/call/?lead_id=${lead}${q}`);
  assert.deepEqual((await list('')).body.data.map((c: any) => c.id), [...ids].reverse(), 'newest first');
  assert.deepEqual((await list('&_order_by=date_created')).body.data.map((c: any) => c.id), ids);
  const page = (await list('&_limit=2&_order_by=date_created')).body;
  assert.deepEqual([page.data.length, page.has_more], [2, true]);
  assert.deepEqual((await list(`&user_id=${h.colleague.id}`)).body.data.map((c: any) => c.id), [ids[2]]);
  assert.deepEqual((await list(`&id__in=${ids[0]},${ids[1]}&_fields=id,note&_order_by=date_created`)).body.data, [
    { id: ids[0], note: 'n0' },
    { id: ids[1], note: 'n1' },
  ]);
  assert.equal((await list('&_type=Email')).body.data.length, 0);
  assert.equal((await list('&_type=Call')).body.data.length, 3);
  const created = (await h.req('GET', `/api/v1/activity/call/${ids[1]}/`)).body.date_created;
  assert.deepEqual((await list(`&date_created__gte=${encodeURIComponent(created)}&_order_by=date_created`)).body.data.map((c: any) => c.id), ids.slice(1));
  const bad = await list('&_order_by=phone&date_created__gt=yesterday');
  assert.equal(bad.status, 400);
  assert.deepEqual(Object.keys(bad.body['field-errors']).sort(), ['_order_by', 'date_created__gt']);
  const ignored = await list('&bogus=1');
  assert.equal(ignored.headers['x-ignored-params'], 'bogus');

  const outsider = await h.req('GET', `/api/v1/activity/call/?lead_id=${lead}`, { as: h.outsider });
  assert.deepEqual(outsider.body, { data: [], has_more: false });
  for (const [method, body] of [['GET', undefined], ['PUT', { note: 'x' }], ['DELETE', undefined]] as const) {
    const r = await h.req(method, `/api/v1/activity/call/${ids[0]}/`, { as: h.outsider, body });
    assert.deepEqual([r.status, r.body], [404, { error: 'Empty query: Call matching query does not exist.' }], method);
  }
});

test('bad activity bodies answer 400 with Close field errors and write nothing (D26, D28)', async () => {
  const before = (await h.req('GET', '/api/v1/activity/call/?_limit=1000')).body.data.length;
  const foreignLead = await makeLead(h, 'Foreign', h.outsider);
  const cases: [string, unknown, Record<string, unknown>][] = [
    ['/api/v1/activity/call/', { phone: 'not a number' }, { phone: 'Invalid phone number.' }],
    ['/api/v1/activity/call/', { phone: '+1 720 555 0199', recording_url: 'http://insecure.example/r.mp3' }, { recording_url: 'Only secure URLs (https://) are accepted.' }],
    ['/api/v1/activity/call/', { status: 'ringing' }, { status: 'Expected "created" or "in-progress" or "completed" or "cancel" or "no-answer" or "busy" or "failed" or "timeout".' }],
    ['/api/v1/activity/call/', { duration: -3 }, { duration: 'Must be at least 0.' }],
    ['/api/v1/activity/call/', { lead_id: foreignLead }, { lead: 'Object does not exist.' }],
    ['/api/v1/activity/call/', { user_id: h.outsider.id }, { user: 'Object does not exist.' }],
    ['/api/v1/activity/call/', { date_created: 'last week' }, { date_created: 'Not a valid date or datetime. Use an ISO 8601 date-time (got "last week").' }],
    ['/api/v1/activity/email/', { subject: 'x' }, { status: 'This field is required.' }],
    ['/api/v1/activity/email/', { status: 'inbox', subject: 'x' }, { sender: 'This field is required.' }],
    ['/api/v1/activity/email/', { status: 'sent', subject: 'no lead, no known recipient', to: ['nobody@nowhere.example'] }, { lead: 'This field is required.' }],
    ['/api/v1/activity/email/', { status: 'sent', lead_id: foreignLead }, { lead: 'Object does not exist.' }],
    ['/api/v1/activity/email/', { status: 'sent', thread_id: 'acti_missing', subject: 'x' }, { thread: 'Object does not exist.' }],
    ['/api/v1/activity/sms/', { status: 'inbox', remote_phone: '12' }, { remote_phone: 'Invalid phone number.' }],
    ['/api/v1/activity/sms/?send_to_inbox=maybe', { status: 'inbox' }, { send_to_inbox: 'Not a valid boolean. Use true, false, 1 or 0 (got "maybe").' }],
  ];
  for (const [url, body, fieldErrors] of cases) {
    const r = await h.req('POST', url, { body });
    assert.equal(r.status, 400, `${url} ${JSON.stringify(body)}: ${r.raw}`);
    assert.deepEqual(r.body, { errors: [], 'field-errors': fieldErrors }, JSON.stringify(body));
  }
  assert.equal((await h.req('GET', '/api/v1/activity/call/?_limit=1000')).body.data.length, before);
});

test('TaskCompleted activities: listed and fetched with the task they record; deleting one keeps the task complete', async () => {
  const lead = await makeLead(h, 'Done Co');
  const t = await makeTask(h, { lead_id: lead, text: 'Wrap up', assigned_to: h.colleague.id });
  const done = await put(`/api/v1/task/${t.id}/`, { is_complete: true });
  const list = (await h.req('GET', `/api/v1/activity/task_completed/?lead_id=${lead}`)).body;
  assert.equal(list.data.length, 1);
  const a = list.data[0];
  assert.deepEqual(
    [a.id, a._type, a.task_id, a.task_text, a.task_assigned_to, a.task_assigned_to_name, a.user_id, a.user_name, a.lead_id],
    [done.object_id, 'TaskCompleted', t.id, 'Wrap up', h.colleague.id, 'Ken Sato', h.user.id, 'Ann Lee', lead],
  );
  assert.deepEqual((await h.req('GET', `/api/v1/activity/task_completed/${a.id}/`)).body, a);
  assert.deepEqual((await h.req('DELETE', `/api/v1/activity/task_completed/${a.id}/`)).body, {});
  assert.equal((await h.req('GET', `/api/v1/activity/task_completed/${a.id}/`)).status, 404);
  assert.equal((await h.req('GET', `/api/v1/task/${t.id}/`)).body.is_complete, true);
});

test('SMS with attachments: stored with media ids, listed, updated and deleted with its task', async () => {
  const sms = await post('/api/v1/activity/sms/?send_to_inbox=true', {
    status: 'inbox',
    remote_phone: '+1 720 555 0133',
    text: 'pic',
    attachments: [{ url: 'https://media.example/p.png', filename: 'p.png', content_type: 'image/png' }],
  });
  assert.equal(sms.direction, 'inbound', 'inbox messages default to inbound (Close)');
  assert.equal(sms.attachments.length, 1);
  assert.match(sms.attachments[0].media_id, /^media_[0-9A-Za-z]{22}$/);
  assert.deepEqual({ ...sms.attachments[0], media_id: null }, { content_type: 'image/png', filename: 'p.png', media_id: null, size: null, thumbnail_url: null, url: 'https://media.example/p.png' });
  const [t] = await tasksOf(sms.id);
  assert.deepEqual([t._type, t.text, t.attachments], ['incoming_sms', 'pic', sms.attachments]);
  assert.deepEqual((await h.req('GET', `/api/v1/activity/sms/${sms.id}/`)).body, sms);
  assert.deepEqual((await h.req('DELETE', `/api/v1/activity/sms/${sms.id}/`)).body, {});
  assert.equal((await h.req('GET', `/api/v1/task/${t.id}/`)).status, 404);
});
