/**
 * Operator handles of issue 11 on the real app and database (`TEST_DB`): `/healthz`,
 * `/readyz`, `/metrics`, `X-Request-Id`, compression, CORS and `Allow` on 405.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { basic, freshDatabase, openFresh, harness, makeLead, makeTask, testBackend } from '../support/helpers.js';
import { openDb } from '../../src/db/connect.js';
import { buildApp } from '../../src/server/app.js';
import { createApiKey, createOrganization, createUser } from '../../src/crm/accounts.js';
import { Metrics } from '../../src/server/metrics.js';
import { createDeliveryWorker } from '../../src/events/delivery.js';
import { startReceiver } from '../support/receiver.js';

const backend = testBackend();

test(`/healthz answers 200; /readyz answers 200 on a migrated database and 503 once it is closed (${backend})`, async () => {
  const fresh = await freshDatabase();
  const db = await openDb(fresh.url);
  const app = await buildApp({ db });
  try {
    const live = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(live.statusCode, 200);
    assert.deepEqual(live.json(), { status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready' });
    assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
    await db.close();
    const gone = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(gone.statusCode, 503);
    assert.deepEqual(gone.json(), { status: 'unavailable', error: 'The database cannot be reached.' });
    // Liveness does not depend on the database.
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  } finally {
    await app.close();
    await fresh.drop();
  }
});

test(`/readyz answers 503 naming the migrations a database lacks (${backend})`, async () => {
  const fresh = await freshDatabase();
  const db = await openDb(fresh.url, { migrate: false });
  const app = await buildApp({ db, metrics: false });
  try {
    const r = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(r.statusCode, 503);
    assert.equal(r.json().status, 'unavailable');
    assert.match(r.json().error, /^Migrations not applied: 0001_core, .*0009_covering_indexes\.$/);
  } finally {
    await app.close();
    await db.close();
    await fresh.drop();
  }
});

test(`X-Request-Id: a sane client id is echoed and logged, anything else is replaced by a generated one (${backend})`, async () => {
  const fresh = await freshDatabase();
  const db = await openFresh(fresh);
  const lines: string[] = [];
  const app = await buildApp({ db, logger: { level: 'info', stream: { write: (line: string) => void lines.push(line) } } });
  try {
    const own = await app.inject({ method: 'GET', url: '/api/v1/me/', headers: { 'x-request-id': 'lb-7f3a:9.x_Y-1' } });
    assert.equal(own.statusCode, 401);
    assert.equal(own.headers['x-request-id'], 'lb-7f3a:9.x_Y-1');
    const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.reqId === 'lb-7f3a:9.x_Y-1');
    assert.ok(logged.some((l) => l.msg === 'request completed' && l.res.statusCode === 401), 'the client id is on the request log lines');
    for (const bad of ['has space', 'x'.repeat(129), 'semi;colon', '<script>', '']) {
      const r = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': bad } });
      assert.match(String(r.headers['x-request-id']), /^req_[A-Za-z0-9]{22}$/, `"${bad.slice(0, 20)}" is not echoed`);
    }
    const a = await app.inject({ method: 'GET', url: '/healthz' });
    const b = await app.inject({ method: 'GET', url: '/healthz' });
    assert.match(String(a.headers['x-request-id']), /^req_[A-Za-z0-9]{22}$/);
    assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
  } finally {
    await app.close();
    await db.close();
    await fresh.drop();
  }
});

test(`a 405 names the methods of its URL in Allow (${backend})`, async () => {
  const h = await harness();
  try {
    const me = await h.req('DELETE', '/api/v1/me/');
    assert.equal(me.status, 405);
    assert.equal(me.headers.allow, 'GET, HEAD');
    const task = await h.req('PATCH', '/api/v1/task/task_x/');
    assert.equal(task.status, 405);
    assert.equal(task.headers.allow, 'GET, HEAD, PUT, DELETE');
    const list = await h.req('POST', '/api/v1/task/', { headers: { 'x-http-method-override': 'PATCH' } });
    assert.equal(list.status, 405);
    assert.equal(list.headers.allow, 'GET, HEAD, POST, PUT');
    assert.deepEqual(list.body, { error: 'The method is not allowed for the requested URL.' });
  } finally {
    await h.close();
  }
});

test(`responses are compressed for clients that accept br or gzip, and not for others (${backend})`, async () => {
  const h = await harness();
  try {
    const lead = await makeLead(h);
    for (let i = 0; i < 20; i++) await makeTask(h, { lead_id: lead, text: `Call number ${i} about the renewal`, date: '2026-03-10' });
    const url = '/api/v1/task/?_limit=100';
    const auth = { authorization: basic(h.user.key) };
    const plain = await h.app.inject({ method: 'GET', url, headers: auth });
    assert.equal(plain.headers['content-encoding'], undefined);
    const expected = plain.json();
    const gz = await h.app.inject({ method: 'GET', url, headers: { ...auth, 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(JSON.parse(gunzipSync(gz.rawPayload).toString('utf8')), expected);
    assert.ok(gz.rawPayload.length < plain.rawPayload.length / 2, `gzip ${gz.rawPayload.length} B vs ${plain.rawPayload.length} B`);
    const br = await h.app.inject({ method: 'GET', url, headers: { ...auth, 'accept-encoding': 'br, gzip' } });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.deepEqual(JSON.parse(brotliDecompressSync(br.rawPayload).toString('utf8')), expected);
  } finally {
    await h.close();
  }
});

test(`CORS is off by default and answers only the configured origins when on (${backend})`, async () => {
  const fresh = await freshDatabase();
  const db = await openFresh(fresh);
  const off = await buildApp({ db, metrics: false });
  const on = await buildApp({ db, metrics: false, corsOrigins: ['https://app.example.com'] });
  try {
    const org = await createOrganization(db.kysely, { name: 'Cors' }, 0);
    const user = await createUser(db.kysely, org.id, { email: 'c@cors.test', first_name: 'C', last_name: 'O' }, 0);
    const { key } = await createApiKey(db.kysely, org.id, user.id, 0);
    const get = { method: 'GET' as const, url: '/api/v1/me/', headers: { authorization: basic(key), origin: 'https://app.example.com' } };
    const plain = await off.inject(get);
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.headers['access-control-allow-origin'], undefined);
    const allowed = await on.inject(get);
    assert.equal(allowed.statusCode, 200);
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.match(String(allowed.headers['access-control-expose-headers']), /X-Rate-Limit-Remaining/);
    const other = await on.inject({ ...get, headers: { ...get.headers, origin: 'https://evil.example.net' } });
    assert.equal(other.statusCode, 200);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    const preflight = await on.inject({
      method: 'OPTIONS',
      url: '/api/v1/task/',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,content-type' },
    });
    assert.equal(preflight.statusCode, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.match(String(preflight.headers['access-control-allow-methods']), /PUT/);
    // Without CORS an OPTIONS is Close's 405.
    assert.equal((await off.inject({ method: 'OPTIONS', url: '/api/v1/task/' })).statusCode, 405);
  } finally {
    await off.close();
    await on.close();
    await db.close();
    await fresh.drop();
  }
});

/** The value of the sample `name{labels}` in Prometheus text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

test(`/metrics: requests by route pattern, latency, list cache, webhook outbox, process metrics (${backend})`, async () => {
  const h = await harness();
  try {
    const lead = await makeLead(h);
    const task = await makeTask(h, { lead_id: lead, text: 'Metric me', date: '2026-03-10' });
    await h.req('GET', `/api/v1/task/${task.id}/`);
    await h.req('GET', '/api/v1/task/task_doesnotexist/');
    // The third is a cache hit on SQLite: a list is kept from its second computation on.
    for (let i = 0; i < 3; i++) await h.req('GET', '/api/v1/task/?view=inbox');
    await h.req('GET', '/no/such/page');
    await h.req('POST', '/api/v1/webhook/', { body: { url: 'http://127.0.0.1:9/hook', events: [{ object_type: 'task.lead', action: 'updated' }] } });
    await h.req('PUT', `/api/v1/task/${task.id}/`, { body: { text: 'Metric me again' } });
    const r = await h.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = r.body;
    assert.equal(sample(text, 'tasklane_http_requests_total', { route: '/api/v1/task/:id/', method: 'GET', status_code: '200' }), 1);
    assert.equal(sample(text, 'tasklane_http_requests_total', { route: '/api/v1/task/:id/', method: 'GET', status_code: '404' }), 1);
    assert.equal(sample(text, 'tasklane_http_requests_total', { route: 'unmatched', method: 'GET', status_code: '404' }), 1);
    assert.ok(!text.includes(task.id) && !text.includes('/no/such/page'), 'no raw URL becomes a label');
    assert.equal(sample(text, 'tasklane_http_request_duration_seconds_count', { route: '/api/v1/task/', method: 'GET' }), 3);
    assert.equal(sample(text, 'tasklane_list_cache_requests_total', { result: 'hit' }), h.listCache.stats.hits);
    assert.equal(sample(text, 'tasklane_list_cache_requests_total', { result: 'miss' }), h.listCache.stats.misses);
    // Only SQLite can tell that nothing changed between two lists (`Db.changeToken`).
    if (backend === 'sqlite') assert.ok(h.listCache.stats.hits >= 1, 'the third inbox list was a hit');
    assert.equal(sample(text, 'tasklane_webhook_outbox_pending'), 1, 'the update queued one delivery');
    assert.ok((sample(text, 'process_resident_memory_bytes') ?? 0) > 0);
    assert.ok(sample(text, 'nodejs_eventloop_lag_seconds') !== undefined);
    if (backend === 'postgres') assert.ok((sample(text, 'tasklane_db_pool_connections', { state: 'total' }) ?? 0) >= 1);
    else assert.equal(sample(text, 'tasklane_db_pool_connections', { state: 'total' }), undefined);
  } finally {
    await h.close();
  }
});

test(`/metrics counts the delivery worker's outcomes by outcome (${backend})`, async () => {
  const h = await harness();
  // The first delivery is refused (retry later), the second accepted.
  const receiver = await startReceiver({ respond: (n) => (n === 0 ? 500 : 200) });
  const metrics = new Metrics();
  const worker = createDeliveryWorker(h.db, { clock: h.clock, pollMs: 50, retryMinMs: 1000, random: () => 0, onPass: (stats) => metrics.recordDeliveries(stats) });
  let stopped: Promise<void> | null = null;
  const stop = () => (stopped ??= worker.stop());
  try {
    const sub = await h.req('POST', '/api/v1/webhook/', { body: { url: receiver.url, events: [{ object_type: 'task.lead', action: 'created' }] } });
    assert.equal(sub.status, 201);
    const lead = await makeLead(h);
    await makeTask(h, { lead_id: lead, text: 'Deliver me', date: '2026-03-10' });
    await makeTask(h, { lead_id: lead, text: 'Deliver me too', date: '2026-03-10' });
    worker.start();
    const until = Date.now() + 10_000;
    while (receiver.received.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await stop();
    assert.deepEqual(receiver.received.map((r) => r.status), [500, 200]);
    const text = await metrics.text();
    assert.equal(sample(text, 'tasklane_webhook_deliveries_total', { outcome: 'retrying' }), 1);
    assert.equal(sample(text, 'tasklane_webhook_deliveries_total', { outcome: 'delivered' }), 1);
    assert.equal(sample(text, 'tasklane_webhook_deliveries_total', { outcome: 'failed' }), undefined);
  } finally {
    await stop();
    await receiver.close();
    await h.close();
  }
});
