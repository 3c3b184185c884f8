/**
 * Each of the seven generated task types, made through Close's own activity and
 * opportunity endpoints, compared field by field with the seed example's task of that
 * type (`fixtures/seed-task-list.json`), then completed by the activity D30 names and
 * checked to have left the inbox for the archive (issue 3; D29, D30, D32).
 *
 * Each scenario replays the seed's situation: the same numbers, names, texts, values
 * and instants (activities are back-dated with `date_created`/`activity_at` and the
 * clock is pinned), read by a user in Los Angeles. Ids, `date_created`/`date_updated`
 * and user names differ by nature and are compared by kind: same id prefix or both
 * null, both date-times, both null or both names. Everything else must be equal. The
 * seed's keys plus `priority` and `resolution` (null), which every task has (D34).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { harness, makeLead, type Harness } from '../support/helpers.js';
import type { TaskResponse, TaskListResponse } from '../../src/schemas/task-response.js';

/**
 * The seed's task of each type, with the two keys D34 adds to every task (`priority`
 * and `resolution`, null: the seed sets neither), in sorted order.
 */
const seed: Record<string, any> = Object.fromEntries(
  (JSON.parse(readFileSync(new URL('../../fixtures/seed-task-list.json', import.meta.url), 'utf8')).data as any[]).map((t) => [
    t._type,
    Object.fromEntries(Object.entries({ ...t, priority: null, resolution: null }).sort(([a], [b]) => (a < b ? -1 : 1))),
  ]),
);

const ID_FIELDS = new Set(['id', 'organization_id', 'lead_id', 'contact_id', 'assigned_to', 'created_by', 'updated_by', 'object_id', 'email_id']);
const USER_NAME_FIELDS = new Set(['assigned_to_name', 'created_by_name', 'updated_by_name']);
const INSTANT_FIELDS = new Set(['date_created', 'date_updated']);
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/;

const prefix = (v: unknown) => (typeof v === 'string' ? v.slice(0, v.indexOf('_') + 1) : v);

/**
 * Asserts that `actual` has exactly the seed task's keys and values, ids, instants and
 * user names compared by kind. `known` lists fields allowed to differ, with the reason.
 */
function assertLikeSeed(actual: Record<string, any>, type: string, known: Record<string, string> = {}): void {
  const expected = seed[type];
  assert.deepEqual(Object.keys(actual), Object.keys(expected), `${type}: the same fields, in Close's (sorted) order`);
  for (const key of Object.keys(expected)) {
    if (key in known) continue;
    const a = actual[key];
    const e = expected[key];
    const where = `${type}.${key}`;
    if (ID_FIELDS.has(key)) assert.equal(prefix(a), prefix(e), `${where}: ${JSON.stringify(a)} vs ${JSON.stringify(e)}`);
    else if (USER_NAME_FIELDS.has(key)) assert.equal(a === null, e === null, `${where}: null-ness`);
    else if (INSTANT_FIELDS.has(key)) assert.match(a, DATETIME_RE, where);
    else if (key === 'emails') {
      assert.equal(a.length, e.length, where);
      for (const id of a) assert.match(id, /^acti_[0-9A-Za-z]{43}$/, where);
    } else if (key === 'attachments') {
      assert.equal(a.length, e.length, where);
      a.forEach((att: any, i: number) => {
        assert.deepEqual(Object.keys(att), Object.keys(e[i]), where);
        assert.match(att.media_id, /^media_/, where);
        assert.deepEqual({ ...att, media_id: null }, { ...e[i], media_id: null }, where);
      });
    } else assert.deepEqual(a, e, where);
  }
}

