/**
 * Close's wire conventions as pure functions: date parsing and isoformat (D13, D18,
 * D19), booleans (D11), `__in` lists (D12), paging limits (D6, D7), `_fields` (D9), ids (D25).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCloseDate, isoformat, parseCloseDate } from '../../src/close/dates.js';
import { parseBoolText, parseFields, parseList, parsePage, paramsFromJson, paramsFromQueryString, projectFields } from '../../src/close/params.js';
import { CloseError } from '../../src/close/errors.js';
import { newId } from '../../src/close/ids.js';

test('isoformat writes Python isoformat: six fraction digits only when not zero (D19)', () => {
  assert.equal(isoformat(Date.parse('2015-02-08T20:30:54.314Z')), '2015-02-08T20:30:54.314000+00:00');
  assert.equal(isoformat(Date.parse('2015-01-09T19:50:49Z')), '2015-01-09T19:50:49+00:00');
  assert.equal(isoformat(Date.parse('1969-12-31T23:59:59.5Z')), '1969-12-31T23:59:59.500000+00:00');
});

test('isoformat (written without a Date per call) is what toISOString gives, from year 1 to 9999', () => {
  const viaDate = (ms: number) => {
    const frac = ((ms % 1000) + 1000) % 1000;
    const base = new Date(ms).toISOString().slice(0, 19);
    return frac === 0 ? base + '+00:00' : `${base}.${String(frac).padStart(3, '0')}000+00:00`;
  };
  const lo = -62_135_596_800_000; // 0001-01-01T00:00:00Z
  const hi = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
  const edges = [lo, lo + 1, hi, hi - 999, 0, -1, 1, 999, 1000, -1000, -86_400_000, 86_399_999, Date.parse('2026-03-29T00:59:59.009Z'), Date.parse('2000-02-29T23:59:59.090Z')];
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const samples = [...edges, ...Array.from({ length: 20_000 }, () => Math.floor(lo + random() * (hi - lo)))];
  for (let i = 0; i < 2000; i++) samples.push(Date.UTC(2026, 0, 1) + Math.floor(random() * 400 * 86_400_000));
  for (const ms of samples) assert.equal(isoformat(ms), viaDate(ms), String(ms));
});

test('date-only values stay dates, whatever the zone (D18)', () => {
  const v = parseCloseDate('2026-03-10');
  assert.deepEqual(v && formatCloseDate(v), '2026-03-10');
});

test('date-time values: offsets +hh:mm, +hhmm, Z, none (UTC), a space for an unencoded plus (D13)', () => {
  const ms = (s: string) => {
    const v = parseCloseDate(s);
    assert.ok(v && v.kind === 'datetime', s);
    return v.ms;
  };
  const base = Date.parse('2015-01-10T05:00:00Z');
  assert.equal(ms('2015-01-10T05:00:00+00:00'), base);
  assert.equal(ms('2015-01-10T05:00:00Z'), base);
  assert.equal(ms('2015-01-10T05:00:00'), base);
  assert.equal(ms('2015-01-10T07:00:00+02:00'), base);
  assert.equal(ms('2015-01-10T07:00:00+0200'), base);
  assert.equal(ms('2015-01-10T07:00:00 02:00'), base);
  assert.equal(ms('2015-01-10T00:00:00-05:00'), base);
  assert.equal(ms('2015-01-10T05:00'), base);
  assert.equal(ms('2015-01-10 05:00:00'), base);
  assert.equal(ms('2015-01-10T05:00:00.123456+00:00'), base + 123);
  assert.equal(ms('2015-01-10T05:00:00.1Z'), base + 100);
});

test('impossible or malformed dates do not parse (D13)', () => {
  for (const bad of ['', 'tomorrow', '2015-02-30', '2015-13-01', '2015-1-1', '2015-01-10T24:00:00', '2015-01-10T05:00:00.1234567Z', '2015-01-10T05:00:00+25:00', '15-01-10', '2015-01-10T', '0000-01-01']) {
    assert.equal(parseCloseDate(bad), null, bad);
  }
});

test('booleans: true/false/1/0 in any case; empty is IS NULL; anything else is refused (D11, D12)', () => {
  for (const t of ['true', 'True', 'TRUE', '1']) assert.equal(parseBoolText(t), true, t);
  for (const f of ['false', 'False', 'FALSE', '0']) assert.equal(parseBoolText(f), false, f);
  assert.equal(parseBoolText(''), null);
  for (const bad of ['yes', 'no', '2', 'on', 'f']) assert.equal(parseBoolText(bad), undefined, bad);
});

test('__in lists split on commas, trim, and drop empty items (D12)', () => {
  assert.deepEqual(parseList(['a, b,,c ', 'd']), ['a', 'b', 'c', 'd']);
  assert.deepEqual(parseList([',']), []);
});

test('_limit and _skip: defaults, bounds and the framework wording (D6, D7)', () => {
  const limits = { defaultLimit: 100, maxLimit: 1000 };
  const page = (qs: string) => parsePage(paramsFromQueryString(qs), limits);
  assert.deepEqual(page(''), { limit: 100, skip: 0 });
  assert.deepEqual(page('_limit=1000&_skip=5'), { limit: 1000, skip: 5 });
  const err = (qs: string) => {
    try {
      page(qs);
    } catch (e) {
      assert.ok(e instanceof CloseError);
      assert.equal(e.status, 400);
      return e.body;
    }
    assert.fail('no error for ' + qs);
  };
  assert.deepEqual(err('_limit=abc'), { error: '_limit must be an integer (got "abc" instead).' });
  assert.deepEqual(err('_limit=1001'), { error: 'The limit you set is larger than the maximum limit for this resource (max_limit = 1000).' });
  assert.deepEqual(err('_limit=0'), { error: '_limit must be a positive integer (got "0" instead).' });
  assert.deepEqual(err('_skip=-1'), { error: '_skip must be a non-negative integer (got "-1" instead).' });
  assert.deepEqual(err('_skip=1.5'), { error: '_skip must be an integer (got "1.5" instead).' });
});

test('_fields keeps named keys and ignores unknown ones (D9)', () => {
  const fields = parseFields(paramsFromQueryString('_fields=id,text,nope'));
  assert.deepEqual(projectFields({ id: 1, text: 'x', date: 'y' }, fields), { id: 1, text: 'x' });
  assert.equal(parseFields(paramsFromQueryString('_fields=')), null);
});

test('_params in a body: lists join, booleans become their text (D3)', () => {
  const p = paramsFromJson({ id__in: ['a', 'b'], is_complete: false, _limit: 5 });
  assert.deepEqual(p.get('id__in'), ['a,b']);
  assert.deepEqual(p.get('is_complete'), ['false']);
  assert.deepEqual(p.get('_limit'), ['5']);
});

test('ids: prefix plus 43 base62 characters (D25)', () => {
  const id = newId('task_');
  assert.match(id, /^task_[0-9A-Za-z]{43}$/);
  assert.notEqual(newId('task_'), id);
});
