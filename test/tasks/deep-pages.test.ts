/**
 * Deep `_skip` in date order (issue 12: found from day-group sizes and range counts,
 * not by reading every skipped row) gives exactly the slice of the whole list in the
 * D14/D17 order: by the instant each date stands for in the viewer's zone, date-only
 * first at equal instants, then stored value, then id; `-date` is its reverse. The
 * whole list is read in `date_created` order (no date merge involved) and sorted here.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness } from '../support/helpers.js';
import { generateDataset, type Dataset } from '../../bench/generate.js';
import { parseCloseDate, type CloseDate } from '../../src/close/dates.js';
import { compareTaskDates } from '../../src/close/localday.js';
import { resolveRequestZone } from '../../src/close/zone.js';

const NOW = Date.parse('2026-03-28T23:30:00Z'); // EU DST starts the next night

let h: Harness;
let ds: Dataset;
before(async () => {
  h = await harness({ now: NOW });
  ds = await generateDataset(h.db, { orgs: 1, usersPerOrg: 7, tasks: 1600, leadsPerUser: 2, seed: 11 }, NOW);
});
after(() => h.close());

type T = { id: string; date: string; view: string };

async function all(user: { id: string; key: string }, headers: Record<string, string>, filter: string): Promise<T[]> {
  const out: T[] = [];
  for (let skip = 0; ; skip += 1000) {
    const r = await h.req('GET', `/api/v1/task/?_type=all${filter}&_order_by=date_created&_limit=1000&_skip=${skip}&_fields=id,date,view`, { as: user, headers });
    assert.equal(r.status, 200, r.raw);
    out.push(...r.body.data);
    if (!r.body.has_more) return out;
  }
}

test('deep pages in date order are slices of the whole list in D17 order', async () => {
  const cases: [number, Record<string, string>][] = [
    [3, {}], // Europe/Berlin
    [0, {}], // America/Los_Angeles
    [2, { 'x-tz-offset': '14' }],
    [2, { 'x-tz-offset': '-11' }],
  ];
  for (const [u, headers] of cases) {
    const user = ds.orgs[0].users[u];
    const zone = resolveRequestZone(headers['x-tz-offset'], user.timezone);
    for (const filter of ['', '&view=inbox', '&view=future', '&view=archive']) {
      const list = await all(user, headers, filter);
      const date = new Map<string, CloseDate>(list.map((t) => [t.id, parseCloseDate(t.date)!]));
      const asc = [...list].sort((a, b) => {
        const da = date.get(a.id)!;
        const db = date.get(b.id)!;
        return compareTaskDates(da, db, zone) || da.ms - db.ms || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
      });
      const desc = [...asc].reverse();
      for (const [order, want] of [['date', asc], ['-date', desc]] as const) {
        for (const skip of [0, 499, 501, 617, 777, 1000, 1234, 1388, want.length - 1, want.length, want.length + 3]) {
          for (const limit of [1, 37, 100]) {
            const r = await h.req('GET', `/api/v1/task/?_type=all${filter}&_order_by=${order}&_skip=${skip}&_limit=${limit}&_fields=id`, { as: user, headers });
            assert.equal(r.status, 200, r.raw);
            const label = `${user.timezone} ${JSON.stringify(headers)} ${filter} ${order} skip=${skip} limit=${limit}`;
            assert.deepEqual(
              r.body.data.map((t: T) => t.id),
              want.slice(skip, skip + limit).map((t) => t.id),
              label,
            );
            assert.equal(r.body.has_more, skip + limit < want.length, label);
          }
        }
      }
    }
  }
});
