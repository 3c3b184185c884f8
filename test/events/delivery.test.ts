/**
 * Webhook subscriptions and signed delivery (issue 5; reference §12.3), over HTTP on
 * a real database file, delivering to real HTTP receivers on 127.0.0.1. The delivery
 * worker runs on the harness's pinned clock, one pass at a time, so retries and
 * the 72-hour and 3-day rules are checked without waiting.
 */
import { test, after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { harness, makeLead, makeTask, type Harness } from '../support/helpers.js';
import { startReceiver, type Receiver, type Received } from '../support/receiver.js';
import { createDeliveryWorker, type DeliveryWorker, type DeliveryWorkerOptions } from '../../src/events/delivery.js';
import { deliveriesOf } from '../../src/db/webhooks.repo.js';

let h: Harness;
let leadId: string;
const receivers: Receiver[] = [];
const workers: DeliveryWorker[] = [];
before(async () => {
  h = await harness();
  leadId = await makeLead(h);
});
// Each test starts without subscriptions, whatever the previous one left.
afterEach(async () => {
  await h.db.kysely.deleteFrom('webhook_deliveries').execute();
  await h.db.kysely.deleteFrom('webhook_subscriptions').execute();
});
after(async () => {
  for (const w of workers) await w.stop();
  for (const r of receivers) await r.close();
  await h.close();
});

const T0 = Date.parse('2026-03-10T12:00:00Z');
const MIN = 60_000;

async function receiver(respond?: Receiver['respond']): Promise<Receiver> {
  const r = await startReceiver({ respond });
  receivers.push(r);
  return r;
}

function worker(opts: DeliveryWorkerOptions = {}): DeliveryWorker {
  const w = createDeliveryWorker(h.db, { clock: h.clock, retryMinMs: 10_000, timeoutMs: 5_000, random: () => 0, ...opts });
  workers.push(w);
  return w;
}

async function subscribe(body: Record<string, unknown>, as?: Harness['user']) {
  const r = await h.req('POST', '/api/v1/webhook/', { body, as });
  assert.equal(r.status, 201, r.raw);
  return r.body;
}

/** Checks a delivery's signature with the algorithm Close documents, written out here. */
function assertSigned(r: Received, signatureKey: string): void {
  const timestamp = r.headers['close-sig-timestamp'] as string;
  const expected = createHmac('sha256', Buffer.from(signatureKey, 'hex'))
    .update(Buffer.concat([Buffer.from(timestamp, 'utf8'), r.raw]))
    .digest('hex');
  assert.match(timestamp, /^\d+$/);
  assert.equal(r.headers['close-sig-hash'], expected);
}

/** Runs passes, moving the clock `step` ms after each, until nothing is pending. */
async function drain(w: DeliveryWorker, subscriptionId: string, step = 20 * MIN, maxPasses = 400): Promise<number> {
  for (let i = 0; i < maxPasses; i++) {
    await w.runOnce();
    const pending = (await deliveriesOf(h.db.kysely, { subscriptionId })).filter((d) => d.state === 'pending');
    if (!pending.length) return i + 1;
    h.advance(step);
  }
  throw new Error('deliveries still pending');
}

test('POST /webhook/ answers 201 with the subscription and its signature_key; GET, PUT and DELETE manage it', async () => {
  h.setNow(T0);
  const r = await h.req('POST', '/api/v1/webhook/', {
    body: { url: 'https://hooks.example.com/close', events: [{ object_type: 'task.lead', action: 'created' }] },
  });
  assert.equal(r.status, 201);
  const sub = r.body;
  assert.match(sub.id, /^whsub_[0-9A-Za-z]{22}$/);
  assert.match(sub.signature_key, /^[0-9a-f]{64}$/);
  assert.deepEqual(
    { ...sub, id: undefined, signature_key: undefined },
    {
      created_by: h.user.id,
      date_created: '2026-03-10T12:00:00+00:00',
      date_updated: '2026-03-10T12:00:00+00:00',
      event_filter: null,
      events: [{ action: 'created', extra_filter: null, object_type: 'task.lead' }],
      id: undefined,
      organization_id: h.orgId,
      signature_key: undefined,
      status: 'active',
      updated_by: h.user.id,
      url: 'https://hooks.example.com/close',
      verify_ssl: true,
    },
  );
  assert.deepEqual((await h.req('GET', `/api/v1/webhook/${sub.id}/`)).body, sub);
  const list = (await h.req('GET', '/api/v1/webhook/')).body;
  assert.equal(list.has_more, false);
  assert.ok(list.data.some((s: any) => s.id === sub.id));

  h.advance(MIN);
  const put = await h.req('PUT', `/api/v1/webhook/${sub.id}/`, { body: { status: 'paused', verify_ssl: false } });
  assert.equal(put.status, 200);
  assert.deepEqual([put.body.status, put.body.verify_ssl, put.body.url, put.body.signature_key], ['paused', false, sub.url, sub.signature_key]);
  assert.equal(put.body.date_updated, '2026-03-10T12:01:00+00:00');

  assert.deepEqual((await h.req('DELETE', `/api/v1/webhook/${sub.id}/`)).body, {});
  const gone = await h.req('GET', `/api/v1/webhook/${sub.id}/`);
  assert.equal(gone.status, 404);
  assert.deepEqual(gone.body, { error: 'Empty query: WebhookSubscription matching query does not exist.' });
});

test('subscription bodies are validated in Close error shapes', async () => {
  const cases: [unknown, Record<string, unknown>][] = [
    [{ events: [{ object_type: 'task.lead', action: 'created' }] }, { url: 'This field is required.' }],
    [{ url: 'ftp://x.example/', events: [{ object_type: 'task.lead', action: 'created' }] }, { url: 'Enter a valid URL.' }],
    [{ url: 'not a url', events: [{ object_type: 'task.lead', action: 'created' }] }, { url: 'Enter a valid URL.' }],
    [{ url: 'https://x.example/' }, { events: 'This field is required.' }],
    [{ url: 'https://x.example/', events: [] }, { events: 'Subscribe to at least one event.' }],
    [{ url: 'https://x.example/', events: [{ object_type: 'task.lead' }] }, { events: { errors: { '0': { errors: [], 'field-errors': { action: 'This field is required.' } } } } }],
    [
      { url: 'https://x.example/', events: [{ object_type: 'task.lead', action: 'created', extra_filter: { type: 'bogus' } }] },
      {
        events: {
          errors: {
            '0': {
              errors: [],
              'field-errors': {
                extra_filter:
                  'unknown filter type "bogus"; use equals, not_equals, is_null, non_null, contains, and, or, not, field_accessor or any_array_value.',
              },
            },
          },
        },
      },
    ],
    [{ url: 'https://x.example/', events: [{ object_type: 'task.lead', action: 'created' }], event_filter: { type: 'and', filters: [] } }, { event_filter: '"and" needs a non-empty "filters" list.' }],
  ];
  for (const [body, fieldErrors] of cases) {
    const r = await h.req('POST', '/api/v1/webhook/', { body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.deepEqual(r.body, { errors: [], 'field-errors': fieldErrors }, JSON.stringify(body));
  }
  const sub = await subscribe({ url: 'https://x.example/', events: [{ object_type: 'task.lead', action: 'created' }] });
  const badStatus = await h.req('PUT', `/api/v1/webhook/${sub.id}/`, { body: { status: 'sleeping' } });
  assert.equal(badStatus.status, 400);
  assert.ok(badStatus.body['field-errors'].status);
  await h.req('DELETE', `/api/v1/webhook/${sub.id}/`);
});

test("members see only their own subscriptions, admins every one, other organizations none (reference §12.3, D26)", async () => {
  const mine = await subscribe({ url: 'https://mine.example/', events: [{ object_type: 'task.lead', action: 'created' }] });
  const theirs = await subscribe({ url: 'https://theirs.example/', events: [{ object_type: 'task.lead', action: 'created' }] }, h.colleague);
  assert.equal((await h.req('GET', `/api/v1/webhook/${theirs.id}/`)).status, 404);
  assert.equal((await h.req('PUT', `/api/v1/webhook/${theirs.id}/`, { body: { status: 'paused' } })).status, 404);
  assert.equal((await h.req('DELETE', `/api/v1/webhook/${theirs.id}/`)).status, 404);
  const listed = (await h.req('GET', '/api/v1/webhook/')).body.data.map((s: any) => s.id);
  assert.ok(listed.includes(mine.id) && !listed.includes(theirs.id));
  assert.equal((await h.req('GET', `/api/v1/webhook/${mine.id}/`, { as: h.outsider })).status, 404);
  assert.deepEqual((await h.req('GET', '/api/v1/webhook/', { as: h.outsider })).body, { data: [], has_more: false });

  await h.db.kysely.updateTable('memberships').set({ role_id: 'admin' }).where('user_id', '=', h.user.id).execute();
  try {
    assert.equal((await h.req('GET', `/api/v1/webhook/${theirs.id}/`)).status, 200);
    assert.ok((await h.req('GET', '/api/v1/webhook/')).body.data.some((s: any) => s.id === theirs.id));
  } finally {
    await h.db.kysely.updateTable('memberships').set({ role_id: 'user' }).where('user_id', '=', h.user.id).execute();
  }
  await h.req('DELETE', `/api/v1/webhook/${mine.id}/`);
  await h.req('DELETE', `/api/v1/webhook/${theirs.id}/`, { as: h.colleague });
});

test('an organization may have at most 40 subscriptions', async () => {
  const o = await harness();
  try {
    for (let i = 0; i < 40; i++) {
      const r = await o.req('POST', '/api/v1/webhook/', { body: { url: `https://h${i}.example/`, events: [{ object_type: 'task.lead', action: 'created' }] } });
      assert.equal(r.status, 201);
    }
    const r = await o.req('POST', '/api/v1/webhook/', { body: { url: 'https://h41.example/', events: [{ object_type: 'task.lead', action: 'created' }] } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { errors: ['This organization already has 40 webhook subscriptions, the most it may have.'] });
  } finally {
    await o.close();
  }
});

test('a delivery is a signed POST of {event, subscription_id}; the receiver verifies it with the documented algorithm', async () => {
  h.setNow(T0);
  const rcv = await receiver();
  const sub = await subscribe({ url: rcv.url, events: [{ object_type: 'task.lead', action: 'created' }] });
  const t = await makeTask(h, { lead_id: leadId, text: 'Signed, sealed' });
  const stats = await worker().runOnce();
  assert.equal(stats.delivered, 1);
  assert.equal(rcv.received.length, 1);
  const r = rcv.received[0];
  assert.equal(r.method, 'POST');
  assert.equal(r.path, '/hook');
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(r.headers['close-sig-timestamp'], String(Math.floor(T0 / 1000)));
  assertSigned(r, sub.signature_key);
  assert.deepEqual(Object.keys(r.json), ['event', 'subscription_id']);
  assert.equal(r.json.subscription_id, sub.id);
  assert.equal(r.json.event.object_id, t.id);
  assert.equal(r.json.event.action, 'created');
  // The delivered event is the event log's event, byte for byte in JSON terms.
  assert.deepEqual(r.json.event, (await h.req('GET', `/api/v1/event/${r.json.event.id}/`)).body);
  // A tampered body or another key does not verify.
  const forged = { ...r, raw: Buffer.from(r.raw.toString().replace('Signed, sealed', 'Signed, forged')) };
  assert.throws(() => assertSigned(forged, sub.signature_key));
  assert.throws(() => assertSigned(r, 'ab'.repeat(32)));
  const [d] = await deliveriesOf(h.db.kysely, { subscriptionId: sub.id });
  assert.deepEqual([d.state, d.attempts, d.last_status, Number(d.date_delivered)], ['delivered', 1, 200, T0]);
  assert.equal((await worker().runOnce()).claimed, 0, 'a delivered event is not sent again');
  await h.req('DELETE', `/api/v1/webhook/${sub.id}/`);
});

test('filters deliver only matching events: object_type and action, extra_filter, event_filter', async () => {
  h.setNow(T0);
  const created = await receiver();
  const urgent = await receiver();
  const completions = await receiver();
  const colleagueOnly = await receiver();
  const subs = [
    await subscribe({ url: created.url, events: [{ object_type: 'task.lead', action: 'created' }] }),
    await subscribe({
      url: urgent.url,
      events: [
        {
          object_type: 'task.lead',
          action: 'updated',
          extra_filter: { type: 'field_accessor', field: 'data', filter: { type: 'field_accessor', field: 'text', filter: { type: 'contains', value: 'urgent' } } },
        },
      ],
    }),
    await subscribe({ url: completions.url, events: [{ object_type: 'activity.task_completed', action: 'created' }, { object_type: 'task.lead', action: 'completed' }] }),
    await subscribe({
      url: colleagueOnly.url,
      events: [{ object_type: 'task.lead', action: 'created' }, { object_type: 'task.lead', action: 'updated' }],
      event_filter: { type: 'field_accessor', field: 'user_id', filter: { type: 'equals', value: h.colleague.id } },
    }),
  ];
  const a = await makeTask(h, { lead_id: leadId, text: 'plain' });
  const b = await makeTask(h, { lead_id: leadId, text: 'by colleague' }, h.colleague);
  await h.req('PUT', `/api/v1/task/${a.id}/`, { body: { text: 'now urgent' } });
  await h.req('PUT', `/api/v1/task/${b.id}/`, { body: { text: 'not so' } });
  await h.req('PUT', `/api/v1/task/${a.id}/`, { body: { is_complete: true } });
  await makeTask(h, { lead_id: leadId, _type: 'outgoing_call' });
  await worker().runOnce();

  const seen = (r: Receiver) => r.received.map((x) => `${x.json.event.object_type}:${x.json.event.action}:${x.json.event.data.id === a.id || x.json.event.data.task_id === a.id ? 'a' : x.json.event.data.id === b.id ? 'b' : '?'}`).sort();
  assert.deepEqual(seen(created), ['task.lead:created:a', 'task.lead:created:b']);
  // Both updates of `a` after its text became urgent match: the text change and the
  // completion (the clock is pinned, so `date_updated` does not change).
  assert.deepEqual(seen(urgent), ['task.lead:updated:a', 'task.lead:updated:a']);
  assert.deepEqual(urgent.received.map((x) => x.json.event.changed_fields.join(',')).sort(), [
    'is_complete,object_id,object_type',
    'text',
  ]);
  assert.deepEqual(seen(completions), ['activity.task_completed:created:a', 'task.lead:completed:a']);
  assert.deepEqual(seen(colleagueOnly), ['task.lead:created:b']);
  for (const [i, r] of [created, urgent, completions, colleagueOnly].entries()) {
    for (const x of r.received) {
      assertSigned(x, subs[i].signature_key);
      assert.equal(x.json.subscription_id, subs[i].id);
    }
  }
  for (const s of subs) await h.req('DELETE', `/api/v1/webhook/${s.id}/`);
});

test('a receiver that fails and then recovers gets every event; retries back off exponentially', async () => {
  h.setNow(T0);
  // Fails the first 9 requests (500, then 503s), then answers 200.
  const rcv = await receiver((n) => (n < 9 ? (n === 0 ? 500 : 503) : 200));
  const sub = await subscribe({ url: rcv.url, events: [{ object_type: 'task.lead', action: 'created' }, { object_type: 'task.lead', action: 'updated' }] });
  const lead = await makeLead(h, 'Flaky Receiver Co');
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await makeTask(h, { lead_id: lead, text: `flaky ${i}` })).id);
  await h.req('PUT', `/api/v1/task/?lead_id=${lead}`, { body: { priority: 'high' } });
  const expected = (await h.req('GET', `/api/v1/event/?lead_id=${lead}`)).body.data.map((e: any) => e.id).sort();
  assert.equal(expected.length, 6);

  const w = worker({ concurrency: 1 });
  // First pass: the 6 events are attempted; all fail.
  await w.runOnce();
  let rows = await deliveriesOf(h.db.kysely, { subscriptionId: sub.id });
  assert.deepEqual(rows.map((d) => [d.state, d.attempts, Number(d.next_attempt_at) - T0]), Array(6).fill(['pending', 1, 10_000]));
  assert.equal(rows[0].last_error, rows[0].last_status === 500 ? 'HTTP 500' : 'HTTP 503');
  assert.equal((await w.runOnce()).claimed, 0, 'nothing is due before the backoff');
  const sub1 = (await h.req('GET', `/api/v1/webhook/${sub.id}/`)).body;
  assert.equal(sub1.status, 'active');
  assert.equal(Number((await h.db.kysely.selectFrom('webhook_subscriptions').select('failing_since').where('id', '=', sub.id).executeTakeFirstOrThrow()).failing_since), T0);

  // 10 s later three more fail (9 in all) and three go through; their second retry waits 20 s.
  h.advance(10_000);
  await w.runOnce();
  rows = await deliveriesOf(h.db.kysely, { subscriptionId: sub.id });
  const pending = rows.filter((d) => d.state === 'pending');
  assert.equal(pending.length, 3);
  for (const d of pending) assert.deepEqual([d.attempts, Number(d.next_attempt_at) - h.clock()], [2, 20_000]);
  await drain(w, sub.id, 20_000);

  const ok = rcv.received.filter((r) => r.status === 200).map((r) => r.json.event.id).sort();
  assert.deepEqual(ok, expected, 'every event arrived');
  assert.equal(rcv.received.length, 9 + 6);
  for (const r of rcv.received) assertSigned(r, sub.signature_key);
  rows = await deliveriesOf(h.db.kysely, { subscriptionId: sub.id });
  assert.ok(rows.every((d) => d.state === 'delivered'));
  const after = await h.db.kysely.selectFrom('webhook_subscriptions').select(['failing_since', 'status']).where('id', '=', sub.id).executeTakeFirstOrThrow();
  assert.deepEqual([after.failing_since, after.status], [null, 'active'], 'a success clears the failure record');
  await h.req('DELETE', `/api/v1/webhook/${sub.id}/`);
});

test('deliveries that fail for 72 hours are given up, and the subscription is paused after 3 days of failures', async () => {
  h.setNow(T0);
  const rcv = await receiver(() => 503);
  const sub = await subscribe({ url: rcv.url, events: [{ object_type: 'task.lead', action: 'created' }] });
  const first = await makeTask(h, { lead_id: leadId, text: 'never arrives' });
  const w = worker();
  await w.runOnce();
  // A second event a day later is still pending when the subscription is paused.
  for (let t = 20 * MIN; t <= 24 * 60 * MIN; t += 20 * MIN) {
    h.setNow(T0 + t);
    await w.runOnce();
  }
  await makeTask(h, { lead_id: leadId, text: 'queued behind' });
  let passes = 0;
  let stats;
  do {
    h.advance(20 * MIN);
    stats = await w.runOnce();
    passes++;
  } while (!stats.paused.length && passes < 300);
  assert.deepEqual(stats.paused, [sub.id]);
  assert.equal(h.clock(), T0 + 72 * 60 * MIN, 'paused at the end of the third day');

  const rows = await deliveriesOf(h.db.kysely, { subscriptionId: sub.id });
  const byTask = new Map(rows.map((d) => [d.event_id, d]));
  const firstEvent = (await h.req('GET', `/api/v1/event/?object_id=${first.id}`)).body.data[0].id;
  const d1 = byTask.get(firstEvent)!;
  assert.equal(d1.state, 'failed');
  assert.equal(d1.last_error, 'HTTP 503');
  // Passes run every 20 minutes and every delay is at most 20 minutes, so each pass from
  // hour 0 to hour 72 (the last attempt lands on the window's end) made one attempt.
  assert.equal(d1.attempts, 72 * 3 + 1);
  const d2 = rows.find((d) => d.event_id !== firstEvent)!;
  assert.equal(d2.state, 'dropped');
  assert.equal(d2.last_error, 'subscription paused after 3 days of failed deliveries');

  const paused = (await h.req('GET', `/api/v1/webhook/${sub.id}/`)).body;
  assert.equal(paused.status, 'paused');
  // Paused: new events are not queued. Re-activated: new events flow again.
  const before = rcv.received.length;
  await makeTask(h, { lead_id: leadId, text: 'while paused' });
  assert.equal((await w.runOnce()).claimed, 0);
  await h.req('PUT', `/api/v1/webhook/${sub.id}/`, { body: { status: 'active' } });
  rcv.respond = () => 200;
  const back = await makeTask(h, { lead_id: leadId, text: 'after re-activation' });
  await w.runOnce();
  assert.deepEqual(rcv.received.slice(before).map((r) => r.json.event.object_id), [back.id]);
  await h.req('DELETE', `/api/v1/webhook/${sub.id}/`);
});

test('pausing a subscription through the API drops its queue; deleting one removes its queue', async () => {
  h.setNow(T0);
  const rcv = await receiver();
  const sub = await subscribe({ url: rcv.url, events: [{ object_type: 'task.lead', action: 'created' }] });
  await makeTask(h, { lead_id: leadId, text: 'queued 1' });
  await h.req('PUT', `/api/v1/webhook/${sub.id}/`, { body: { status: 'paused' } });
  const rows = await deliveriesOf(h.db.kysely, { subscriptionId: sub.id });
  assert.deepEqual(rows.map((d) => [d.state, d.last_error]), [['dropped', 'subscription paused']]);
  await h.req('PUT', `/api/v1/webhook/${sub.id}/`, { body: { status: 'active' } });
  await makeTask(h, { lead_id: leadId, text: 'queued 2' });
  await h.req('DELETE', `/api/v1/webhook/${sub.id}/`);
  assert.deepEqual(await deliveriesOf(h.db.kysely, { subscriptionId: sub.id }), []);
  await worker().runOnce();
  assert.equal(rcv.received.length, 0);
});

test('two workers sharing the outbox never send the same delivery twice', async () => {
  h.setNow(T0);
  const rcv = await receiver();
  const sub = await subscribe({ url: rcv.url, events: [{ object_type: 'task.lead', action: 'created' }] });
  const lead = await makeLead(h, 'Concurrent Co');
  for (let i = 0; i < 30; i++) await makeTask(h, { lead_id: lead, text: `c${i}` });
  const a = worker({ batchSize: 7 });
  const b = worker({ batchSize: 7 });
  for (let i = 0; i < 6; i++) await Promise.all([a.runOnce(), b.runOnce()]);
  const ids = rcv.received.map((r) => r.json.event.id);
  assert.equal(ids.length, 30);
  assert.equal(new Set(ids).size, 30);
  await h.req('DELETE', `/api/v1/webhook/${sub.id}/`);
});

test('the SSRF guard refuses private, loopback and link-local targets at create, update and delivery', async () => {
  const g = await harness({ webhookBlockPrivate: true });
  try {
    const events = [{ object_type: 'task.lead', action: 'created' }];
    for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://[::1]/hook', 'http://10.1.2.3/', 'http://169.254.169.254/latest/meta-data/', 'http://[::ffff:192.168.0.1]/']) {
      const r = await g.req('POST', '/api/v1/webhook/', { body: { url, events } });
      assert.equal(r.status, 400, url);
      assert.match(r.body['field-errors'].url, /^Webhooks cannot be sent to .*a private, loopback or link-local address\.$/, url);
    }
    const ok = await g.req('POST', '/api/v1/webhook/', { body: { url: 'https://93.184.216.34/hook', events } });
    assert.equal(ok.status, 201);
    const moved = await g.req('PUT', `/api/v1/webhook/${ok.body.id}/`, { body: { url: 'http://192.168.1.20/hook' } });
    assert.equal(moved.status, 400);
    assert.equal((await g.req('GET', `/api/v1/webhook/${ok.body.id}/`)).body.url, 'https://93.184.216.34/hook');
  } finally {
    await g.close();
  }

  // Off by default: the same loopback target is accepted; a worker with the guard on
  // still refuses to connect to it at delivery time (DNS may have changed since).
  h.setNow(T0);
  const rcv = await receiver();
  for (const url of [rcv.url, rcv.url.replace('127.0.0.1', 'localhost')]) {
    const sub = await subscribe({ url, events: [{ object_type: 'task.lead', action: 'created' }] });
    await makeTask(h, { lead_id: leadId, text: 'not to loopback' });
    const stats = await worker({ blockPrivate: true }).runOnce();
    assert.equal(stats.retrying, 1);
    const [d] = await deliveriesOf(h.db.kysely, { subscriptionId: sub.id });
    assert.equal(d.state, 'pending');
    assert.match(d.last_error ?? '', /private, loopback or link-local address/);
    await h.req('DELETE', `/api/v1/webhook/${sub.id}/`);
  }
  assert.equal(rcv.received.length, 0);
});
