/**
 * Time-zone and date semantics are the same on every backend (issue 4): lists
 * ordered by the database (two index-ordered streams merged by `tasks.repo.ts`) agree
 * with the pure rule (`close/localday.ts` `localMidnightMs`, D17) on the DST changes of
 * zones known for awkward rules, and lists split into views agree with it over HTTP.
 * Runs on SQLite, PGlite and PostgreSQL (`TEST_DB`).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { harness, makeLead, makeTask, type Harness } from '../support/helpers.js';
import { createApiKey, createUser } from '../../src/crm/accounts.js';
import { migrate } from '../../src/db/connect.js';
import { ianaZone } from '../../src/close/zone.js';
import { localMidnightMs } from '../../src/close/localday.js';
import { MS_PER_DAY } from '../../src/close/dates.js';
import type { TaskRow } from '../../src/db/schema.js';

let h: Harness;
let leadId: string;
before(async () => {
  h = await harness({ timezone: 'America/Santiago' });
  leadId = await makeLead(h);
});
after(() => h.close());

/**
 * Zones whose rules are awkward: midnight DST changes (Santiago, Havana, Beirut,
 * Asuncion, Sao Paulo, Gaza, Cairo, Tehran), half-hour DST (Lord Howe), a skipped day
 * (Apia 2011-12-30), far east and west of the date line, and ordinary US/EU/AU ones.
 */
const ZONES = [
  'America/Los_Angeles',
  'America/New_York',
  'America/Santiago',
  'America/Havana',
  'America/Asuncion',
  'America/Sao_Paulo',
  'America/Godthab',
  'America/St_Johns',
  'Europe/London',
  'Europe/Berlin',
  'Europe/Chisinau',
  'Asia/Beirut',
  'Asia/Gaza',
  'Asia/Tehran',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Africa/Cairo',
  'Africa/Casablanca',
  'Australia/Lord_Howe',
  'Australia/Sydney',
  'Pacific/Apia',
  'Pacific/Kiritimati',
  'Pacific/Pago_Pago',
  'Pacific/Chatham',
];

/** UTC-midnight ms of every day in [from, to] whose local offset differs from the next day's, with its neighbours. */
function changeDays(zoneName: string, fromYear: number, toYear: number): number[] {
  const zone = ianaZone(zoneName).zone;
  // Ordinary days too, so zones without DST are checked as well: two fixed, 60 spread over the years.
  const days = new Set<number>([Date.UTC(2026, 0, 15), Date.UTC(2026, 6, 15)]);
  const span = (Date.UTC(toYear + 1, 0, 1) - Date.UTC(fromYear, 0, 1)) / MS_PER_DAY;
  for (let k = 0; k < 60; k++) days.add(Date.UTC(fromYear, 0, 1) + Math.floor(((k * 7919 + zoneName.length * 104729) % span)) * MS_PER_DAY);
  const start = Date.UTC(fromYear, 0, 1);
  const end = Date.UTC(toYear + 1, 0, 1);
  // Offsets are compared STEP days apart, and day by day only inside a step whose ends
  // differ: no zone changes its offset twice within STEP days (the closest pairs, such
  // as Casablanca's Ramadan suspensions, are weeks apart).
  const STEP = 4;
  let prev = zone.offset(start);
  for (let s = start; s < end; s += STEP * MS_PER_DAY) {
    const next = zone.offset(s + STEP * MS_PER_DAY);
    if (next === prev) continue;
    let before = prev;
    for (let d = s; d < s + STEP * MS_PER_DAY; d += MS_PER_DAY) {
      const off = zone.offset(d + MS_PER_DAY);
      if (off !== before) for (const k of [-1, 0, 1, 2]) days.add(d + k * MS_PER_DAY);
      before = off;
    }
    prev = next;
  }
  return [...days].sort((a, b) => a - b);
}

function dateOnlyTask(id: string, dayMs: number): TaskRow {
  return {
    id,
    organization_id: h.orgId,
    type: 'lead',
    lead_id: leadId,
    contact_id: null,
    assigned_to: h.user.id,
    created_by: h.user.id,
    updated_by: h.user.id,
    text: 'day',
    is_complete: 0,
    is_dateless: 0,
    date_ms: dayMs,
    date_is_day: 1,
    priority: null,
    resolution: null,
    object_type: null,
    object_id: null,
    extra: null,
    date_created: 0,
    date_updated: 0,
  };
}

