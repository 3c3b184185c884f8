/**
 * The time-zone rules as pure functions (D16-D18; reference §8.3-§8.4): Close's
 * ordering example, DST changes, zones at both ends of the date line, and days that
 * have no midnight or do not exist at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCloseDate, type CloseDate } from '../../src/close/dates.js';
import { fixedZone, ianaZone, parseTzOffsetHeader, resolveRequestZone, UTC_ZONE } from '../../src/close/zone.js';
import { compareTaskDates, dayConditionFor, localMidnightMs, todayDayMs, tomorrowStartMs } from '../../src/close/localday.js';
import { taskView } from '../../src/tasks/views.js';

const d = (s: string): CloseDate => {
  const v = parseCloseDate(s);
  assert.ok(v, s);
  return v;
};
const iso = (ms: number) => new Date(ms).toISOString();
const sortDates = (values: string[], zone = UTC_ZONE) => [...values].sort((a, b) => compareTaskDates(d(a), d(b), zone));

test("Close's ordering example: with x-tz-offset -8, 2015-01-12 sorts between 07:00 and 08:00 UTC", () => {
  const zone = parseTzOffsetHeader('-8');
  const input = ['2015-01-12T08:00:00', '2015-01-12', '2015-01-12T07:00:00'];
  assert.deepEqual(sortDates(input, zone), ['2015-01-12T07:00:00', '2015-01-12', '2015-01-12T08:00:00']);
});

test('a date-only task sorts before a date-time task at the same instant (D17)', () => {
  assert.deepEqual(sortDates(['2026-03-10T00:00:00+00:00', '2026-03-10']), ['2026-03-10', '2026-03-10T00:00:00+00:00']);
});

test('X-TZ-Offset accepts whole, fractional and signed hours within -14..+14 (D16)', () => {
  assert.equal(parseTzOffsetHeader('-8').fixedOffsetMinutes, -480);
  assert.equal(parseTzOffsetHeader('-4.0').fixedOffsetMinutes, -240);
  assert.equal(parseTzOffsetHeader('-2.5').fixedOffsetMinutes, -150);
  assert.equal(parseTzOffsetHeader('+5.75').fixedOffsetMinutes, 345);
  assert.equal(parseTzOffsetHeader('14').fixedOffsetMinutes, 840);
  assert.equal(parseTzOffsetHeader('0').fixedOffsetMinutes, 0);
  for (const bad of ['15', '-14.5', 'abc', '', '1e1', '--1', 'NaN', '0x10', '5h']) {
    assert.throws(() => parseTzOffsetHeader(bad), /X-TZ-Offset/, bad);
  }
});

test('the request zone is the header, else the stored IANA zone, else UTC (D16)', () => {
  assert.equal(resolveRequestZone('-5', 'Asia/Tokyo').fixedOffsetMinutes, -300);
  assert.equal(resolveRequestZone(undefined, 'Asia/Tokyo').ianaName, 'Asia/Tokyo');
  assert.equal(resolveRequestZone(undefined, null), UTC_ZONE);
});

test('local midnight follows the DST rules of America/Los_Angeles around 2026-03-08 and 2026-11-01', () => {
  const la = ianaZone('America/Los_Angeles');
  assert.equal(iso(localMidnightMs(d('2026-03-07').ms, la)), '2026-03-07T08:00:00.000Z');
  assert.equal(iso(localMidnightMs(d('2026-03-08').ms, la)), '2026-03-08T08:00:00.000Z'); // PST; the jump is at 02:00
  assert.equal(iso(localMidnightMs(d('2026-03-09').ms, la)), '2026-03-09T07:00:00.000Z'); // PDT
  assert.equal(iso(localMidnightMs(d('2026-11-01').ms, la)), '2026-11-01T07:00:00.000Z'); // PDT
  assert.equal(iso(localMidnightMs(d('2026-11-02').ms, la)), '2026-11-02T08:00:00.000Z'); // PST
});

test('ordering across the spring-forward change uses the offset of each day', () => {
  const la = ianaZone('America/Los_Angeles');
  // 06:59Z on 03-09 is 23:59 PDT on 03-08; 07:00Z is local midnight of 03-09.
  const input = ['2026-03-09T07:30:00Z', '2026-03-09T07:00:00Z', '2026-03-09', '2026-03-09T06:59:00Z', '2026-03-08', '2026-03-08T07:59:00Z'];
  assert.deepEqual(sortDates(input, la), [
    '2026-03-08T07:59:00Z',
    '2026-03-08',
    '2026-03-09T06:59:00Z',
    '2026-03-09',
    '2026-03-09T07:00:00Z',
    '2026-03-09T07:30:00Z',
  ]);
});

test('views in Los Angeles on the night before the spring-forward change', () => {
  const la = ianaZone('America/Los_Angeles');
  const now = Date.parse('2026-03-08T07:30:00Z'); // 23:30 PST on 03-07
  assert.equal(iso(todayDayMs(now, la)), '2026-03-07T00:00:00.000Z');
  assert.equal(iso(tomorrowStartMs(now, la)), '2026-03-08T08:00:00.000Z');
  assert.equal(taskView(false, d('2026-03-07'), now, la), 'inbox');
  assert.equal(taskView(false, d('2026-03-08'), now, la), 'future');
  assert.equal(taskView(false, d('2026-03-08T07:59:59Z'), now, la), 'inbox');
  assert.equal(taskView(false, d('2026-03-08T08:00:00Z'), now, la), 'future');
  assert.equal(taskView(true, d('2030-01-01'), now, la), 'archive');
});

test('views after the fall-back change in Los Angeles (25-hour day)', () => {
  const la = ianaZone('America/Los_Angeles');
  const now = Date.parse('2026-11-01T12:00:00Z'); // 04:00 PST on 11-01
  assert.equal(iso(tomorrowStartMs(now, la)), '2026-11-02T08:00:00.000Z');
  assert.equal(taskView(false, d('2026-11-02T07:59:00Z'), now, la), 'inbox');
  assert.equal(taskView(false, d('2026-11-02T08:00:00Z'), now, la), 'future');
});

test('far east and far west of the date line see different todays at the same instant', () => {
  const now = Date.parse('2026-03-10T10:30:00Z');
  const kiritimati = ianaZone('Pacific/Kiritimati'); // UTC+14: already 2026-03-11 00:30
  const pagoPago = ianaZone('Pacific/Pago_Pago'); // UTC-11: still 2026-03-09 23:30
  assert.equal(iso(todayDayMs(now, kiritimati)), '2026-03-11T00:00:00.000Z');
  assert.equal(iso(todayDayMs(now, pagoPago)), '2026-03-09T00:00:00.000Z');
  assert.equal(taskView(false, d('2026-03-11'), now, kiritimati), 'inbox');
  assert.equal(taskView(false, d('2026-03-10'), now, pagoPago), 'future');
  // The header's fixed offsets agree with the zones.
  assert.equal(taskView(false, d('2026-03-11'), now, parseTzOffsetHeader('14')), 'inbox');
  assert.equal(taskView(false, d('2026-03-10'), now, parseTzOffsetHeader('-11')), 'future');
  assert.equal(taskView(false, d('2026-03-10'), now, parseTzOffsetHeader('-10')), 'inbox');
});

test('a day whose midnight falls in a DST gap starts at its first instant (America/Santiago, 2026-09-06)', () => {
  const santiago = ianaZone('America/Santiago');
  assert.equal(iso(localMidnightMs(d('2026-09-06').ms, santiago)), '2026-09-06T04:00:00.000Z'); // 01:00 -03
  assert.deepEqual(sortDates(['2026-09-06T04:00:00Z', '2026-09-06', '2026-09-06T03:59:00Z'], santiago), [
    '2026-09-06T03:59:00Z',
    '2026-09-06',
    '2026-09-06T04:00:00Z',
  ]);
});

test('ordering stays monotonic over a day that does not exist (Samoa skipped 2011-12-30)', () => {
  const apia = ianaZone('Pacific/Apia');
  const a = localMidnightMs(d('2011-12-29').ms, apia);
  const b = localMidnightMs(d('2011-12-30').ms, apia);
  const c = localMidnightMs(d('2011-12-31').ms, apia);
  assert.ok(a < b && b <= c);
  assert.deepEqual(sortDates(['2011-12-31', '2011-12-29'], apia), ['2011-12-29', '2011-12-31']);
});

test('dayConditionFor turns instant bounds into day bounds', () => {
  const z = fixedZone(-480);
  const midnight = Date.parse('2015-01-12T08:00:00Z');
  const day = Date.parse('2015-01-12T00:00:00Z');
  assert.deepEqual(dayConditionFor('lt', midnight, z), { op: 'lt', dayMs: day });
  assert.deepEqual(dayConditionFor('lt', midnight + 1, z), { op: 'lte', dayMs: day });
  assert.deepEqual(dayConditionFor('gte', midnight, z), { op: 'gte', dayMs: day });
  assert.deepEqual(dayConditionFor('gte', midnight + 1, z), { op: 'gt', dayMs: day });
  assert.deepEqual(dayConditionFor('eq', midnight, z), { op: 'eq', dayMs: day });
  assert.equal(dayConditionFor('eq', midnight + 1, z), null);
});
