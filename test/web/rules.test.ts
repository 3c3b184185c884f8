/**
 * The inbox page's own rules (issue 10), as table tests of its pure modules in
 * `web/src/`: days and groups in the user's zone, snooze dates, the URL's filters,
 * titles and phone numbers, Close error bodies in words, event timestamps.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addDays, dayLabel, dayOf, duration, groupByDay, snoozeChoices, taskDay, whenLabel } from '../../web/src/days.ts';
import { DEFAULT_FILTERS, formatHash, parseHash, taskQuery } from '../../web/src/route.ts';
import { formatPhone, taskTitle, userLabels, type Task, type User } from '../../web/src/tasks.ts';
import { errorText } from '../../web/src/api.ts';
import { eventMs } from '../../web/src/live.ts';

const LA = 'America/Los_Angeles';
const TOKYO = 'Asia/Tokyo';
const NOW = Date.parse('2026-03-10T20:00:00Z'); // Tue 13:00 in Los Angeles (PDT), Wed 05:00 in Tokyo

describe('days in the user zone', () => {
  test('the day of an instant depends on the zone, across DST changes', () => {
    const rows: [string, string, string][] = [
      ['2026-03-10T20:00:00Z', LA, '2026-03-10'],
      ['2026-03-10T20:00:00Z', TOKYO, '2026-03-11'],
      ['2026-03-10T20:00:00Z', 'UTC', '2026-03-10'],
      ['2026-03-08T09:59:00Z', LA, '2026-03-08'], // 01:59 PST, a minute before the spring gap
      ['2026-11-01T07:30:00Z', LA, '2026-11-01'], // 00:30 PDT on the day clocks fall back
      ['2026-03-11T06:59:59Z', LA, '2026-03-10'],
      ['2026-03-11T07:00:00Z', LA, '2026-03-11'],
    ];
    for (const [iso, zone, day] of rows) assert.equal(dayOf(Date.parse(iso), zone), day, `${iso} in ${zone}`);
  });

  test('a date-only task stays its date in every zone; an instant is its local day', () => {
    assert.equal(taskDay('2026-03-11', LA), '2026-03-11');
    assert.equal(taskDay('2026-03-11', TOKYO), '2026-03-11');
    assert.equal(taskDay('2026-03-10T16:00:00+00:00', LA), '2026-03-10');
    assert.equal(taskDay('2026-03-10T16:00:00+00:00', TOKYO), '2026-03-11');
    assert.equal(taskDay('2014-01-29T21:18:37.535000+00:00', TOKYO), '2014-01-30');
  });

  test('calendar arithmetic crosses months, years and leap days', () => {
    const rows: [string, number, string][] = [
      ['2026-03-10', 1, '2026-03-11'],
      ['2026-12-31', 1, '2027-01-01'],
      ['2028-02-28', 1, '2028-02-29'],
      ['2026-03-01', -1, '2026-02-28'],
      ['2026-03-10', 7, '2026-03-17'],
    ];
    for (const [day, n, want] of rows) assert.equal(addDays(day, n), want);
  });

  test('headings: Today, Tomorrow, Yesterday, else the date (with the year when not this one)', () => {
    const today = '2026-03-10';
    assert.equal(dayLabel('2026-03-10', today), 'Today');
    assert.equal(dayLabel('2026-03-11', today), 'Tomorrow');
    assert.equal(dayLabel('2026-03-09', today), 'Yesterday');
    assert.equal(dayLabel('2026-03-12', today), 'Thu, Mar 12');
    assert.equal(dayLabel('2025-12-31', today), 'Wed, Dec 31, 2025');
  });

  const task = (id: string, date: string) => ({ id, date });

  test('the Inbox groups every earlier day as Overdue, then Today, in the server order', () => {
    const tasks = [task('a', '2015-01-09T19:50:49+00:00'), task('b', '2026-03-09'), task('c', '2026-03-10T06:00:00Z'), task('d', '2026-03-10'), task('e', '2026-03-10T22:00:00Z')];
    const groups = groupByDay(tasks, 'inbox', '2026-03-10', LA);
    // 06:00 UTC on the 10th is 23:00 on the 9th in Los Angeles: overdue there.
    assert.deepEqual(
      groups.map((g) => [g.key, g.label, g.tasks.map((t) => t.id)]),
      [
        ['overdue', 'Overdue', ['a', 'b', 'c']],
        ['today', 'Today', ['d', 'e']],
      ],
    );
    assert.deepEqual(
      groupByDay(tasks, 'inbox', '2026-03-11', TOKYO).map((g) => [g.key, g.tasks.map((t) => t.id)]),
      [
        ['overdue', ['a', 'b', 'c', 'd']],
        ['today', ['e']],
      ],
    );
  });

  test('Future and Archive group by each day; the Archive has no Overdue', () => {
    const future = groupByDay([task('a', '2026-03-11'), task('b', '2026-03-11T18:00:00Z'), task('c', '2026-03-17')], 'future', '2026-03-10', LA);
    assert.deepEqual(
      future.map((g) => [g.label, g.tasks.length]),
      [
        ['Tomorrow', 2],
        ['Tue, Mar 17', 1],
      ],
    );
    const archive = groupByDay([task('a', '2026-03-10'), task('b', '2026-03-09'), task('c', '2026-03-01')], 'archive', '2026-03-10', LA);
    assert.deepEqual(
      archive.map((g) => g.label),
      ['Today', 'Yesterday', 'Sun, Mar 1'],
    );
  });

  test("a row's time: the time on its own day, date and time when overdue", () => {
    assert.equal(whenLabel('2026-03-10T22:00:00Z', 'today', '2026-03-10', LA), '3:00 PM');
    assert.equal(whenLabel('2026-03-10', 'today', '2026-03-10', LA), null);
    assert.equal(whenLabel('2026-03-10T00:00:00+00:00', 'overdue', '2026-03-10', LA), 'Mon, Mar 9, 5:00 PM');
    assert.equal(whenLabel('2026-03-09', 'overdue', '2026-03-10', LA), 'Mon, Mar 9');
    assert.equal(whenLabel('2015-01-09T19:50:49+00:00', 'overdue', '2026-03-10', LA), 'Fri, Jan 9, 2015, 11:50 AM');
  });

  test('snooze dates: later today, tomorrow and next Monday, in the user zone', () => {
    const at = (iso: string, zone: string) => Object.fromEntries(snoozeChoices(Date.parse(iso), zone).map((c) => [c.id, c.date]));
    assert.deepEqual(at('2026-03-10T20:00:00Z', LA), { later: '2026-03-10T23:00:00.000Z', tomorrow: '2026-03-11', 'next-week': '2026-03-16' });
    assert.deepEqual(at('2026-03-10T20:00:00Z', TOKYO), { later: '2026-03-10T23:00:00.000Z', tomorrow: '2026-03-12', 'next-week': '2026-03-16' });
    // 13:05 + 3 h rounds up to the quarter hour.
    assert.equal(at('2026-03-10T20:05:00Z', LA).later, '2026-03-10T23:15:00.000Z');
    // 22:30 in Los Angeles: three hours on is tomorrow, so "later today" is not offered.
    assert.equal(at('2026-03-11T05:30:00Z', LA).later, null);
    // On a Sunday next week starts tomorrow; on a Monday, in seven days.
    assert.equal(at('2026-03-15T20:00:00Z', LA)['next-week'], '2026-03-16');
    assert.equal(at('2026-03-16T20:00:00Z', LA)['next-week'], '2026-03-23');
    const hints = snoozeChoices(NOW, LA).map((c) => c.hint);
    assert.deepEqual(hints, ['4:00 PM', 'Wed, Mar 11', 'Mon, Mar 16']);
  });

  test('durations', () => {
    assert.equal(duration(21), '0:21');
    assert.equal(duration(125), '2:05');
    assert.equal(duration(0), '0:00');
  });
});

describe('filters in the URL', () => {
  test('round trip, defaults left out', () => {
    const f = { view: 'future' as const, type: 'missed_call', assignee: 'everyone', lead: 'lead_abc' };
    assert.equal(formatHash(f), '#view=future&type=missed_call&assignee=everyone&lead=lead_abc');
    assert.deepEqual(parseHash(formatHash(f)), f);
    assert.equal(formatHash(DEFAULT_FILTERS), '#');
    assert.deepEqual(parseHash(''), DEFAULT_FILTERS);
  });

  test('unknown values fall back to the defaults', () => {
    assert.deepEqual(parseHash('#view=trash&type=fax&assignee=root&lead=drop%20table'), DEFAULT_FILTERS);
  });

  test("the task list's query", () => {
    assert.deepEqual(taskQuery(DEFAULT_FILTERS, 'user_me'), { view: 'inbox', _type: 'all', assigned_to: 'user_me', lead_id: undefined });
    assert.deepEqual(taskQuery({ ...DEFAULT_FILTERS, assignee: 'everyone', type: 'lead' }, 'user_me', 'archive'), { view: 'archive', _type: 'lead', assigned_to: undefined, lead_id: undefined });
    assert.deepEqual(taskQuery({ ...DEFAULT_FILTERS, assignee: 'user_kenji', lead: 'lead_1' }, 'user_me').assigned_to, 'user_kenji');
  });
});

describe('what a row says', () => {
  const base: Task = { id: 't', _type: 'lead', date: '2026-03-10', view: 'inbox', is_complete: false, assigned_to: 'u', assigned_to_name: 'Ann Lee', lead_id: null, lead_name: null };

  test('phone numbers: the server format, else North American E.164 formatted like it', () => {
    assert.equal(formatPhone('+1 650-333-4444', '+16503334444'), '+1 650-333-4444');
    assert.equal(formatPhone(null, '+16314238017'), '+1 631-423-8017');
    assert.equal(formatPhone(undefined, '+442071838750'), '+442071838750');
    assert.equal(formatPhone(null, null), null);
  });

  test('titles per type', () => {
    const rows: [Partial<Task>, string][] = [
      [{ _type: 'lead', text: 'Call Pam' }, 'Call Pam'],
      [{ _type: 'lead', text: '  ' }, 'Untitled task'],
      [{ _type: 'missed_call', contact_name: 'Pam Beesly' }, 'Missed call from Pam Beesly'],
      [{ _type: 'voicemail', contact_name: null, phone: '+16314238017' }, 'Voicemail from an unknown caller'],
      [{ _type: 'answered_detached_call', contact_name: '' }, 'Answered call from an unknown caller'],
      [{ _type: 'incoming_email', subject: 'Quarterly metrics' }, 'Quarterly metrics'],
      [{ _type: 'email_followup', subject: 'Offer' }, 'Follow up: Offer'],
      [{ _type: 'incoming_sms', contact_name: null }, 'Text from an unknown number'],
      [{ _type: 'opportunity_due', opportunity_value_formatted: '$1,300', opportunity_value_period: 'monthly' }, 'Opportunity due: $1,300 a month'],
      [{ _type: 'outgoing_call', contact_name: 'Michael Bluth' }, 'Call Michael Bluth'],
    ];
    for (const [t, want] of rows) assert.equal(taskTitle({ ...base, ...t }), want);
  });

  test('users sharing a name are told apart by email', () => {
    const u = (id: string, first: string, last: string, email: string): User => ({ id, first_name: first, last_name: last, email, last_used_timezone: null });
    const labels = userLabels([u('1', 'Stefan', 'Wojcik', 's1@x'), u('2', 'Stefan', 'Wojcik', 's2@x'), u('3', 'Ann', 'Lee', 'ann@x'), u('4', '', '', 'nobody@x')]);
    assert.deepEqual([...labels.values()], ['Stefan Wojcik (s1@x)', 'Stefan Wojcik (s2@x)', 'Ann Lee', 'nobody@x']);
  });
});

describe("the server's refusals in words", () => {
  test('every Close error shape', () => {
    assert.equal(errorText({ error: 'Empty query: Task matching query does not exist.' }, 404), 'Empty query: Task matching query does not exist.');
    assert.equal(errorText({ errors: [], 'field-errors': { lead: 'Object does not exist.' } }, 400), 'lead: Object does not exist.');
    assert.equal(errorText({ errors: ["It's not allowed to update more than 1000 objects at once"] }, 400), "It's not allowed to update more than 1000 objects at once");
    assert.equal(errorText({ errors: ['a'], 'field-errors': { date: 'Not a valid date.', contacts: { errors: {} } } }, 400), 'a; date: Not a valid date.; contacts: {"errors":{}}');
    assert.equal(errorText({ error: { message: 'API call count exceeded for this period', rate_reset: 2.4 } }, 429), 'API call count exceeded for this period (try again in 3 s)');
    assert.equal(errorText(null, 502), 'The server answered HTTP 502.');
  });
});

describe('event timestamps', () => {
  test("Close's naive UTC envelope dates, and dates with an offset", () => {
    assert.equal(eventMs('2026-03-10T12:00:00.250000'), Date.parse('2026-03-10T12:00:00.250Z'));
    assert.equal(eventMs('2026-03-10T12:00:00'), Date.parse('2026-03-10T12:00:00Z'));
    assert.equal(eventMs('2026-03-10T12:00:00+00:00'), Date.parse('2026-03-10T12:00:00Z'));
  });
});