test(`lists order date-only tasks by the rule's local midnight on DST changes of awkward zones, 1995-2055 (${process.env.TEST_DB || 'sqlite'})`, async () => {
  let compared = 0;
  for (const name of ZONES) {
    const zone = ianaZone(name);
    // The zone's change days (at most 24 of them, spread over the years) and two ordinary days.
    const all = changeDays(name, 1995, 2055);
    const days = all.filter((_, i) => i % Math.max(1, Math.floor(all.length / 24)) === 0);
    const lead = await makeLead(h, `Zone ${name}`);
    const rows: TaskRow[] = [];
    for (const [i, d] of days.entries()) {
      const midnight = localMidnightMs(d, zone);
      // A date-only task, and date-time tasks a minute before, at, and a minute after its local midnight.
      rows.push({ ...dateOnlyTask(`task_z${i}d${name.replace(/\W/g, '')}`, d), lead_id: lead });
      for (const [k, delta] of [-60_000, 0, 60_000].entries()) {
        rows.push({ ...dateOnlyTask(`task_z${i}t${k}${name.replace(/\W/g, '')}`, midnight + delta), lead_id: lead, date_is_day: 0 });
      }
    }
    await h.db.kysely.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 500) await trx.insertInto('tasks').values(rows.slice(i, i + 500)).execute();
    });
    // Ascending by (instant in the zone, date-only first, stored value, id) - the rule (D17).
    const instant = (r: TaskRow) => (r.date_is_day ? localMidnightMs(r.date_ms, zone) : r.date_ms);
    const want = [...rows]
      .sort((x, y) => instant(x) - instant(y) || y.date_is_day - x.date_is_day || x.date_ms - y.date_ms || (x.id < y.id ? -1 : 1))
      .map((r) => r.id);
    const u = await createUser(h.db.kysely, h.orgId, { email: `rule-${name}@acme.test`, first_name: 'R', last_name: name, timezone: name }, 0);
    const as = { id: u.id, key: (await createApiKey(h.db.kysely, h.orgId, u.id, 0)).key };
    const got = (await h.req('GET', `/api/v1/task/?lead_id=${lead}&_limit=1000&_fields=id`, { as })).body.data.map((t: { id: string }) => t.id);
    assert.deepEqual(got, want, name);
    const desc = (await h.req('GET', `/api/v1/task/?lead_id=${lead}&_limit=1000&_fields=id&_order_by=-date`, { as })).body.data.map((t: { id: string }) => t.id);
    assert.deepEqual(desc, [...want].reverse(), `${name} descending`);
    compared += rows.length;
  }
  assert.ok(compared > 1000, `${compared} tasks compared`);
});

test('ordering and views over HTTP on the day Santiago skips midnight (2026-09-06 starts at 01:00 -03)', async () => {
  const lead = await makeLead(h, 'Santiago');
  const made: Record<string, string> = {};
  for (const date of ['2026-09-06T04:00:00Z', '2026-09-06', '2026-09-06T03:59:00Z', '2026-09-05', '2026-09-07', '2026-09-05T03:00:00Z']) {
    made[date] = (await makeTask(h, { lead_id: lead, text: date, date })).id;
  }
  const order = async (q: string) => (await h.req('GET', `/api/v1/task/?lead_id=${lead}${q}`)).body.data.map((t: any) => t.text);
  // The caller's stored zone is America/Santiago (no X-TZ-Offset): 2026-09-06 begins at 04:00Z.
  assert.deepEqual(await order(''), ['2026-09-05T03:00:00Z', '2026-09-05', '2026-09-06T03:59:00Z', '2026-09-06', '2026-09-06T04:00:00Z', '2026-09-07']);
  assert.deepEqual(await order('&_order_by=-date'), ['2026-09-07', '2026-09-06T04:00:00Z', '2026-09-06', '2026-09-06T03:59:00Z', '2026-09-05', '2026-09-05T03:00:00Z']);
  // 23:30 on 09-05 local (02:30Z on 09-06): tomorrow begins at 04:00Z.
  h.setNow(Date.parse('2026-09-06T02:30:00Z'));
  try {
    assert.deepEqual(await order('&view=inbox'), ['2026-09-05T03:00:00Z', '2026-09-05', '2026-09-06T03:59:00Z']);
    assert.deepEqual(await order('&view=future'), ['2026-09-06', '2026-09-06T04:00:00Z', '2026-09-07']);
    const views = (await h.req('GET', `/api/v1/task/?lead_id=${lead}&_fields=text,view,date`)).body.data;
    for (const t of views) assert.equal(t.view, ['2026-09-05T03:00:00Z', '2026-09-05', '2026-09-06T03:59:00Z'].includes(t.text) ? 'inbox' : 'future', t.text);
    // Date filters on the same boundary (D13): 2026-09-06 means local midnight, 04:00Z.
    assert.deepEqual(await order('&date__gte=2026-09-06'), ['2026-09-06', '2026-09-06T04:00:00Z', '2026-09-07']);
    assert.deepEqual(await order('&date__lt=2026-09-06'), ['2026-09-05T03:00:00Z', '2026-09-05', '2026-09-06T03:59:00Z']);
    // Date-only values stay dates whatever the zone (D18).
    assert.ok(views.some((t: any) => t.date === '2026-09-06'));
  } finally {
    h.setNow(Date.parse('2026-03-10T12:00:00Z'));
  }
});

