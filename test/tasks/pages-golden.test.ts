/**
 * Task pages do not change by a byte when the list code is made faster (issue 12):
 * a generated dataset (the benchmark's generator, small and seeded) is listed through
 * a varied set of requests (views, filters, `_fields`, `_order_by`, zones with DST,
 * UTC+14, UTC-11, paging deep into the organization) and each response's text, with
 * the random organization and user ids replaced by stable names, is compared with
 * the SHA-256 recorded in `pages-golden.json` from the code before the change.
 *
 * `UPDATE_GOLDEN=1` rewrites the file (only when the page content is meant to change).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { harness, type Harness } from '../support/helpers.js';
import { generateDataset, type Dataset } from '../../bench/generate.js';

const GOLDEN = new URL('./pages-golden.json', import.meta.url);
/** Inside the window: US (Mar 8) and EU (Mar 29) DST changes lie among the task dates. */
const NOW = Date.parse('2026-03-20T09:30:00Z');

let h: Harness;
let ds: Dataset;
before(async () => {
  h = await harness({ now: NOW });
  ds = await generateDataset(h.db, { orgs: 2, usersPerOrg: 7, tasks: 3000, leadsPerUser: 3, seed: 7 }, NOW);
});
after(() => h.close());

/** The requests: path+query, and an optional X-TZ-Offset. */
function requests(): { user: number; url: string; tz?: string }[] {
  const o = ds.orgs[0];
  const day = (d: number) => new Date(NOW + d * 86_400_000).toISOString().slice(0, 10);
  const lists = [
    '',
    '?view=inbox',
    '?view=inbox&_limit=100',
    '?view=future',
    '?view=archive&_limit=50',
    '?_type=all',
    '?_type=all&_order_by=-date',
    '?_type=all&_order_by=date_created&_limit=30',
    '?_type=all&_order_by=-date_created&_skip=200&_limit=30',
    '?_type=all&_skip=1&_limit=10',
    '?_type=all&_skip=99&_limit=100',
    '?_type=all&_skip=700&_limit=50',
    '?_type=all&_skip=1100&_limit=100',
    '?_type=all&_skip=1450&_limit=100',
    '?_type=all&_order_by=-date&_skip=333&_limit=40',
    '?_type=all&_order_by=-date&_skip=1200&_limit=100',
    '?_type=all&_skip=5000',
    '?view=inbox&_skip=150&_limit=25',
    '?view=future&_order_by=-date&_skip=40&_limit=25',
    '?view=inbox&_fields=id,text,view',
    '?_type=all&_fields=id,date,due_date,lead_name,assigned_to_name&_limit=60',
    `?_type=all&assigned_to=${o.users[2].id}&_limit=200`,
    `?_type=all&lead_id=${('lead_O0Z' + (3).toString(36).padStart(10, '0')).padEnd(48, 'X')}&_limit=50`,
    `?_type__in=missed_call,voicemail&_limit=40`,
    `?_type__in=incoming_email,incoming_sms&view=inbox&_limit=40`,
    `?_type=all&date__gte=${day(-3)}&date__lt=${day(4)}&_limit=80`,
    `?_type=all&due_date__lte=${day(0)}&_order_by=-date&_limit=40&_skip=20`,
    `?_type=all&date__gt=${new Date(NOW - 3600_000).toISOString()}&_limit=40`,
    '?_type=all&is_complete=false&_skip=300&_limit=40',
    `?_type=all&date_created__gte=${day(-10)}&_order_by=date_created&_limit=40`,
    '?_type=opportunity_due&_limit=20',
    '?_type=all&_limit=1000&_skip=400',
  ];
  const out: { user: number; url: string; tz?: string }[] = [];
  // Users 0..6 of org 0 have the seven zones of the generator (LA, NY, London, Berlin, Tokyo, Sydney, UTC).
  for (const user of [0, 1, 3, 5, 6]) for (const q of lists) out.push({ user, url: '/api/v1/task/' + q });
  for (const tz of ['14', '-11', '5.5', '-3.5'])
    for (const q of ['?view=inbox', '?view=future&_limit=30', '?_type=all&_skip=600&_limit=30', '?_type=all&_order_by=-date&_skip=10&_limit=30']) {
      out.push({ user: 2, url: '/api/v1/task/' + q, tz });
    }
  out.push({ user: 4, url: '/api/v1/task/noti_O0Z' + (5).toString(36).padStart(10, '0').padEnd(43, 'X') + '/' });
  return out;
}

/** The response text with the random ids of organizations and users replaced by stable names. */
function normalize(text: string): string {
  ds.orgs.forEach((o, i) => {
    text = text.split(o.id).join(`ORG${i}`);
    o.users.forEach((u, j) => (text = text.split(u.id).join(`USER${i}_${j}`)));
  });
  return text;
}

test('task pages are byte for byte the recorded ones', async () => {
  const got: Record<string, string> = {};
  for (const r of requests()) {
    const res = await h.req('GET', r.url, { as: ds.orgs[0].users[r.user] as any, headers: r.tz ? { 'x-tz-offset': r.tz } : {} });
    const name = normalize(`${r.user} ${r.tz ?? ''} ${r.url}`);
    assert.ok(res.status === 200 || res.status === 404, `${name}: ${res.status} ${res.raw.slice(0, 200)}`);
    const text = normalize(res.raw);
    if (process.env.GOLDEN_DUMP) writeFileSync(`${process.env.GOLDEN_DUMP}/${Object.keys(got).length}.json`, text);
    got[name] = createHash('sha256').update(`${res.status} ${text}`).digest('hex');
  }
  if (process.env.UPDATE_GOLDEN || !existsSync(GOLDEN)) {
    if (!process.env.UPDATE_GOLDEN) assert.fail('pages-golden.json is missing: run with UPDATE_GOLDEN=1 on code whose pages are right');
    writeFileSync(GOLDEN, JSON.stringify(got, null, 1) + '\n');
    return;
  }
  const want: Record<string, string> = JSON.parse(readFileSync(GOLDEN, 'utf8'));
  assert.deepEqual(Object.keys(got), Object.keys(want));
  const differ = Object.keys(want).filter((k) => want[k] !== got[k]);
  assert.deepEqual(differ, [], 'these responses changed');
});