async function taskOfType(h: Harness, type: string): Promise<any> {
  const r = await h.req<typeof TaskListResponse>('GET', `/api/v1/task/?_type=${type}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.data.length, 1, `exactly one ${type} task`);
  return r.body.data[0];
}

/** The task left the inbox and is in the archive (complete). */
async function assertArchived(h: Harness, id: string): Promise<any> {
  const inbox = await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?_type=all&view=inbox&_fields=id');
  assert.ok(!inbox.body.data.some((t: any) => t.id === id), 'no longer in the inbox');
  const archive = await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?_type=all&view=archive&_fields=id');
  assert.ok(archive.body.data.some((t: any) => t.id === id), 'in the archive');
  const t = (await h.req<typeof TaskResponse>('GET', `/api/v1/task/${id}/`)).body;
  assert.equal(t.is_complete, true);
  assert.equal(t.view, 'archive');
  return t;
}

async function inInbox(h: Harness, id: string): Promise<boolean> {
  const inbox = await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?_type=all&view=inbox&_fields=id');
  return inbox.body.data.some((t: any) => t.id === id);
}

async function post(h: Harness, url: string, body: unknown, as = h.user): Promise<any> {
  const r = await h.req('POST', url, { body, as });
  assert.equal(r.status, 200, `${url}: ${r.raw}`);
  return r.body;
}

async function withHarness(now: string, fn: (h: Harness) => Promise<void>): Promise<void> {
  const h = await harness({ timezone: 'America/Los_Angeles', now: Date.parse(now) });
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

test('missed_call: an unanswered inbound call from a contact; a call back completes it (D29, D30)', () =>
  withHarness('2015-05-27T18:33:52.937Z', async (h) => {
    const lead = await makeLead(h, 'Lead Name');
    const contact = await post(h, '/api/v1/contact/', { lead_id: lead, phones: [{ phone: '(650) 333-4444', type: 'mobile' }] });
    const call = await post(
      h,
      '/api/v1/activity/call/',
      { direction: 'inbound', status: 'no-answer', phone: '+16503334444', local_phone: '+19193332031', user_id: h.colleague.id, date_created: '2015-05-27T18:33:52.937Z' },
      h.user,
    );
    const t = await taskOfType(h, 'missed_call');
    assertLikeSeed(t, 'missed_call');
    assert.deepEqual([t.object_id, t.contact_id, t.lead_id, t.assigned_to, t.date], [call.id, contact.id, lead, h.colleague.id, '2015-05-27T18:33:52.937000+00:00']);

    h.setNow(Date.parse('2015-05-27T19:10:00Z'));
    await post(h, '/api/v1/activity/call/', { direction: 'outbound', status: 'completed', duration: 95, phone: '650-333-4444' }, h.colleague);
    const done = await assertArchived(h, t.id);
    assert.equal(done.updated_by, h.colleague.id, 'completed by the user who called back');
    assert.equal(done.date_updated, '2015-05-27T19:10:00+00:00');
  }));

test('voicemail: a voicemail from an unknown number; an answered call from that number completes it (D29, D30)', () =>
  withHarness('2015-02-26T19:24:39.847Z', async (h) => {
    await post(h, '/api/v1/activity/call/', {
      direction: 'inbound',
      status: 'completed',
      phone: '(631) 423-8017',
      local_phone: '+1 631 909 9219',
      voicemail_duration: 21,
      voicemail_url: 'https://s3.amazonaws.com/plivocloud/aaa-bbb-ccc.mp3',
      date_created: '2014-01-29T21:18:37.535Z',
    });
    const t = await taskOfType(h, 'voicemail');
    assertLikeSeed(t, 'voicemail');
    assert.equal(t.assigned_to, h.user.id, 'assigned to the call user, who defaults to the caller (D32)');

    h.advance(60_000);
    await post(h, '/api/v1/activity/call/', { direction: 'inbound', status: 'completed', duration: 240, phone: '+16314238017' });
    await assertArchived(h, t.id);
    // The answered call came from a number on no lead: it makes its own detached-call task.
    assert.equal((await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?_type=answered_detached_call&view=inbox')).body.data.length, 1);
  }));

test('answered_detached_call: an answered call from a number on no contact; adding the number to a contact completes it (D29, D30)', () =>
  withHarness('2015-01-09T19:50:49Z', async (h) => {
    const call = await post(h, '/api/v1/activity/call/', {
      direction: 'inbound',
      status: 'completed',
      duration: 60,
      phone: '650.429.8174',
      recording_url: 'https://s3.amazonaws.com/plivocloud/aaa-bbb-ccc.mp3',
      activity_at: '2015-01-09T19:49:49Z',
    });
    assert.equal(call.lead_id, null);
    const t = await taskOfType(h, 'answered_detached_call');
    assertLikeSeed(t, 'answered_detached_call');

    h.advance(3_600_000);
    const lead = await makeLead(h, 'Caller Inc.');
    const contact = await post(h, '/api/v1/contact/', { lead_id: lead, name: 'New Caller', phones: [{ phone: '+1 (650) 429-8174' }] });
    const done = await assertArchived(h, t.id);
    assert.deepEqual([done.lead_id, done.contact_id, done.lead_name, done.contact_name], [lead, contact.id, 'Caller Inc.', 'New Caller']);
    const attached = (await h.req('GET', `/api/v1/activity/call/${call.id}/`)).body;
    assert.deepEqual([attached.lead_id, attached.contact_id], [lead, contact.id], 'the call belongs to the lead now too');
  }));

test('incoming_email: an inbound email; a reply on its thread completes it (D29, D30)', () =>
  withHarness('2015-02-26T19:24:38.643Z', async (h) => {
    const lead = await makeLead(h, 'Test Company');
    const contact = await post(h, '/api/v1/contact/', { lead_id: lead, emails: [{ email: 'Metrics@Client.example' }] });
    const email = await post(h, '/api/v1/activity/email/', {
      status: 'inbox',
      sender: '"Client" <metrics@client.example>',
      to: ['ann@acme.test'],
      subject: 'December 2014 Metrics',
      body_text: 'Hi,\n  does your company   provide metrics for 12/2014?\n',
      date_created: '2015-01-09T19:50:49Z',
    });
    assert.deepEqual([email.lead_id, email.contact_id, email.direction], [lead, contact.id, 'incoming']);
    const t = await taskOfType(h, 'incoming_email');
    assertLikeSeed(t, 'incoming_email');
    assert.deepEqual([t.emails, t.object_id], [[email.id], email.thread_id]);

    h.advance(60_000);
    await post(h, '/api/v1/activity/email/', { status: 'sent', in_reply_to_id: email.id, to: ['metrics@client.example'], subject: 'Re: December 2014 Metrics', body_text: 'Attached.' });
    const done = await assertArchived(h, t.id);
    assert.equal(done.updated_by, h.user.id);
  }));

test('email_followup: a sent email with a follow-up date, due on that date; a reply cancels it (D29, D30)', () =>
  withHarness('2015-01-02T10:00:00Z', async (h) => {
    const lead = await makeLead(h, 'Test Company');
    await post(h, '/api/v1/contact/', { lead_id: lead, emails: [{ email: 'buyer@client.example' }] });
    const sent = await post(h, '/api/v1/activity/email/', {
      status: 'sent',
      to: ['buyer@client.example'],
      subject: 'I have an offer for you',
      body_text: "Please respond if you're interested",
      followup_date: '2015-01-09T19:50:49Z',
    });
    const early = await taskOfType(h, 'email_followup');
    assert.equal(early.view, 'future', 'not due before its date');
    assert.equal(await inInbox(h, early.id), false);

    h.setNow(Date.parse('2015-02-26T19:24:38.643Z'));
    const t = await taskOfType(h, 'email_followup');
    assertLikeSeed(t, 'email_followup');
    assert.deepEqual([t.email_id, t.object_id, t.id], [sent.id, sent.thread_id, early.id]);

    h.advance(60_000);
    await post(h, '/api/v1/activity/email/', { status: 'inbox', sender: 'buyer@client.example', subject: 'Re: I have an offer for you', body_text: 'Interested!' });
    const done = await assertArchived(h, t.id);
    assert.equal(done.updated_by, null, 'cancelled by the contact answering, not by a user');
  }));

test('opportunity_due: an active opportunity due on its close date; winning it completes the task (D29, D30, D32)', () =>
  withHarness('2015-05-27T22:27:43.617Z', async (h) => {
    const lead = await makeLead(h, 'Test Inc.');
    const contact = await post(h, '/api/v1/contact/', { lead_id: lead, name: 'John Doe' });
    const opp = await post(h, '/api/v1/opportunity/', {
      lead_id: lead,
      contact_id: contact.id,
      user_id: h.colleague.id,
      value: 130000,
      value_period: 'one_time',
      note: 'tqm',
      date_won: '2015-05-28',
    });
    h.setNow(Date.parse('2015-05-27T22:59:26.435Z'));
    const put = await h.req('PUT', `/api/v1/opportunity/${opp.id}/`, { body: { note: 'tqm cvr' }, as: h.colleague });
    assert.equal(put.status, 200);
    const t = await taskOfType(h, 'opportunity_due');
    assertLikeSeed(t, 'opportunity_due');
    assert.deepEqual([t.assigned_to, t.created_by, t.updated_by, t.object_id], [h.colleague.id, h.user.id, h.colleague.id, opp.id]);

    h.advance(60_000);
    const won = await h.req('PUT', `/api/v1/opportunity/${opp.id}/`, { body: { status_type: 'won' }, as: h.colleague });
    assert.equal(won.body.status_label, 'Won');
    await assertArchived(h, t.id);
  }));

test('incoming_sms: an inbound MMS sent to the inbox; texting back completes it (D29, D30)', () =>
  withHarness('2016-09-21T19:00:05.835Z', async (h) => {
    const lead = await makeLead(h, 'New Lead');
    const contact = await post(h, '/api/v1/contact/', { lead_id: lead, name: 'Steve Ballmer', phones: [{ phone: '818-934-7000' }] });
    const att = seed.incoming_sms.attachments[0];
    const sms = await post(h, '/api/v1/activity/sms/?send_to_inbox=true', {
      status: 'inbox',
      remote_phone: '(818) 934-7000',
      local_phone: '+16503334444',
      text: 'Developers developers developers developers!!!',
      attachments: [{ url: att.url, filename: att.filename, content_type: att.content_type, size: att.size, thumbnail_url: att.thumbnail_url }],
    });
    assert.deepEqual([sms.direction, sms.contact_id, sms.lead_id], ['inbound', contact.id, lead]);
    const t = await taskOfType(h, 'incoming_sms');
    assertLikeSeed(t, 'incoming_sms', {
      updated_by: 'the seed task was touched by a user after it arrived; a new one has no updater',
      updated_by_name: 'idem',
    });
    assert.equal(t.updated_by, null);
    assert.equal(t.object_id, sms.id);

    h.advance(60_000);
    await post(h, '/api/v1/activity/sms/', { status: 'sent', remote_phone: '+18189347000', local_phone: '+16503334444', text: 'Call me.' });
    await assertArchived(h, t.id);
  }));

test('the seed comparison is strict: a changed value, a missing or extra key, or a wrong id kind fails it', () => {
  const good = structuredClone(seed.missed_call);
  assertLikeSeed(good, 'missed_call');
  const cases: [string, (t: any) => void][] = [
    ['changed value', (t) => (t.phone_number_description = 'Oregon')],
    ['changed date', (t) => (t.date = '2015-05-27')],
    ['missing key', (t) => delete t.local_phone],
    ['extra key', (t) => (t.voicemail_url = null)],
    ['null id', (t) => (t.contact_id = null)],
    ['wrong id kind', (t) => (t.object_id = 'oppo_x')],
    ['user name null-ness', (t) => (t.assigned_to_name = null)],
    ['not a date-time', (t) => (t.date_created = '2015-05-27')],
  ];
  for (const [what, mutate] of cases) {
    const bad = structuredClone(good);
    mutate(bad);
    const keys = Object.keys(bad).sort();
    const sorted = Object.fromEntries(keys.map((k) => [k, bad[k]]));
    assert.throws(() => assertLikeSeed(sorted, 'missed_call'), assert.AssertionError, what);
  }
});