test('ordering by date across the day Apia skipped (2011-12-30) and a fall-back midnight in Havana (2026-11-01)', async () => {
  const lead = await makeLead(h, 'Date line');
  const dates = ['2011-12-31', '2011-12-29', '2011-12-30', '2011-12-30T10:30:00Z', '2011-12-30T09:30:00Z', '2026-11-01', '2026-11-01T04:30:00Z', '2026-11-01T05:00:00Z'];
  for (const date of dates) await makeTask(h, { lead_id: lead, text: date, date });
  const expected: Record<string, string[]> = {
    // Apia: 2011-12-29 starts 10:00Z on the 29th; the 30th did not exist, so it and the
    // 31st both start at 10:00Z on the 30th (the date-only tasks then sort by id).
    'Pacific/Apia': ['2011-12-29', '2011-12-30T09:30:00Z', '2011-12-30', '2011-12-31', '2011-12-30T10:30:00Z', '2026-11-01', '2026-11-01T04:30:00Z', '2026-11-01T05:00:00Z'],
    // Havana: 2026-11-01 starts at 05:00Z (the second 00:00, as Luxon and PostgreSQL read it).
    'America/Havana': ['2011-12-29', '2011-12-30', '2011-12-30T09:30:00Z', '2011-12-30T10:30:00Z', '2011-12-31', '2026-11-01T04:30:00Z', '2026-11-01', '2026-11-01T05:00:00Z'],
  };
  for (const [zoneName, want] of Object.entries(expected)) {
    // The rule agrees with the hand-written order...
    const zone = ianaZone(zoneName);
    const byRule = dates
      .map((s) => ({ s, isDay: s.length === 10, ms: s.length === 10 ? localMidnightMs(Date.parse(s + 'T00:00:00Z'), zone) : Date.parse(s) }))
      .sort((a, b) => a.ms - b.ms || Number(b.isDay) - Number(a.isDay));
    const ruleOrder = byRule.map((i) => i.s);
    // ...and so does the database, for a user whose stored zone it is (no X-TZ-Offset, D16).
    const u = await createUser(h.db.kysely, h.orgId, { email: `${zoneName}@acme.test`, first_name: 'Z', last_name: zoneName, timezone: zoneName }, 0);
    const key = (await createApiKey(h.db.kysely, h.orgId, u.id, 0)).key;
    const r = await h.req('GET', `/api/v1/task/?lead_id=${lead}`, { as: { id: u.id, key } });
    assert.equal(r.status, 200);
    const got = r.body.data.map((t: any) => t.text);
    if (zoneName === 'Pacific/Apia') {
      // Two date-only tasks share one instant: their relative order is by id (D14); check the rest.
      const tie = new Set(['2011-12-30', '2011-12-31']);
      for (const order of [got, ruleOrder]) {
        assert.deepEqual(order.filter((t: string) => !tie.has(t)), want.filter((t) => !tie.has(t)));
        assert.deepEqual(order.slice(2, 4).sort(), [...tie].sort());
      }
    } else {
      assert.deepEqual(ruleOrder, want);
      assert.deepEqual(got, want);
    }
  }
  assert.equal(DateTime.fromObject({ year: 2011, month: 12, day: 30 }, { zone: 'Pacific/Apia' }).startOf('day').toUTC().toISO(), '2011-12-30T10:00:00.000Z');
});

test('migrations applied on open leave nothing to apply (every backend)', async () => {
  assert.deepEqual(await migrate(h.db), []);
});
