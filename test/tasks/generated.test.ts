/**
 * The pure rules of generated tasks (`src/tasks/generated/`; D29, D30, D32) and the
 * formats they use (phones, money, previews, subjects), as tables. No HTTP, no SQL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BODY_PREVIEW_LENGTH,
  bodyPreview,
  callEffects,
  callTaskDraft,
  classifyCall,
  emailDeletedEffects,
  emailEffects,
  matchKeyOf,
  opportunityDueDate,
  opportunityEffects,
  smsEffects,
  type CallFacts,
  type EmailFacts,
  type KnownTask,
  type OpportunityFacts,
  type SmsFacts,
  type ThreadState,
} from '../../src/tasks/generated/index.js';
import { extraFieldsOf } from '../../src/tasks/types.js';
import { formatMoney, isCurrencyCode } from '../../src/close/money.js';
import { parsePhone, phoneDetails } from '../../src/close/phones.js';
import { emailAddressOf } from '../../src/crm/channels.js';
import { normalizeSubject } from '../../src/crm/threads.js';

const T0 = Date.parse('2026-03-10T12:00:00Z');
const DAY = 86_400_000;
const PHONE = { e164: '+16503334444', formatted: '+1 650-333-4444', country: 'US', description: 'California' };

function call(over: Partial<CallFacts> = {}): CallFacts {
  return {
    id: 'acti_call',
    direction: 'inbound',
    status: 'completed',
    duration: 30,
    voicemail_url: null,
    voicemail_duration: null,
    recording_url: null,
    phone: PHONE,
    local_phone: '+19193332031',
    lead_id: 'lead_1',
    contact_id: 'cont_1',
    user_id: 'user_ann',
    at: T0,
    ...over,
  };
}

function task(over: Partial<KnownTask> = {}): KnownTask {
  return { id: 'noti_1', type: 'missed_call', is_complete: false, date: { kind: 'datetime', ms: T0 }, assigned_to: 'user_ann', lead_id: null, contact_id: null, fields: {}, ...over };
}

test('classifyCall: which calls are missed, voicemails, answered, ongoing or outbound (D29)', () => {
  const rows: [Partial<CallFacts>, string][] = [
    [{ direction: 'outbound', status: 'no-answer' }, 'outbound'],
    [{ direction: 'outbound', status: 'completed' }, 'outbound'],
    [{ status: 'no-answer', duration: null }, 'missed'],
    [{ status: 'busy', duration: null }, 'missed'],
    [{ status: 'cancel', duration: null }, 'missed'],
    [{ status: 'failed', duration: null }, 'missed'],
    [{ status: 'timeout', duration: null }, 'missed'],
    [{ status: 'completed', duration: 0 }, 'missed'],
    [{ status: 'completed', duration: 42 }, 'answered'],
    [{ status: 'completed', duration: null }, 'answered'],
    [{ status: 'created', duration: null }, 'ongoing'],
    [{ status: 'in-progress', duration: null }, 'ongoing'],
    [{ status: 'no-answer', voicemail_url: 'https://x.test/vm.mp3' }, 'voicemail'],
    [{ status: 'completed', duration: 30, voicemail_duration: 12 }, 'voicemail'],
    [{ status: 'completed', duration: 30, voicemail_duration: 0 }, 'answered'],
  ];
  for (const [over, outcome] of rows) assert.equal(classifyCall(call(over)), outcome, JSON.stringify(over));
});

test('callTaskDraft: the task each call makes carries exactly its type fields (D29, tasks/types.ts)', () => {
  const rows: [Partial<CallFacts>, string | null][] = [
    [{ status: 'no-answer' }, 'missed_call'],
    [{ status: 'no-answer', voicemail_url: 'https://x.test/vm.mp3', voicemail_duration: 21 }, 'voicemail'],
    [{ status: 'completed', duration: 60, lead_id: null, contact_id: null, recording_url: 'https://x.test/r.mp3' }, 'answered_detached_call'],
    [{ status: 'completed', duration: 60 }, null], // answered, on a lead: no task
    [{ direction: 'outbound' }, null],
    [{ status: 'in-progress' }, null],
  ];
  for (const [over, type] of rows) {
    const d = callTaskDraft(call(over));
    assert.equal(d?.type ?? null, type, JSON.stringify(over));
    if (!d) continue;
    assert.deepEqual(Object.keys(d.fields).sort(), extraFieldsOf(d.type).sort());
    assert.deepEqual([d.object_type, d.object_id, d.match_key, d.assigned_to, d.created_by], ['call', 'acti_call', 'phone:+16503334444', 'user_ann', null]);
    assert.deepEqual(d.date, { kind: 'datetime', ms: T0 });
  }
  const vm = callTaskDraft(call({ status: 'no-answer', voicemail_url: 'https://x.test/vm.mp3', voicemail_duration: 21 }))!;
  assert.deepEqual(vm.fields, { local_phone: '+19193332031', phone: '+16503334444', voicemail_duration: 21, voicemail_url: 'https://x.test/vm.mp3' });
  const withheld = callTaskDraft(call({ status: 'no-answer', phone: null }))!;
  assert.deepEqual([withheld.match_key, withheld.fields.phone, withheld.fields.phone_formatted], [null, null, null]);
});

test('callEffects: make once, complete missed calls of the number, attach detached calls (D29, D30)', () => {
  const openMissed = [task({ id: 'noti_m' }), task({ id: 'noti_v', type: 'voicemail' })];
  // A new missed call makes its task; nothing to complete.
  assert.deepEqual(
    callEffects(null, call({ status: 'no-answer' }), { tasksOfCall: [], openMissedForNumber: openMissed }, 'user_ann').map((e) => e.kind),
    ['insert'],
  );
  // A call back (outbound, any status) completes both, by the call's user.
  assert.deepEqual(callEffects(null, call({ direction: 'outbound', status: 'no-answer', user_id: 'user_ken' }), { tasksOfCall: [], openMissedForNumber: openMissed }, 'user_ann'), [
    { kind: 'complete', ids: ['noti_m', 'noti_v'], by: 'user_ken' },
  ]);
  // An answered inbound call also completes them.
  assert.deepEqual(callEffects(null, call(), { tasksOfCall: [], openMissedForNumber: openMissed }, 'user_ann'), [{ kind: 'complete', ids: ['noti_m', 'noti_v'], by: 'user_ann' }]);
  // Editing a note of an already-completing call completes nothing again.
  assert.deepEqual(callEffects(call(), call(), { tasksOfCall: [], openMissedForNumber: openMissed }, 'user_ann'), []);
  // A ringing call that ends unanswered makes its task then; once made, never again.
  assert.deepEqual(callEffects(call({ status: 'in-progress' }), call({ status: 'no-answer' }), { tasksOfCall: [], openMissedForNumber: [] }, 'user_ann').map((e) => e.kind), ['insert']);
  assert.deepEqual(callEffects(call({ status: 'in-progress' }), call({ status: 'no-answer' }), { tasksOfCall: [task()], openMissedForNumber: [] }, 'user_ann'), []);
  assert.deepEqual(callEffects(call({ status: 'no-answer' }), call({ status: 'no-answer' }), { tasksOfCall: [], openMissedForNumber: [] }, 'user_ann'), []);
  // A missed call's own task is not completed by its own later edits (marked answered after the fact).
  const own = task({ id: 'noti_own' });
  assert.deepEqual(callEffects(call({ status: 'no-answer' }), call({ status: 'completed', duration: 20 }), { tasksOfCall: [own], openMissedForNumber: [own, task({ id: 'noti_other' })] }, 'user_ann'), [
    { kind: 'complete', ids: ['noti_other'], by: 'user_ann' },
  ]);
  // Attaching a detached call to a lead: its tasks follow, the detached one completes, by the actor.
  const detached = task({ id: 'noti_d', type: 'answered_detached_call' });
  const before = call({ lead_id: null, contact_id: null });
  const after = call({ lead_id: 'lead_9', contact_id: null });
  assert.deepEqual(callEffects(before, after, { tasksOfCall: [detached], openMissedForNumber: [] }, 'user_ken'), [
    { kind: 'update', id: 'noti_d', patch: { lead_id: 'lead_9', contact_id: null }, by: 'user_ken' },
    { kind: 'complete', ids: ['noti_d'], by: 'user_ken' },
  ]);
});

function email(over: Partial<EmailFacts> = {}): EmailFacts {
  return {
    id: 'acti_e1',
    thread_id: 'acti_t',
    direction: 'incoming',
    status: 'inbox',
    subject: 'Metrics',
    body_preview: 'Hi',
    followup_date: null,
    lead_id: 'lead_1',
    contact_id: 'cont_1',
    user_id: 'user_ann',
    at: T0,
    ...over,
  };
}
const EMPTY: ThreadState = { openIncoming: null, openFollowup: null, latestInboundAt: null };

test('emailEffects: inbound emails make or extend one task per thread and cancel a due follow-up (D29, D30)', () => {
  const [make] = emailEffects(null, email(), EMPTY);
  assert.equal(make.kind, 'insert');
  if (make.kind === 'insert') {
    assert.deepEqual(make.draft.fields, { body_preview: 'Hi', emails: ['acti_e1'], subject: 'Metrics' });
    assert.deepEqual([make.draft.type, make.draft.object_type, make.draft.object_id, make.draft.match_key], ['incoming_email', 'emailthread', 'acti_t', 'thread:acti_t']);
  }
  const open = task({ id: 'noti_in', type: 'incoming_email', fields: { emails: ['acti_e1'], subject: 'Metrics', body_preview: 'Hi' } });
  assert.deepEqual(emailEffects(null, email({ id: 'acti_e2', subject: 'Re: Metrics', body_preview: 'Again' }), { ...EMPTY, openIncoming: open }), [
    { kind: 'update', id: 'noti_in', patch: { fields: { emails: ['acti_e1', 'acti_e2'], subject: 'Re: Metrics', body_preview: 'Again' } }, by: null },
  ]);
  // Drafts, errors and outgoing emails do not make incoming_email tasks.
  assert.deepEqual(emailEffects(null, email({ direction: 'outgoing', status: 'draft' }), EMPTY), []);
  // A reply from the contact cancels the open follow-up of an earlier email, not of a later one.
  const followup = { ...task({ id: 'noti_f', type: 'email_followup', fields: { email_id: 'acti_sent' } }), emailAt: T0 - DAY };
  assert.deepEqual(emailEffects(null, email(), { ...EMPTY, openFollowup: followup }).filter((e) => e.kind === 'complete'), [{ kind: 'complete', ids: ['noti_f'], by: null }]);
  assert.deepEqual(emailEffects(null, email({ at: T0 - 2 * DAY }), { ...EMPTY, openFollowup: followup }).filter((e) => e.kind === 'complete'), []);
});

test('emailEffects: replies complete incoming_email; follow-ups are made, moved, taken over and withdrawn (D29, D30)', () => {
  const open = task({ id: 'noti_in', type: 'incoming_email', date: { kind: 'datetime', ms: T0 } });
  const sent = (over: Partial<EmailFacts> = {}) => email({ id: 'acti_s', direction: 'outgoing', status: 'sent', at: T0 + 60_000, ...over });
  assert.deepEqual(emailEffects(null, sent({ user_id: 'user_ken' }), { ...EMPTY, openIncoming: open }), [{ kind: 'complete', ids: ['noti_in'], by: 'user_ken' }]);
  // An older (back-dated) sent email is not a reply to it; a draft is not either.
  assert.deepEqual(emailEffects(null, sent({ at: T0 - 60_000 }), { ...EMPTY, openIncoming: open }), []);
  assert.deepEqual(emailEffects(null, sent({ status: 'draft' }), { ...EMPTY, openIncoming: open }), []);

  const due = { kind: 'datetime' as const, ms: T0 + 3 * DAY };
  const [f] = emailEffects(null, sent({ followup_date: due }), EMPTY);
  assert.equal(f.kind, 'insert');
  if (f.kind === 'insert') {
    assert.deepEqual([f.draft.type, f.draft.date, f.draft.fields], ['email_followup', due, { body_preview: 'Hi', email_id: 'acti_s', subject: 'Metrics' }]);
  }
  // Not when the contact already replied after it (a back-filled thread).
  assert.deepEqual(emailEffects(null, sent({ followup_date: due }), { ...EMPTY, latestInboundAt: T0 + 120_000 }), []);
  const own = { ...task({ id: 'noti_f', type: 'email_followup', date: due, fields: { email_id: 'acti_s', subject: 'Metrics', body_preview: 'Hi' } }), emailAt: T0 + 60_000 };
  // Re-dating moves it; the same date changes nothing; removing the date deletes it.
  const later = { kind: 'date' as const, day: '2026-03-20', ms: Date.UTC(2026, 2, 20) };
  assert.deepEqual(emailEffects(sent({ followup_date: due }), sent({ followup_date: later }), { ...EMPTY, openFollowup: own }), [
    { kind: 'update', id: 'noti_f', patch: { date: later, fields: { body_preview: 'Hi', email_id: 'acti_s', subject: 'Metrics' }, assigned_to: 'user_ann' }, by: null },
  ]);
  assert.deepEqual(emailEffects(sent({ followup_date: due }), sent({ followup_date: due }), { ...EMPTY, openFollowup: own }), []);
  assert.deepEqual(emailEffects(sent({ followup_date: due }), sent({ followup_date: null }), { ...EMPTY, openFollowup: own }), [{ kind: 'delete', ids: ['noti_f'] }]);
  // A newer email with its own follow-up takes the thread's open follow-up over (one per thread); an older one does not.
  const newer = emailEffects(null, sent({ id: 'acti_s2', at: T0 + DAY, followup_date: later }), { ...EMPTY, openFollowup: own });
  assert.deepEqual(newer.map((e) => e.kind), ['update']);
  assert.deepEqual(emailEffects(null, sent({ id: 'acti_s0', at: T0, followup_date: later }), { ...EMPTY, openFollowup: own }), []);
});

test('emailDeletedEffects: a deleted email leaves its task, which goes with its last email', () => {
  const open = task({ id: 'noti_in', type: 'incoming_email', fields: { emails: ['acti_a', 'acti_b'] } });
  assert.deepEqual(emailDeletedEffects('acti_a', open, []), [{ kind: 'update', id: 'noti_in', patch: { fields: { emails: ['acti_b'] } }, by: null }]);
  assert.deepEqual(emailDeletedEffects('acti_b', task({ ...open, fields: { emails: ['acti_b'] } }), []), [{ kind: 'delete', ids: ['noti_in'] }]);
  assert.deepEqual(emailDeletedEffects('acti_s', null, [task({ id: 'noti_f', type: 'email_followup' })]), [{ kind: 'delete', ids: ['noti_f'] }]);
});

function sms(over: Partial<SmsFacts> = {}): SmsFacts {
  return {
    id: 'acti_sms',
    direction: 'inbound',
    status: 'inbox',
    text: 'Hello',
    remote: { ...PHONE, e164: '+18189347000', formatted: '+1 818-934-7000' },
    local_phone: '+16503334444',
    attachments: [],
    lead_id: 'lead_1',
    contact_id: 'cont_1',
    user_id: 'user_ann',
    dayMs: Date.UTC(2016, 8, 21),
    ...over,
  };
}

test('smsEffects: send_to_inbox makes incoming_sms dated the day; a sent reply to the number completes it (D29, D30)', () => {
  const [made] = smsEffects(null, sms(), [], true);
  assert.equal(made.kind, 'insert');
  if (made.kind === 'insert') {
    assert.deepEqual(made.draft.date, { kind: 'date', day: '2016-09-21', ms: Date.UTC(2016, 8, 21) });
    assert.deepEqual(Object.keys(made.draft.fields).sort(), extraFieldsOf('incoming_sms').sort());
    assert.deepEqual([made.draft.text, made.draft.match_key], ['Hello', 'phone:+18189347000']);
  }
  assert.deepEqual(smsEffects(null, sms(), [], false), [], 'without send_to_inbox, no task (Close)');
  const open = [task({ id: 'noti_s', type: 'incoming_sms' })];
  for (const [status, completes] of [['sent', true], ['outbox', true], ['draft', false], ['scheduled', false], ['error', false]] as const) {
    const effects = smsEffects(null, sms({ direction: 'outbound', status, user_id: 'user_ken' }), open, false);
    assert.deepEqual(effects, completes ? [{ kind: 'complete', ids: ['noti_s'], by: 'user_ken' }] : [], status);
  }
  // A draft sent later completes then; re-saving a sent message does not again.
  assert.deepEqual(smsEffects(sms({ direction: 'outbound', status: 'draft' }), sms({ direction: 'outbound', status: 'sent' }), open, false).length, 1);
  assert.deepEqual(smsEffects(sms({ direction: 'outbound', status: 'sent' }), sms({ direction: 'outbound', status: 'sent' }), open, false), []);
});

function opp(over: Partial<OpportunityFacts> = {}): OpportunityFacts {
  return {
    id: 'oppo_1',
    lead_id: 'lead_1',
    contact_id: null,
    user_id: 'user_ann',
    status_type: 'active',
    date_won_day: Date.UTC(2015, 4, 28),
    value: 130000,
    value_currency: 'USD',
    value_formatted: '$1,300',
    value_period: 'one_time',
    note: 'tqm cvr',
    ...over,
  };
}

test('opportunityDueDate and opportunityEffects: due, moved, followed, completed (D29, D30, D32)', () => {
  assert.deepEqual(opportunityDueDate(opp()), { kind: 'datetime', ms: Date.parse('2015-05-28T00:00:00Z') });
  assert.equal(opportunityDueDate(opp({ status_type: 'won' })), null);
  assert.equal(opportunityDueDate(opp({ date_won_day: null })), null);

  const [made] = opportunityEffects(null, opp(), null, 'user_ken');
  assert.equal(made.kind, 'insert');
  if (made.kind === 'insert') {
    assert.deepEqual(made.draft.fields, {
      opportunity_note: 'tqm cvr',
      opportunity_value: 130000,
      opportunity_value_currency: 'USD',
      opportunity_value_formatted: '$1,300',
      opportunity_value_period: 'one_time',
    });
    assert.deepEqual([made.draft.assigned_to, made.draft.created_by, made.draft.object_type, made.draft.match_key], ['user_ann', 'user_ken', 'opportunity', 'opportunity:oppo_1']);
  }
  assert.deepEqual(opportunityEffects(null, opp({ date_won_day: null }), null, 'user_ken'), []);
  const open = task({ id: 'noti_o', type: 'opportunity_due', date: { kind: 'datetime', ms: Date.parse('2015-05-28T00:00:00Z') }, lead_id: 'lead_1', fields: { ...((made as any).draft.fields) } });
  assert.deepEqual(opportunityEffects(opp(), opp(), open, 'user_ken'), [], 'nothing changed');
  const moved = opportunityEffects(opp(), opp({ date_won_day: Date.UTC(2015, 5, 2), user_id: 'user_ken' }), open, 'user_ken');
  assert.deepEqual(moved, [{ kind: 'update', id: 'noti_o', patch: { date: { kind: 'datetime', ms: Date.parse('2015-06-02T00:00:00Z') }, assigned_to: 'user_ken' }, by: 'user_ken' }]);
  for (const after of [opp({ status_type: 'won' }), opp({ status_type: 'lost' }), opp({ date_won_day: null }), null]) {
    assert.deepEqual(opportunityEffects(opp(), after, open, 'user_ken'), [{ kind: 'complete', ids: ['noti_o'], by: 'user_ken' }]);
  }
  // Completed by hand: an unrelated edit makes no new task; a new close date does.
  assert.deepEqual(opportunityEffects(opp(), opp({ note: 'x' }), null, 'user_ken'), []);
  assert.equal(opportunityEffects(opp(), opp({ date_won_day: Date.UTC(2015, 5, 2) }), null, 'user_ken')[0].kind, 'insert');
  // Won, then reopened as active with its date: due again.
  assert.equal(opportunityEffects(opp({ status_type: 'won' }), opp(), null, 'user_ken')[0].kind, 'insert');
});

test('matchKeyOf: imported generated tasks match like made ones', () => {
  const e164 = (t: string) => parsePhone(t)?.e164 ?? null;
  assert.equal(matchKeyOf('missed_call', { phone: '+16503334444' }, 'acti_c', e164), 'phone:+16503334444');
  assert.equal(matchKeyOf('voicemail', { phone: '(631) 423-8017' }, 'acti_c', e164), 'phone:+16314238017');
  assert.equal(matchKeyOf('incoming_sms', { remote_phone: '+18189347000' }, 'acti_s', e164), 'phone:+18189347000');
  assert.equal(matchKeyOf('incoming_email', {}, 'acti_t', e164), 'thread:acti_t');
  assert.equal(matchKeyOf('email_followup', {}, 'acti_t', e164), 'thread:acti_t');
  assert.equal(matchKeyOf('opportunity_due', {}, 'oppo_1', e164), 'opportunity:oppo_1');
  assert.equal(matchKeyOf('lead', {}, null, e164), null);
  assert.equal(matchKeyOf('missed_call', { phone: null }, 'acti_c', e164), null);
});

test('bodyPreview folds whitespace and keeps the first 150 characters', () => {
  assert.equal(BODY_PREVIEW_LENGTH, 150);
  assert.equal(bodyPreview('  Hi,\n\n  does your company\tprovide metrics?  '), 'Hi, does your company provide metrics?');
  assert.equal(bodyPreview(null), '');
  assert.equal(bodyPreview('a'.repeat(400)), 'a'.repeat(150));
  const emoji = '😀'.repeat(160);
  assert.equal(Array.from(bodyPreview(emoji)).length, 150, 'counts characters, never splits one');
});

test('formatMoney: minor units in the currency, no fraction when whole (reference §10.3)', () => {
  const rows: [number | null, string, string | null][] = [
    [130000, 'USD', '$1,300'],
    [100000000, 'USD', '$1,000,000'],
    [20000, 'USD', '$200'],
    [130050, 'USD', '$1,300.50'],
    [5, 'USD', '$0.05'],
    [0, 'USD', '$0'],
    [130000, 'EUR', '€1,300'],
    [130000, 'JPY', '¥130,000'],
    [null, 'USD', null],
  ];
  for (const [v, c, out] of rows) assert.equal(formatMoney(v, c), out, `${v} ${c}`);
  assert.equal(isCurrencyCode('USD'), true);
  assert.equal(isCurrencyCode('usd'), false);
  assert.equal(isCurrencyCode('XYZW'), false);
});

test('phones: national, E.164 and messy forms are the same number, with Google region names', async () => {
  const forms = ['6503334444', '(650) 333-4444', '650-333-4444', '650.333.4444', '+16503334444', '+1 650-333-4444', ' +1 (650) 333 4444 ', '1-650-333-4444', '+1.650.333.4444', '011 1 650 333 4444'];
  for (const f of forms) assert.equal(parsePhone(f)?.e164, '+16503334444', f);
  assert.deepEqual(await phoneDetails('(650) 333-4444'), { e164: '+16503334444', formatted: '+1 650-333-4444', country: 'US', description: 'California' });
  assert.equal((await phoneDetails('+18189347000'))?.description, 'California');
  assert.equal((await phoneDetails('+16314238017'))?.description, 'New York');
  assert.equal((await phoneDetails('+44 20 7183 8750'))?.formatted, '+44 20 7183 8750');
  assert.equal((await phoneDetails('+44 20 7183 8750'))?.description, 'London');
  for (const bad of ['', 'call me', '123', '+1 555']) assert.equal(parsePhone(bad), null, bad);
});

test('email addresses and subjects: how contacts and threads are found', () => {
  assert.equal(emailAddressOf('"John Smith" <John@Acme.TEST>'), 'john@acme.test');
  assert.equal(emailAddressOf(' ann@acme.test '), 'ann@acme.test');
  assert.equal(emailAddressOf('not an address'), null);
  assert.equal(normalizeSubject('Re: RE: Fwd:  December   Metrics'), 'December Metrics');
  assert.equal(normalizeSubject('AW: Re[2]: Offer'), 'Offer');
  assert.equal(normalizeSubject('Regarding: this'), 'Regarding: this');
});
