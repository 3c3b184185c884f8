/**
 * `/opportunity/` over HTTP (reference §13.6; issue 3) and the life of its
 * `opportunity_due` task: made when due, moved with the close date, following the
 * opportunity, completed when won, lost, undated or deleted (D29, D30, D32).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { harness, makeLead, type Harness } from '../support/helpers.js';

let h: Harness;
let lead: string;
before(async () => {
  h = await harness({ timezone: 'America/New_York' });
  lead = await makeLead(h, 'Deal Co');
});
after(() => h.close());

async function send(method: 'POST' | 'PUT', url: string, body: unknown, as = h.user): Promise<any> {
  const r = await h.req(method, url, { body, as });
  assert.equal(r.status, 200, `${method} ${url}: ${r.raw}`);
  return r.body;
}

async function dueTasks(oppId: string): Promise<any[]> {
  const r = await h.req('GET', '/api/v1/task/?_type=opportunity_due&_limit=1000');
  return r.body.data.filter((t: any) => t.object_id === oppId);
}

test('an opportunity in Close shape: money formatted in the currency, statuses, names, defaults', async () => {
  const o = await send('POST', '/api/v1/opportunity/', { lead_id: lead, value: 250075, value_period: 'monthly', confidence: 40, note: 'Pilot' });
  assert.match(o.id, /^oppo_[0-9A-Za-z]{43}$/);
  assert.deepEqual(
    [o.lead_id, o.lead_name, o.user_id, o.user_name, o.status_type, o.status_label, o.value, o.value_currency, o.value_formatted, o.value_period],
    [lead, 'Deal Co', h.user.id, 'Ann Lee', 'active', 'Active', 250075, 'USD', '$2,500.75', 'monthly'],
  );
  assert.deepEqual([o.expected_value, o.annualized_value, o.annualized_expected_value, o.date_won, o.date_lost], [100030, 3000900, 1200360, null, null]);
  assert.deepEqual(Object.keys(o), [...Object.keys(o)].sort());
  const org = (await h.req('GET', `/api/v1/organization/${h.orgId}/`)).body;
  assert.deepEqual(org.opportunity_statuses.map((s: any) => [s.label, s.type]), [['Active', 'active'], ['Won', 'won'], ['Lost', 'lost']]);
  assert.equal(org.opportunity_statuses[0].id, o.status_id);
  assert.match(o.status_id, /^stat_[0-9A-Za-z]{43}$/);
  h.advance();
  const yen = await send('POST', '/api/v1/opportunity/', { lead_id: lead, value: 130000, value_currency: 'jpy' });
  assert.deepEqual([yen.value_currency, yen.value_formatted], ['JPY', '¥130,000']);
  assert.equal((await dueTasks(o.id)).length, 0, 'no close date, nothing due');
  const embedded = (await h.req('GET', `/api/v1/lead/${lead}/`)).body.opportunities;
  assert.deepEqual(embedded.map((x: any) => x.id), [o.id, yen.id], 'the lead embeds its opportunities (reference §13.4)');
  assert.deepEqual(embedded[0], o);
});

test('opportunity_due: made when due, moved, following value and owner, completed when won (D29, D30, D32)', async () => {
  const o = await send('POST', '/api/v1/opportunity/', { lead_id: lead, value: 130000, note: 'tqm' });
  const dated = await send('PUT', `/api/v1/opportunity/${o.id}/`, { date_won: '2026-03-12', user_id: h.colleague.id });
  assert.equal(dated.date_won, '2026-03-12');
  let [t] = await dueTasks(o.id);
  assert.deepEqual(
    [t.date, t.view, t.assigned_to, t.created_by, t.updated_by, t.opportunity_value_formatted, t.lead_id],
    ['2026-03-12T00:00:00+00:00', 'future', h.colleague.id, h.user.id, h.user.id, '$1,300', lead],
  );
  // Re-dated: the same task moves; the value follows; no second task.
  h.advance(60_000);
  await send('PUT', `/api/v1/opportunity/${o.id}/`, { date_won: '2026-03-10', value: 150000, note: 'tqm cvr' }, h.colleague);
  const tasks = await dueTasks(o.id);
  assert.equal(tasks.length, 1);
  [t] = tasks;
  assert.deepEqual(
    [t.date, t.view, t.opportunity_value, t.opportunity_value_formatted, t.opportunity_note, t.updated_by],
    ['2026-03-10T00:00:00+00:00', 'inbox', 150000, '$1,500', 'tqm cvr', h.colleague.id],
  );
  // Won: complete; date_won stays what it was.
  const won = await send('PUT', `/api/v1/opportunity/${o.id}/`, { status_label: 'won' });
  assert.deepEqual([won.status_type, won.date_won], ['won', '2026-03-10']);
  t = (await h.req('GET', `/api/v1/task/${t.id}/`)).body;
  assert.deepEqual([t.is_complete, t.view, t.updated_by], [true, 'archive', h.user.id]);
  // Reopened as active with a new date: due again, as a new task.
  await send('PUT', `/api/v1/opportunity/${o.id}/`, { status_type: 'active', date_won: '2026-03-20' });
  const again = (await dueTasks(o.id)).filter((x) => !x.is_complete);
  assert.equal(again.length, 1);
  assert.notEqual(again[0].id, t.id);
});

test('lost, undated or deleted opportunities complete their due task (D30)', async () => {
  h.setNow(Date.parse('2026-03-10T12:00:00Z'));
  for (const [change, label] of [
    [{ status_type: 'lost' }, 'lost'],
    [{ date_won: null }, 'undated'],
    [null, 'deleted'],
  ] as const) {
    const o = await send('POST', '/api/v1/opportunity/', { lead_id: lead, value: 1000, date_won: '2026-03-09' });
    const [t] = await dueTasks(o.id);
    assert.equal(t.view, 'inbox', label);
    if (change) {
      const r = await send('PUT', `/api/v1/opportunity/${o.id}/`, change);
      if (label === 'lost') assert.equal(r.date_lost, '2026-03-10T12:00:00+00:00');
    } else {
      assert.deepEqual((await h.req('DELETE', `/api/v1/opportunity/${o.id}/`)).body, {});
      assert.equal((await h.req('GET', `/api/v1/opportunity/${o.id}/`)).body.error, 'Empty query: Opportunity matching query does not exist.');
    }
    const done = (await h.req('GET', `/api/v1/task/${t.id}/`)).body;
    assert.deepEqual([done.is_complete, done.view], [true, 'archive'], label);
  }
});

test('winning without a close date sets it to today in the request zone (close-openapi.yml PUT /opportunity/)', async () => {
  h.setNow(Date.parse('2026-03-11T02:00:00Z')); // 2026-03-10 in New York, 2026-03-11 in UTC
  const o = await send('POST', '/api/v1/opportunity/', { lead_id: lead, value: 500 });
  assert.equal((await send('PUT', `/api/v1/opportunity/${o.id}/`, { status_type: 'won' })).date_won, '2026-03-10');
  const p = await send('POST', '/api/v1/opportunity/', { lead_id: lead, value: 500 });
  const r = await h.req('PUT', `/api/v1/opportunity/${p.id}/`, { body: { status_type: 'won' }, headers: { 'x-tz-offset': '0' } });
  assert.equal(r.body.date_won, '2026-03-11');
  h.setNow(Date.parse('2026-03-10T12:00:00Z'));
});

test('opportunity lists filter by lead, user, status and dates, with total_results; others see nothing', async () => {
  const other = await makeLead(h, 'List Deals');
  const a = await send('POST', '/api/v1/opportunity/', { lead_id: other, value: 100, date_won: '2026-04-01' });
  h.advance();
  const b = await send('POST', '/api/v1/opportunity/', { lead_id: other, value: 300, user_id: h.colleague.id, status_type: 'lost' });
  h.advance();
  const c = await send('POST', '/api/v1/opportunity/', { lead_id: other, value: 200, date_won: '2026-05-01', value_period: 'annual' });
  const ids = async (q: string) => (await h.req('GET', `/api/v1/opportunity/?lead_id=${other}${q}`)).body;
  const all = await ids('');
  assert.deepEqual([all.total_results, all.has_more, all.data.map((o: any) => o.id)], [3, false, [c.id, b.id, a.id]]);
  assert.deepEqual((await ids('&_order_by=value')).data.map((o: any) => o.id), [a.id, c.id, b.id]);
  assert.deepEqual((await ids(`&user_id=${h.colleague.id}`)).data.map((o: any) => o.id), [b.id]);
  assert.deepEqual((await ids('&status_type=active&_order_by=date_won')).data.map((o: any) => o.id), [a.id, c.id]);
  assert.deepEqual((await ids(`&status_id=${b.status_id}`)).data.map((o: any) => o.id), [b.id]);
  assert.deepEqual((await ids('&status_label__in=Won,Lost')).data.map((o: any) => o.id), [b.id]);
  assert.deepEqual((await ids('&date_won__gte=2026-04-15')).data.map((o: any) => o.id), [c.id]);
  assert.deepEqual((await ids('&date_won=2026-04-01')).data.map((o: any) => o.id), [a.id]);
  assert.deepEqual((await ids('&value_period=annual&_fields=id,value')).data, [{ id: c.id, value: 200 }]);
  const page = await ids('&_limit=2');
  assert.deepEqual([page.data.length, page.has_more, page.total_results], [2, true, 3]);
  assert.equal((await h.req('GET', `/api/v1/opportunity/?lead_id=${other}&_order_by=color`)).status, 400);
  assert.deepEqual((await h.req('GET', `/api/v1/opportunity/?lead_id=${other}`, { as: h.outsider })).body, { data: [], has_more: false, total_results: 0 });
  assert.equal((await h.req('GET', `/api/v1/opportunity/${a.id}/`, { as: h.outsider })).status, 404);
});

test('bad opportunity bodies answer 400 with field errors; no lead makes an untitled lead, as Close does', async () => {
  const foreign = await makeLead(h, 'Theirs', h.outsider);
  const cases: [unknown, Record<string, unknown>][] = [
    [{ lead_id: foreign }, { lead: 'Object does not exist.' }],
    [{ lead_id: lead, status_type: 'pending' }, { status_type: 'Expected "active" or "won" or "lost" or null.' }],
    [{ lead_id: lead, status_id: 'stat_nope' }, { status: 'Object does not exist.' }],
    [{ lead_id: lead, value: -5 }, { value: 'Value must be a non-negative integer (minor units, e.g. cents).' }],
    [{ lead_id: lead, value: 12.5 }, { value: 'Expected integer or null.' }],
    [{ lead_id: lead, confidence: 101 }, { confidence: 'Value must be an integer from 0 to 100.' }],
    [{ lead_id: lead, value_currency: 'DOLLARS' }, { value_currency: 'Not a valid ISO 4217 currency code.' }],
    [{ lead_id: lead, date_won: 'soon' }, { date_won: 'Not a valid date or datetime. Use YYYY-MM-DD (got "soon").' }],
    [{ lead_id: lead, user_id: h.outsider.id }, { user: 'Object does not exist.' }],
  ];
  for (const [body, fieldErrors] of cases) {
    const r = await h.req('POST', '/api/v1/opportunity/', { body });
    assert.deepEqual([r.status, r.body], [400, { errors: [], 'field-errors': fieldErrors }], JSON.stringify(body));
  }
  const o = await send('POST', '/api/v1/opportunity/', { value: 100 });
  const l = (await h.req('GET', `/api/v1/lead/${o.lead_id}/`)).body;
  assert.deepEqual([l.id, l.name], [o.lead_id, '']);
});
