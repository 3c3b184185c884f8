/**
 * Hardening (issue 13): one test per defect found by the hostile-input trial. Each
 * runs the real app over HTTP (a listening socket, so Node's own header checks apply)
 * on the test backend's database.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { basic, harness, makeLead, type Harness } from '../support/helpers.js';

let h: Harness;
let base: string;

before(async () => {
  h = await harness();
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
});
after(async () => h.close());

/** One request over a real socket; the body as text and the headers as Node gives them. */
function send(method: string, path: string, opts: { body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; type: string | undefined; raw: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(base + path, { method, headers: { authorization: basic(h.user.key), ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers } }, (res) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (raw += c));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], raw, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

test('defect 1: an unknown parameter whose name no header can carry is reported safely, and a POST commits once', async () => {
  const me = await send('GET', '/api/v1/me/?%0A=1');
  assert.equal(me.status, 200, me.raw);
  assert.match(String(me.type), /^application\/json/);
  assert.equal(me.headers['x-ignored-params'], '%0A');
  const lead = await makeLead(h, 'Header Co');
  const made = await send('POST', '/api/v1/task/?%E4%BD%A0=1&ok%7F=2', { body: JSON.stringify({ lead_id: lead, text: 'once' }) });
  assert.equal(made.status, 200, made.raw);
  assert.equal(made.headers['x-ignored-params'], '%E4%BD%A0,ok%7F');
  const list = await send('GET', `/api/v1/task/?lead_id=${lead}&_fields=id`);
  assert.equal(JSON.parse(list.raw).data.length, 1);
});

/** `[[[...1...]]]` nested `n` arrays deep, as JSON text. */
const nested = (n: number) => '['.repeat(n) + '1' + ']'.repeat(n);

test('defect 2: a body nested past the depth limit is a 400 before any handler, and the webhook list still answers', async () => {
  for (const depth of [40, 4_100, 10_000]) {
    const body = `{"url": "https://example.com/hook", "events": [{"object_type": "task.lead", "action": "created"}], "event_filter": {"type": "equals", "value": ${nested(depth)}}}`;
    const r = await send('POST', '/api/v1/webhook/', { body });
    assert.equal(r.status, 400, r.raw);
    assert.match(String(r.type), /^application\/json/);
    assert.match(JSON.parse(r.raw).error, /nests deeper than 32 levels/);
  }
  const list = await send('GET', '/api/v1/webhook/');
  assert.equal(list.status, 200, list.raw);
  assert.deepEqual(JSON.parse(list.raw).data, []);
  // A filter of ordinary depth is still accepted.
  const okBody = JSON.stringify({ url: 'https://example.com/hook', events: [{ object_type: 'task.lead', action: 'created' }], event_filter: { type: 'and', filters: [{ type: 'not', filter: { type: 'equals', value: [[1]] } }] } });
  assert.equal((await send('POST', '/api/v1/webhook/', { body: okBody })).status, 201);
});

test('defect 2: every stored string has a length limit (400 with field errors)', async () => {
  const r = await send('POST', '/api/v1/lead/', { body: JSON.stringify({ name: 'x'.repeat(1_001) }) });
  assert.equal(r.status, 400, r.raw);
  assert.deepEqual(JSON.parse(r.raw), { errors: [], 'field-errors': { name: 'Must be at most 1000 characters long.' } });
  const t = await send('POST', '/api/v1/task/', { body: JSON.stringify({ lead_id: await makeLead(h, 'Len Co'), text: 't'.repeat(10_001) }) });
  assert.deepEqual(JSON.parse(t.raw)['field-errors'], { text: 'Must be at most 10000 characters long.' });
  const note = await send('POST', '/api/v1/activity/call/', { body: JSON.stringify({ phone: '+14155550101', note: 'n'.repeat(10_001), remote_phone: 'p'.repeat(10_001) }) });
  assert.deepEqual(JSON.parse(note.raw)['field-errors'], { note: 'Must be at most 10000 characters long.', remote_phone: 'Must be at most 10000 characters long.' });
});

test('defect 3: a lead search query past its limit is a 400; LIKE metacharacters match themselves', async () => {
  for (const query of ['q'.repeat(1_001), '%_'.repeat(25_000)]) {
    const r = await send('POST', '/api/v1/lead/', { body: JSON.stringify({ _params: { query } }), headers: { 'x-http-method-override': 'GET' } });
    assert.equal(r.status, 400, r.raw.slice(0, 300));
    assert.deepEqual(JSON.parse(r.raw), { errors: [], 'field-errors': { query: 'Must be at most 1000 characters long.' } });
  }
  await makeLead(h, '100% Pure_Co');
  await makeLead(h, '100X PureYCo');
  const r = await send('GET', '/api/v1/lead/?query=' + encodeURIComponent('0% Pure_') + '&_fields=name');
  assert.deepEqual(JSON.parse(r.raw).data, [{ name: '100% Pure_Co' }]);
});

test('defect 5: a lead embeds at most 50 open tasks (the earliest), the rest are one GET /task/?lead_id= away', async () => {
  const busy = await makeLead(h, 'Busy Co');
  const quiet = await makeLead(h, 'Quiet Co');
  for (let i = 0; i < 55; i++) {
    const date = `2026-04-${String(1 + (i % 28)).padStart(2, '0')}`;
    assert.equal((await send('POST', '/api/v1/task/', { body: JSON.stringify({ lead_id: busy, text: `t${i}`, date }) })).status, 200);
  }
  await send('POST', '/api/v1/task/', { body: JSON.stringify({ lead_id: quiet, text: 'only one' }) });
  const all = JSON.parse((await send('GET', `/api/v1/task/?lead_id=${busy}&is_complete=false&_limit=100&_fields=id,date`)).raw).data;
  assert.equal(all.length, 55);
  const list = JSON.parse((await send('GET', `/api/v1/lead/?id__in=${busy},${quiet}&_fields=id,tasks`)).raw).data;
  const busyLead = list.find((l: { id: string }) => l.id === busy);
  assert.equal(busyLead.tasks.length, 50);
  // The earliest 50 by date (then id), as the task list orders them.
  const earliest = [...all].sort((a: any, b: any) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id < b.id ? -1 : 1)).slice(0, 50);
  assert.deepEqual(new Set(busyLead.tasks.map((t: { id: string }) => t.id)), new Set(earliest.map((t: { id: string }) => t.id)));
  assert.equal(list.find((l: { id: string }) => l.id === quiet).tasks.length, 1);
  assert.equal(JSON.parse((await send('GET', `/api/v1/lead/${busy}/`)).raw).tasks.length, 50);
  // Without tasks in _fields, none are read and none come back.
  assert.deepEqual(JSON.parse((await send('GET', `/api/v1/lead/?id=${busy}&_fields=id,name`)).raw).data, [{ id: busy, name: 'Busy Co' }]);
});

test('found by the hostile suite: a NUL character in an id, a parameter or a body is a 400 on every backend (PostgreSQL cannot hold one)', async () => {
  const inId = await send('GET', '/api/v1/task/%00/');
  assert.deepEqual([inId.status, JSON.parse(inId.raw)], [400, { error: 'Text may not contain the NUL character (\\u0000).' }]);
  const inParam = await send('GET', '/api/v1/task/?lead_id=a%00b');
  assert.deepEqual([inParam.status, JSON.parse(inParam.raw)['field-errors']], [400, { lead_id: 'Text may not contain the NUL character (\\u0000).' }]);
  const inBody = await send('POST', '/api/v1/lead/', { body: '{"name": "a\\u0000b"}' });
  assert.equal(inBody.status, 400);
  // A HEAD whose headers are too large gets the 431 without a body.
  const big = await new Promise<string>((resolve) => {
    const s = connect(Number(new URL(base).port), '127.0.0.1');
    let t = '';
    s.on('data', (c) => (t += c));
    s.on('close', () => resolve(t));
    s.write(`HEAD /api/v1/task/?q=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
  assert.match(big, /^HTTP\/1\.1 431 /);
  assert.ok(big.endsWith('\r\n\r\n'), big);
});
